import { condition, patched } from '@temporalio/workflow';
import type { ComplaintStatus, ComplaintView } from '../../../domain/complaint';
import { provider } from '../activities';
import type { Said } from './record';

/**
 * What a complaint following a WeChat Pay complaint (消费者投诉2.0) sends back there: each agent's
 * words to the buyer (`…/response`), and `…/complete` once an agent resolves it, so the buyer sees
 * the shop's answer where they complained. Sent one at a time in order, beside the complaint's own
 * steps (an agent never waits for WeChat Pay), each retried until WeChat Pay takes it.
 */
export class ProviderReplies {
  private readonly outbox: Array<{ text: string } | { complete: true }> = [];
  private sending = false;

  constructor(
    private readonly view: ComplaintView,
    private readonly patchId: string,
  ) {}

  /** A step of the complaint: what the agents said in it goes back, and a resolution by an agent completes it there. */
  heard(said: Said[], status: ComplaintStatus | undefined): void {
    const dispute = this.view.dispute;
    if (dispute?.source !== 'wechatpay' || dispute.outcome) return;
    const agents = said.filter((m) => m.from === 'agent' && m.text.trim());
    for (const m of agents) this.outbox.push({ text: m.text });
    if (status === 'RESOLVED' && agents.length > 0) this.outbox.push({ complete: true });
    if (this.outbox.length > 0 && !this.sending) {
      this.sending = true;
      void this.send(dispute.id);
    }
  }

  get idle(): boolean {
    return this.outbox.length === 0;
  }

  private async send(complaintId: string): Promise<void> {
    patched(this.patchId);
    for (;;) {
      await condition(() => this.outbox.length > 0);
      await provider.answerProviderComplaint({ complaintId, ...this.outbox[0] });
      this.outbox.shift();
    }
  }
}
