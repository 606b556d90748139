import { ActivityFailure, ApplicationFailure, TimeoutFailure, condition, isCancellation } from '@temporalio/workflow';
import { PROVIDER_REPLY_REFUSED, replyId, sameReply, type ProviderReply } from '../../domain/providerReply';
import { PROVIDER_REPLY_GIVE_UP, providerReply } from '../activities';

/**
 * What a complaint following a WeChat Pay complaint (消费者投诉2.0) sends back there: each agent's
 * words to the buyer (`…/response`), and `…/complete` once an agent resolves it, so the buyer sees
 * the shop's answer where they complained (which to send is decided in domain/complaintLife.ts).
 * Sent one at a time in order, beside the complaint's own steps (an agent never waits for WeChat
 * Pay). Each is posted at most once (replyToProviderComplaint looks before it posts again) and tried for a bounded time: one WeChat Pay refuses or never takes
 * is told to the agents (`failed`) and the next goes on, so no reply holds the complaint open.
 */
export class ProviderReplies {
  private readonly outbox: ProviderReply[] = [];
  /** Replies WeChat Pay took, in order: how many like the next one it already holds. */
  private readonly posted: ProviderReply[] = [];
  private seq = 0;
  private sending = false;

  /**
   * @param complaintId this complaint's id, which names each reply (domain/providerReply.ts: replyId)
   * @param orderId the order it is on: its merchant's WeChat Pay account posts the replies
   * @param failed tells the agents why a reply did not reach WeChat Pay; the next waits for it
   */
  constructor(
    private readonly complaintId: string,
    private readonly orderId: string,
    private readonly failed: (why: string) => void,
  ) {}

  /** A reply to send after the ones before it, to the WeChat Pay complaint the first one went to. */
  send(providerComplaintId: string, reply: ProviderReply): void {
    this.outbox.push(reply);
    if (this.sending) return;
    this.sending = true;
    void this.sendInTurn(providerComplaintId);
  }

  /** Nothing left to send, and every failure told: a reply leaves the outbox only once it is settled. */
  get idle(): boolean {
    return this.outbox.length === 0;
  }

  private async sendInTurn(providerComplaintId: string): Promise<void> {
    for (;;) {
      await condition(() => this.outbox.length > 0);
      const reply = this.outbox[0];
      this.seq += 1;
      const earlier = this.posted.filter((r) => sameReply(r, reply)).length;
      try {
        await providerReply(replyId(this.complaintId, this.seq)).replyToProviderComplaint({ complaintId: providerComplaintId, reply, earlier, orderId: this.orderId });
        this.posted.push(reply);
      } catch (err) {
        if (isCancellation(err)) return;
        this.failed(failure(reply, err));
      }
      this.outbox.shift();
    }
  }
}

/** What the agents read when a reply did not reach WeChat Pay: which reply, and WeChat Pay's own answer. */
function failure(reply: ProviderReply, err: unknown): string {
  const what = 'complete' in reply ? 'The completion of the WeChat Pay complaint' : `The reply to WeChat Pay ("${excerpt(reply.text)}")`;
  const cause = err instanceof ActivityFailure ? err.cause : err;
  const then = 'Answer the buyer in the WeChat Pay merchant console.';
  if (cause instanceof ApplicationFailure && cause.type === PROVIDER_REPLY_REFUSED) return `${what} failed: WeChat Pay refused it (${cause.message}). ${then}`;
  if (cause instanceof TimeoutFailure) {
    const last = cause.cause ? ` (last: ${cause.cause.message})` : '';
    return `${what} failed: WeChat Pay did not take it within ${PROVIDER_REPLY_GIVE_UP} of trying${last}. ${then}`;
  }
  return `${what} failed: ${cause instanceof Error ? cause.message : String(cause)}. ${then}`;
}

function excerpt(text: string): string {
  const chars = [...text.trim()];
  return chars.length > 40 ? `${chars.slice(0, 40).join('')}…` : chars.join('');
}
