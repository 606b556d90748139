import type { OrderStatus } from '../../domain/order';
import type { ComplaintViewDoc, OrderViewDoc } from '../schemas';

/** Orders nobody paid for cannot be complained about, so they do not count as sold. */
const UNSOLD: readonly OrderStatus[] = ['AWAITING_PAYMENT', 'CANCELLED'];

/** What the ranking counts of one order or complaint at one step (`seq`) of its workflow. */
interface EntryBase {
  id: string;
  seq: number;
  /** When it was created, in ms: the period a report covers is by creation time. */
  at: number;
  sku: string;
}
export interface OrderEntry extends EntryBase {
  kind: 'order';
  sold: boolean;
  refunded: boolean;
}
/** A complaint's figures, as its read-model row keeps them (null while still open to either answer). */
type ComplaintFigures = Pick<
  ComplaintViewDoc,
  'category' | 'firstResponseOnTime' | 'resolutionOnTime' | 'firstResponseMinutes' | 'resolutionMinutes' | 'satisfied' | 'rating'
>;
export interface ComplaintEntry extends EntryBase, ComplaintFigures {
  kind: 'complaint';
}
export type LedgerEntry = OrderEntry | ComplaintEntry;

export function orderEntry(row: Pick<OrderViewDoc, '_id' | 'seq' | 'sku' | 'status' | 'createdAt'>): OrderEntry {
  return {
    kind: 'order',
    id: row._id,
    seq: row.seq,
    at: row.createdAt.getTime(),
    sku: row.sku,
    sold: !UNSOLD.includes(row.status),
    refunded: row.status === 'REFUNDED',
  };
}

export function complaintEntry(row: Omit<ComplaintViewDoc, 'view' | 'status' | 'orderId' | 'dueAt'>): ComplaintEntry {
  return {
    kind: 'complaint',
    id: row._id,
    seq: row.seq,
    at: row.createdAt.getTime(),
    sku: row.sku,
    category: row.category,
    firstResponseOnTime: row.firstResponseOnTime,
    resolutionOnTime: row.resolutionOnTime,
    firstResponseMinutes: row.firstResponseMinutes,
    resolutionMinutes: row.resolutionMinutes,
    satisfied: row.satisfied,
    rating: row.rating,
  };
}

/** Orders and complaints share the ledger; their ids are apart by kind. */
export function entryKey(entry: LedgerEntry): string {
  return `${entry.kind === 'order' ? 'o' : 'c'}:${entry.id}`;
}

/** The later of two steps of the same order or complaint; workflows number their steps. */
export function isNewer(candidate: LedgerEntry, current: LedgerEntry | undefined): boolean {
  return current === undefined || candidate.seq > current.seq;
}

/** Keep the newest entry per order or complaint. */
export function mergeNewest(into: Map<string, LedgerEntry>, entries: Iterable<LedgerEntry>): Map<string, LedgerEntry> {
  for (const entry of entries) {
    const key = entryKey(entry);
    if (isNewer(entry, into.get(key))) into.set(key, entry);
  }
  return into;
}

const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** The ledger's buckets are UTC hours and days, named by their ISO prefix. */
export function hourOf(at: number): string {
  return new Date(at).toISOString().slice(0, 13);
}
export function dayOf(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}
export function startOfDay(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

/** The hours of a day that overlap [from, to). */
export function hoursOfDay(day: string, from = -Infinity, to = Infinity): string[] {
  const start = startOfDay(day);
  const hours: string[] = [];
  for (let h = start; h < start + DAY_MS; h += HOUR_MS) if (h + HOUR_MS > from && h < to) hours.push(hourOf(h));
  return hours;
}

/** The days that overlap [from, to). */
export function daysBetween(from: number, to: number): string[] {
  const days: string[] = [];
  for (let d = startOfDay(dayOf(from)); d < to; d += DAY_MS) days.push(dayOf(d));
  return days;
}
