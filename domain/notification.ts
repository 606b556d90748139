/** What the storefront is told. Statuses and ids only: a key's code never leaves this way. */
export interface Notification {
  eventId: string;
  type: string;
  orderId: string;
  complaintId?: string;
  status: string;
  at: string;
}
