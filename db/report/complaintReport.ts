import type { Store } from '../store';
import { talliesBy } from './read';
import { DEFAULT_MERCHANT } from '../../domain/merchant';
import { emptyTally, reportOf, tallyFor, type ComplaintReport, type Period } from './tally';

export type { ComplaintReport, Period };

/**
 * The complaint ranking (投诉排行榜) for orders and complaints created in [from, to): what buyers
 * complain about, which products draw complaints and refunds, whether the agents keep their
 * deadlines, and whether buyers were satisfied. Worst first. Read from the ledger (talliesBy).
 */
export async function complaintReport(store: Store, period: Period, merchantId: string = DEFAULT_MERCHANT): Promise<ComplaintReport> {
  const tallies = await talliesBy(store, period, () => 'period');
  return reportOf(tallyFor(tallies.get('period') ?? emptyTally(), merchantId), period);
}
