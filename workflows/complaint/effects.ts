import { getExternalWorkflowHandle } from '@temporalio/workflow';
import type { ComplaintInput } from '../../domain/complaint';
import type { ComplaintEffect, ComplaintEvent, ComplaintState } from '../../domain/complaintLife';
import { orderWorkflowId } from '../../domain/order';
import { recheckWithin } from '../activities';
import { complaintRemedy } from '../messages';
import { ProviderReplies } from './providerReplies';
import { ComplaintRecord } from './record';

/**
 * The complaint's hands: carries out what `decide` asked, one effect at a time. Its own steps are
 * awaited; what may take long (a re-check of the keys, replies to WeChat Pay) runs beside the
 * complaint and comes back as an event, so an agent or the buyer never waits on the world.
 */
export class ComplaintHands {
  readonly record = new ComplaintRecord();
  private readonly replies: ProviderReplies;
  private rechecking = 0;

  constructor(
    private readonly input: ComplaintInput,
    private readonly tell: (event: ComplaintEvent) => void,
  ) {
    this.replies = new ProviderReplies(input.complaintId, input.orderId, (why) => tell({ type: 'providerReplyFailed', why }));
  }

  /** Nothing beside the complaint still running: it may end. */
  get idle(): boolean {
    return this.replies.idle && this.rechecking === 0;
  }

  async carryOut(effect: ComplaintEffect, state: ComplaintState): Promise<void> {
    switch (effect.type) {
      case 'write':
        return this.record.write(state, effect);
      case 'replyToProvider':
        return this.replies.send(effect.providerComplaintId, effect.reply);
      case 'askOrder':
        // The order is the only one that moves keys and money; one that has closed cannot be asked.
        return getExternalWorkflowHandle(orderWorkflowId(this.input.orderId))
          .signal(complaintRemedy, effect.request)
          .catch(() => this.tell({ type: 'orderGone' }));
      case 'recheck':
        return this.recheck(effect.withinMs);
    }
  }

  /** The supplier's check of the order's keys (or our own without one), beside the complaint; no verdict in time leaves it to the agents. */
  private recheck(withinMs: number): void {
    this.rechecking += 1;
    void recheckWithin(withinMs)
      .recheckDeliveredKeys({ orderId: this.input.orderId })
      .then(
        (answer) => ({ verdict: answer.valid ? ('valid' as const) : ('invalid' as const), supplier: answer.supplier, found: answer.reason ?? '' }),
        // No verdict within the wait (a supplier that is down), or nothing left to check: the agents take it.
        () => ({ verdict: 'unknown' as const, supplier: false, found: '' }),
      )
      .then((found) => {
        this.rechecking -= 1;
        this.tell({ type: 'rechecked', ...found });
      });
  }
}
