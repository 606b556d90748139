import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { wholeComplaintView } from '../db/complaintView';
import { evidenceOf } from '../db/evidence';
import { complaintViewOf } from '../db/schemas';
import type { Store } from '../db/store';
import { complaintWorkflowId, type ComplaintView, type RemedyPending } from '../domain/complaint';
import { complaintView } from '../workflows/messages';
import { conflict, notFound } from './errors';
import { conflictOfUpdate } from './gateway';

/**
 * Everything the API asks of Temporal about complaints. The complaint workflow is the single
 * writer of its complaint; the API reads what it wrote to the read model.
 */
export class ComplaintGateway {
  constructor(
    private readonly client: Client,
    private readonly store: Store,
  ) {}

  /**
   * From the read model, which the workflow writes at every step before it answers anyone: agents'
   * pages and buyers ask again and again, and a query runs through the engine and the worker that
   * carry the sale's orders. A complaint filed a moment ago, whose first step is not written yet, is
   * asked of its workflow.
   */
  async view(complaintId: string): Promise<ComplaintView> {
    const projected = await this.store.complaintViews.findById(complaintId).lean();
    if (projected) return this.present(complaintViewOf(projected));
    try {
      return this.present(await this.handle(complaintId).query(complaintView));
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      throw notFound(`complaint ${complaintId} does not exist`);
    }
  }

  /**
   * The view as the API shows it: its evidence files (kept beside the workflow, db/evidence.ts), and
   * the channel named even on the legacy release's complaints (the buyer's own, web).
   */
  private async present(view: ComplaintView): Promise<ComplaintView> {
    const files = await evidenceOf(this.store, view.complaintId);
    const attachments = files.map(({ _id, contentType, bytes, from, at }) => ({ attachmentId: _id, contentType, bytes, from, at: at.toISOString() }));
    return { ...view, channel: view.channel ?? 'web', attachments };
  }

  /** The order a complaint belongs to, which decides whose token opens it; undefined if none. */
  async orderOf(complaintId: string): Promise<string | undefined> {
    const projected = await this.store.complaintViews.findById(complaintId).lean();
    if (projected) return projected.orderId;
    // Filed a moment ago: its first projection may not be written yet.
    return this.view(complaintId).then(
      (v) => v.orderId,
      () => undefined,
    );
  }

  /**
   * An agent's or the buyer's action. A validator's refusal is a 409 with its reason; `updateId` makes
   * a retry harmless. A view answered with only its latest messages gets the earlier ones back.
   */
  async act<Arg, Answer>(complaintId: string, update: UpdateDefinition<Answer, [Arg]>, arg: Arg, updateId?: string): Promise<Answer> {
    let answer: Answer;
    try {
      answer = await this.handle(complaintId).executeUpdate(update, { args: [arg], ...(updateId ? { updateId } : {}) });
    } catch (err) {
      conflictOfUpdate(err);
      if (err instanceof WorkflowNotFoundError) {
        const projected = await this.store.complaintViews.findById(complaintId).lean();
        if (!projected) throw notFound(`complaint ${complaintId} does not exist`);
        throw conflict(`the complaint is ${projected.status}`);
      }
      throw err;
    }
    const view = answer as ComplaintView | RemedyPending;
    return (view.status === 'pending' ? view : await this.present(await wholeComplaintView(this.store, view))) as Answer;
  }

  handle(complaintId: string) {
    return this.client.workflow.getHandle(complaintWorkflowId(complaintId));
  }
}
