import type { MerchantSummary } from '../merchants';
import type { Store } from '../store';
import { talliesBy } from './read';
import { emptyTally, reportOf, tallyFor, type Period } from './tally';

/** One merchant's line in the platform's complaint ranking (投诉排行榜 of its merchants). */
export interface MerchantRank {
  merchantId: string;
  name: string;
  orders: number;
  complaints: number;
  complaintRate: number | null;
  refundRate: number | null;
  firstResponseOnTime: number | null;
  resolutionOnTime: number | null;
  satisfiedShare: number | null;
}

/**
 * The merchants ranked by their complaints over the orders they sold in the period, worst first
 * (a merchant that sold nothing last), from one read of the ledger, whose tallies keep each
 * merchant apart.
 */
export async function merchantRanking(store: Store, period: Period, merchants: MerchantSummary[]): Promise<MerchantRank[]> {
  const tally = (await talliesBy(store, period, () => 'period')).get('period') ?? emptyTally();
  const lines = merchants.map(({ merchantId, name }) => {
    const report = reportOf(tallyFor(tally, merchantId), period);
    const { orders, complaints, refunds } = report.totals;
    return {
      merchantId,
      name,
      orders,
      complaints,
      complaintRate: rate(complaints, orders),
      refundRate: rate(refunds, orders),
      firstResponseOnTime: report.sla.firstResponseOnTime,
      resolutionOnTime: report.sla.resolutionOnTime,
      satisfiedShare: report.satisfaction.satisfiedShare,
    };
  });
  return lines.sort((a, b) => (b.complaintRate ?? -1) - (a.complaintRate ?? -1) || b.complaints - a.complaints || (a.merchantId < b.merchantId ? -1 : 1));
}

function rate(n: number, of: number): number | null {
  return of === 0 ? null : Math.round((n / of) * 10_000) / 10_000;
}
