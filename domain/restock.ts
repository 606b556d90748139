import type { OrderStatus } from './order';

/**
 * A product's restock owner: one workflow per sku, started (or signalled) by each key import, that
 * offers the new stock to the paid orders waiting for it. One owner per sku makes the offers of one
 * product go out one at a time, oldest payment first, whichever API process took the import.
 */
export function restockWorkflowId(sku: string): string {
  return `restock-${sku}`;
}

/** How one waiting order took an offer. */
export type OfferOutcome =
  /** It tried and left OUT_OF_STOCK (took its keys, or moved on to a refund or a remedy). */
  | 'resumed'
  /** It tried and found too few keys: it waits on. */
  | 'still_waiting'
  /** It was no longer waiting when the offer came (resumed or closed since the read model said so). */
  | 'no_longer_waiting'
  /** No answer in time (no worker, Temporal unreachable): it looks at the stock by itself now and then. */
  | 'unanswered';

/** What one pass over a sku's waiting orders came to. */
export interface RestockPass {
  /** Orders the read model listed as waiting for this sku when the pass began. */
  waiting: number;
  offered: number;
  resumed: number;
  stillWaiting: number;
  noLongerWaiting: number;
  unanswered: number;
  /** The pass stopped before the end of the list: no key of the sku was left to offer. */
  stockRanOut: boolean;
}

export const NO_PASS: RestockPass = { waiting: 0, offered: 0, resumed: 0, stillWaiting: 0, noLongerWaiting: 0, unanswered: 0, stockRanOut: false };

/** The outcome of an offer the order answered, from the status it answered with. */
export function outcomeOfAnswer(status: OrderStatus): OfferOutcome {
  return status === 'OUT_OF_STOCK' ? 'still_waiting' : 'resumed';
}

/** A pass with one more offer's outcome counted. */
export function countOffer(pass: RestockPass, outcome: OfferOutcome): RestockPass {
  const field = ({ resumed: 'resumed', still_waiting: 'stillWaiting', no_longer_waiting: 'noLongerWaiting', unanswered: 'unanswered' } as const)[outcome];
  return { ...pass, offered: pass.offered + 1, [field]: pass[field] + 1 };
}

/** Two passes' counts added up (a run's totals). */
export function addPasses(a: RestockPass, b: RestockPass): RestockPass {
  return {
    waiting: a.waiting + b.waiting,
    offered: a.offered + b.offered,
    resumed: a.resumed + b.resumed,
    stillWaiting: a.stillWaiting + b.stillWaiting,
    noLongerWaiting: a.noLongerWaiting + b.noLongerWaiting,
    unanswered: a.unanswered + b.unanswered,
    stockRanOut: a.stockRanOut || b.stockRanOut,
  };
}
