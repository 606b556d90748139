import type { Money } from '../../domain/money';
import type { OrderStatus, OrderView } from '../../domain/order';
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
  /** The merchant, for every merchant but `default` (whose entries, like those of before merchants, name none). */
  merchantId?: string;
}
export interface OrderEntry extends EntryBase {
  kind: 'order';
  sold: boolean;
  refunded: boolean;
  /** What the order costs the buyer, for the sales report; absent in facts recorded before it was carried. */
  amount?: Money;
}
/** A complaint's figures, as its read-model row keeps them (null while still open to either answer). */
type ComplaintFigures = Pick<
  ComplaintViewDoc,
  'category' | 'channel' | 'firstResponseOnTime' | 'resolutionOnTime' | 'firstResponseMinutes' | 'resolutionMinutes' | 'satisfied' | 'rating' | 'autoResolvedSeconds' | 'autoRecheck'
>;
export interface ComplaintEntry extends EntryBase, ComplaintFigures {
  kind: 'complaint';
}
export type LedgerEntry = OrderEntry | ComplaintEntry;

export function orderEntry(row: Pick<OrderViewDoc, '_id' | 'seq' | 'sku' | 'status' | 'createdAt' | 'merchantId'> & { view?: Pick<OrderView, 'amount'> }): OrderEntry {
  const amount = row.view?.amount;
  return {
    kind: 'order',
    id: row._id,
    seq: row.seq,
    at: row.createdAt.getTime(),
    sku: row.sku,
    ...(row.merchantId ? { merchantId: row.merchantId } : {}),
    ...orderFigures(row.status),
    ...(amount ? { amount: { amount: amount.amount, currency: amount.currency } } : {}),
  };
}

/** What the ranking counts of an order in a status. */
export function orderFigures(status: OrderStatus): Pick<OrderEntry, 'sold' | 'refunded'> {
  return { sold: !UNSOLD.includes(status), refunded: status === 'REFUNDED' };
}

/** Whether the reports count an order in `to` differently from one in `from` (a new entry is worth recording). */
export function figuresChange(from: OrderStatus | undefined, to: OrderStatus): boolean {
  // A new order counts from its first step: the sales report counts the orders taken, paid or not.
  if (from === undefined) return true;
  const b = orderFigures(to);
  const a = orderFigures(from);
  return a.sold !== b.sold || a.refunded !== b.refunded;
}

export function complaintEntry(row: Omit<ComplaintViewDoc, 'view' | 'status' | 'orderId' | 'dueAt'>): ComplaintEntry {
  return {
    kind: 'complaint',
    id: row._id,
    seq: row.seq,
    at: row.createdAt.getTime(),
    sku: row.sku,
    ...(row.merchantId ? { merchantId: row.merchantId } : {}),
    category: row.category,
    ...(row.channel ? { channel: row.channel } : {}),
    firstResponseOnTime: row.firstResponseOnTime,
    resolutionOnTime: row.resolutionOnTime,
    firstResponseMinutes: row.firstResponseMinutes,
    resolutionMinutes: row.resolutionMinutes,
    satisfied: row.satisfied,
    rating: row.rating,
    ...(row.autoResolvedSeconds != null ? { autoResolvedSeconds: row.autoResolvedSeconds } : {}),
    ...(row.autoRecheck ? { autoRecheck: { outcome: row.autoRecheck.outcome, seconds: row.autoRecheck.seconds ?? null, reopened: Boolean(row.autoRecheck.reopened) } } : {}),
  };
}

/** Orders and complaints share the ledger; their ids are apart by kind. */
export function entryKey(entry: LedgerEntry): string {
  return `${entry.kind === 'order' ? 'o' : 'c'}:${entry.id}`;
}

/**
 * Keep the newest entry per order or complaint: workflows number their steps. Of two entries of the
 * same step, one that carries the order's amount wins: the backfill records it for orders whose
 * entries were folded before entries carried it.
 */
export function mergeNewest(into: Map<string, LedgerEntry>, entries: Iterable<LedgerEntry>): Map<string, LedgerEntry> {
  for (const entry of entries) {
    const key = entryKey(entry);
    const current = into.get(key);
    if (current === undefined || entry.seq > current.seq || (entry.seq === current.seq && addsAmount(entry, current))) into.set(key, entry);
  }
  return into;
}

function addsAmount(entry: LedgerEntry, current: LedgerEntry): boolean {
  return entry.kind === 'order' && current.kind === 'order' && entry.amount !== undefined && current.amount === undefined;
}

export const HOUR_MS = 3_600_000;

/**
 * The ledger's buckets are UTC hours, named by their ISO prefix (`2025-03-01T07`); an hour's day
 * is its first ten characters and its month its first seven.
 */
export function hourOf(at: number): string {
  return new Date(at).toISOString().slice(0, 13);
}
export function startOfHour(hour: string): number {
  return Date.parse(`${hour}:00:00.000Z`);
}
export const dayOfHour = (hour: string): string => hour.slice(0, 10);
export const monthOfHour = (hour: string): string => hour.slice(0, 7);
/** The hour of its day, `00` to `23`. */
export const hourOfDay = (hour: string): string => hour.slice(11, 13);

/** Entries by the hour they were created in. */
export function byHour(entries: Iterable<LedgerEntry>): Map<string, LedgerEntry[]> {
  const hours = new Map<string, LedgerEntry[]>();
  for (const entry of entries) {
    const hour = hourOf(entry.at);
    const list = hours.get(hour);
    if (list) list.push(entry);
    else hours.set(hour, [entry]);
  }
  return hours;
}

/** The hours that overlap [from, to). */
export function hoursBetween(from: number, to: number): string[] {
  const hours: string[] = [];
  for (let h = from - (from % HOUR_MS); h < to; h += HOUR_MS) hours.push(hourOf(h));
  return hours;
}

/** The months that overlap [from, to), as `YYYY-MM`. */
export function monthsBetween(from: number, to: number): string[] {
  const months: string[] = [];
  const at = new Date(from);
  for (let m = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1); m < to; ) {
    const d = new Date(m);
    months.push(d.toISOString().slice(0, 7));
    m = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  }
  return months;
}
