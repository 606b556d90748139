import { newId } from '../vault';
import type { Store } from '../store';
import { DEFAULT_MERCHANT } from '../../domain/merchant';
import { inMerchant, merchantField } from '../merchants';
import { complaintReport } from './complaintReport';
import { PLATFORM } from './tally';

/**
 * The month's complaint handling as a shop publishes it (定期发布投诉处理进展和改进措施): the same
 * figures as the staff's complaint ranking for that month, without anything that names an order,
 * a buyer, a product or a code, and with the shop's own notes on what it improved.
 */
export interface PublicComplaintReport {
  month: string;
  orders: number;
  complaints: number;
  complaintRate: number | null;
  firstResponseOnTime: number | null;
  resolutionOnTime: number | null;
  medianFirstResponseMinutes: number | null;
  medianResolutionHours: number | null;
  byCategory: { category: string; complaints: number; share: number }[];
  satisfaction: { responses: number; satisfiedShare: number | null; averageRating: number | null };
  notes: { at: string; text: string }[];
}

/** The UTC period of a `YYYY-MM` month. */
export function monthPeriod(month: string): { from: Date; to: Date } {
  const [year, m] = month.split('-').map(Number);
  return { from: new Date(Date.UTC(year, m - 1, 1)), to: new Date(Date.UTC(year, m, 1)) };
}

/**
 * One merchant's month, or the platform's (PLATFORM: every merchant's figures together, with the
 * notes of the first shop, `default`, whose report it was before merchants).
 */
export async function publicComplaintReport(store: Store, month: string, merchantId: string = PLATFORM): Promise<PublicComplaintReport> {
  const [report, notes] = await Promise.all([
    complaintReport(store, monthPeriod(month), merchantId),
    store.reportNotes.find({ ...inMerchant(merchantId === PLATFORM ? DEFAULT_MERCHANT : merchantId), month }).sort({ at: 1 }).limit(100).lean(),
  ]);
  const { orders, complaints } = report.totals;
  return {
    month,
    orders,
    complaints,
    complaintRate: orders === 0 ? null : Math.round((complaints / orders) * 10_000) / 10_000,
    firstResponseOnTime: report.sla.firstResponseOnTime,
    resolutionOnTime: report.sla.resolutionOnTime,
    medianFirstResponseMinutes: report.sla.medianFirstResponseMinutes,
    medianResolutionHours: report.sla.medianResolutionMinutes === null ? null : Math.round((report.sla.medianResolutionMinutes / 60) * 10) / 10,
    byCategory: report.byCategory.map(({ category, complaints: n, share }) => ({ category, complaints: n, share })),
    satisfaction: report.satisfaction,
    notes: notes.map((n) => ({ at: n.at.toISOString(), text: n.text })),
  };
}

export async function addReportNote(store: Store, month: string, text: string, merchantId: string = DEFAULT_MERCHANT): Promise<{ at: string; text: string }> {
  const at = new Date();
  await store.reportNotes.create({ _id: newId(), ...merchantField(merchantId), month, text, at });
  return { at: at.toISOString(), text };
}
