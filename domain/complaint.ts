export const COMPLAINT_CATEGORIES = [
  'key_invalid',
  'key_not_received',
  'wrong_item',
  'payment_issue',
  'service',
  'other',
] as const;
export type ComplaintCategory = (typeof COMPLAINT_CATEGORIES)[number];

export const COMPLAINT_ACTIONS = [
  'acknowledge',
  'request_info',
  'resolve_replace',
  'resolve_refund',
  'reject',
  'escalate',
] as const;
export type ComplaintAction = (typeof COMPLAINT_ACTIONS)[number];

export const COMPLAINT_STATUSES = ['OPEN', 'ACKNOWLEDGED', 'AWAITING_BUYER', 'ESCALATED', 'RESOLVED', 'CLOSED'] as const;
export type ComplaintStatus = (typeof COMPLAINT_STATUSES)[number];

export function complaintWorkflowId(complaintId: string): string {
  return `complaint-${complaintId}`;
}
