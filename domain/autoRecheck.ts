import type { ComplaintView } from './complaint';

/**
 * Where a key_invalid complaint's automatic re-check left it:
 * - `replaced`: the key was invalid, a new one was delivered and the complaint resolved by `system`;
 * - `valid`: the check said the key works, so the agents take it with that verdict;
 * - `no_answer`: no verdict within AUTO_RECHECK_WAIT (a supplier that is down), so the agents take it;
 * - `not_replaced`: invalid, but no new key was delivered (no stock, the order closed, an agent had
 *   already taken it), so the agents take it.
 */
export const RECHECK_OUTCOMES = ['replaced', 'valid', 'no_answer', 'not_replaced'] as const;
export type RecheckOutcome = (typeof RECHECK_OUTCOMES)[number];
/** The outcomes that leave the complaint with the agents: the reasons they had to take it. */
export const TO_AGENTS = ['valid', 'no_answer', 'not_replaced'] as const satisfies readonly RecheckOutcome[];

export interface RecheckFigures {
  outcome: RecheckOutcome;
  /** Seconds from filing to the re-check's resolution (a new key delivered); null unless `replaced`. */
  seconds: number | null;
  /** Resolved by the re-check, then reopened by the buyer: the new key did not settle it. */
  reopened: boolean;
}

/**
 * What the reports count of a complaint's automatic re-check, from its view at one step; null when
 * none ran (another category, a provider's dispute, the re-check off) or it has not answered yet.
 * A reopen clears who resolved it from the view, so `earlier` (the figures of its previous step)
 * keeps a replacement counted as one, now reopened.
 */
export function recheckFigures(view: ComplaintView, earlier?: RecheckFigures | null): RecheckFigures | null {
  const verdict = view.autoRecheck?.verdict;
  if (!verdict) return null;
  if (earlier?.outcome === 'replaced') return { ...earlier, reopened: earlier.reopened || view.reopenCount > 0 };
  if (verdict === 'valid') return { outcome: 'valid', seconds: null, reopened: false };
  if (verdict === 'unknown') return { outcome: 'no_answer', seconds: null, reopened: false };
  if (view.resolvedBy === 'system' && view.resolution === 'replaced' && view.resolvedAt) {
    return { outcome: 'replaced', seconds: (Date.parse(view.resolvedAt) - Date.parse(view.createdAt)) / 1000, reopened: view.reopenCount > 0 };
  }
  return { outcome: 'not_replaced', seconds: null, reopened: false };
}

/** Whether the figures of this step may depend on the previous one (a re-check's replacement since reopened). */
export function needsEarlierFigures(view: ComplaintView): boolean {
  return view.autoRecheck?.verdict === 'invalid' && view.reopenCount > 0 && view.resolvedBy !== 'system';
}

/** The value at or under which `share` of the values lie (nearest rank); null for none. */
export function percentile(values: readonly number[], share: number): number | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.max(0, Math.ceil(share * sorted.length) - 1)];
}
