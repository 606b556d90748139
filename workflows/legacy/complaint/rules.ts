import { COMPLAINT_ACTION_FITS as FITS, COMPLAINT_BUYER_FITS, type ComplaintAction, type ComplaintStatus } from '../../../domain/complaint';

/** Why an agent's action does not fit the complaint now, or undefined when it does. */
export function actionRefusal(status: ComplaintStatus, action: ComplaintAction, note: string | undefined, remedyPending: boolean): string | undefined {
  if (!(action in FITS)) return `unknown action "${action}"`;
  if (remedyPending) return 'a remedy is being applied to the order; wait for its outcome';
  if (!FITS[action].includes(status)) {
    const where = FITS[action].join(', ');
    return `the complaint is ${status}; ${action} fits a complaint that is ${where}`;
  }
  if (action === 'reject' && !note?.trim()) return 'a rejection needs a note telling the buyer why';
  return undefined;
}

/** Why the buyer cannot reply now, or undefined. */
export function replyRefusal(status: ComplaintStatus, message: string, replies: number, maxReplies: number | undefined): string | undefined {
  if (!(COMPLAINT_BUYER_FITS.reply as readonly ComplaintStatus[]).includes(status)) return `the complaint is ${status}`;
  if (typeof message !== 'string' || !message.trim()) return 'a reply needs a message';
  if (maxReplies !== undefined && replies >= maxReplies) return `the complaint has ${replies} replies from the buyer, the most allowed; an agent will answer`;
  return undefined;
}

/** Why the buyer cannot confirm now, or undefined. */
export function confirmRefusal(status: ComplaintStatus, rating: number | undefined): string | undefined {
  if (!(COMPLAINT_BUYER_FITS.confirm as readonly ComplaintStatus[]).includes(status)) return `the complaint is ${status}; only a RESOLVED complaint is confirmed`;
  if (rating !== undefined && !(Number.isInteger(rating) && rating >= 1 && rating <= 5)) return 'a rating is a whole number from 1 to 5';
  return undefined;
}
