/**
 * What a complaint following a WeChat Pay complaint (消费者投诉2.0) sends back there: an agent's
 * words to the buyer (`…/response`), or the merchant's "handled" (`…/complete`).
 */
export type ProviderReply = { text: string } | { complete: true };

/** The failure type of a reply WeChat Pay refused for good (a 4xx about the request): never retried. */
export const PROVIDER_REPLY_REFUSED = 'ProviderReplyRefused';

/** The most characters WeChat Pay shows of one reply (`response_content`); longer words are cut there. */
export const REPLY_MAX_CHARS = 200;

/** A line of the complaint's negotiation history at WeChat Pay (`…/negotiation-historys`). */
export interface NegotiationEntry {
  /** `operate_type`: MERCHANT_RESPONSE for a reply, MERCHANT_CONFIRM_COMPLETE for a completion, others for the buyer's and the platform's. */
  type: string;
  /** `operate_details`: a reply's words as posted. */
  details: string;
}

/**
 * The id of one reply: the complaint's own id and the reply's place among everything the complaint
 * sent back, so the same reply has the same id however often it is attempted (the activity's id).
 */
export function replyId(complaintId: string, seq: number): string {
  return `${complaintId}.reply.${seq}`;
}

/** A reply's words as WeChat Pay takes them: at most REPLY_MAX_CHARS characters (whole characters, not halves of one). */
export function replyContent(text: string): string {
  return [...text].slice(0, REPLY_MAX_CHARS).join('');
}

/** Whether two replies would read the same in WeChat Pay's history. */
export function sameReply(a: ProviderReply, b: ProviderReply): boolean {
  if ('complete' in a || 'complete' in b) return 'complete' in a && 'complete' in b;
  return replyContent(a.text).trim() === replyContent(b.text).trim();
}

/** Whether a history line is this reply as WeChat Pay recorded it. */
function records(entry: NegotiationEntry, reply: ProviderReply): boolean {
  if ('complete' in reply) return entry.type === 'MERCHANT_CONFIRM_COMPLETE';
  return entry.type === 'MERCHANT_RESPONSE' && entry.details.trim() === replyContent(reply.text).trim();
}

/**
 * Whether WeChat Pay already holds this reply, asked before sending it again (its `…/response` takes
 * no request id, so a POST whose answer never came may have landed). The history cannot tell one
 * of two identical replies from the other, so it is counted: the reply is there when the history
 * holds more lines like it than the replies like it this complaint had posted before (`earlier`).
 */
export function alreadyPosted(history: readonly NegotiationEntry[], reply: ProviderReply, earlier: number): boolean {
  return history.filter((entry) => records(entry, reply)).length > earlier;
}
