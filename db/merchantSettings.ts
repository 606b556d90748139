import { applySettingsChange, noticeReachesOrder, type MerchantSettings, type MerchantSettingsChange } from '../domain/merchantSettings';
import { DEFAULT_MERCHANT, merchantOr } from '../domain/merchant';
import { orderAccessOf } from './orderAccess';
import type { Store } from './store';
import type { Sealed, Vault } from './vault';

/**
 * A merchant's settings, opened from the vault; none written yet reads as none set. They are read
 * where they are used (each notice, each webhook, each complaint filed), so a change holds at once
 * in every process.
 */
export async function readSettings(store: Store, vault: Vault, merchantId: string): Promise<MerchantSettings> {
  const row = await store.merchants.findById(merchantId, { settings: 1 }).lean();
  return opened(vault, row?.settings);
}

function opened(vault: Vault, sealed: Sealed | undefined): MerchantSettings {
  return sealed ? (JSON.parse(vault.open(sealed)) as MerchantSettings) : {};
}

/**
 * Apply a change and keep the result sealed; the first shop's row is written on its first change,
 * as its status is. Null when there is no such merchant. Written only over the settings it was
 * applied to (each seal is unique), so two admins saving at once never lose one's section: the
 * later one is applied again over the earlier.
 */
export async function changeSettings(store: Store, vault: Vault, merchantId: string, change: MerchantSettingsChange): Promise<MerchantSettings | null> {
  if (merchantId === DEFAULT_MERCHANT) {
    await store.merchants.updateOne({ _id: merchantId }, { $setOnInsert: { name: 'default', status: 'ACTIVE', contactEmail: { iv: '', tag: '', data: '' } } }, { upsert: true });
  }
  for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt++) {
    const row = await store.merchants.findById(merchantId, { settings: 1 }).lean();
    if (!row) return null;
    const next = applySettingsChange(opened(vault, row.settings), change);
    const unchanged = row.settings ? { 'settings.data': row.settings.data } : { settings: { $exists: false } };
    const { matchedCount } = await store.merchants.updateOne({ _id: merchantId, ...unchanged }, { $set: { settings: vault.seal(JSON.stringify(next)) } });
    if (matchedCount === 1) return next;
  }
  throw new Error(`the settings of merchant ${merchantId} kept changing while being saved`);
}

const SAVE_ATTEMPTS = 5;

/** Whether a payment notice that came for `merchantId` may touch the order it names (another merchant's may not). */
export async function noticeMayReach(store: Store, merchantId: string, orderId: string): Promise<boolean> {
  // The access row a buyer's page reads too, kept by the process: written once, its merchant never changes.
  const access = await orderAccessOf(store, orderId);
  return noticeReachesOrder(merchantId, access ? merchantOr(access.merchantId) : undefined);
}

/**
 * Merchants' settings as the notice routes read them: every notice, signed or not, needs its
 * merchant's secret before the anonymous rate limit can tell them apart, so a flood of unsigned
 * notices would otherwise cost a read each. The rails of each merchant's calls to its providers are
 * built from these too (payments/merchantRails.ts). Kept `ttlMs` (a change reaches the other API
 * processes' notices and calls that much later; the process that saved it forgets its copy at once),
 * for a bounded number of merchants.
 */
export class RecentSettings {
  private readonly known = new Map<string, { at: number; settings: Promise<MerchantSettings> }>();
  constructor(
    private readonly store: Store,
    private readonly vault: Vault,
    private readonly ttlMs = 5_000,
    private readonly size = 1_000,
  ) {}

  of(merchantId: string): Promise<MerchantSettings> {
    const now = Date.now();
    const kept = this.known.get(merchantId);
    if (kept && now - kept.at < this.ttlMs) return kept.settings;
    const settings = readSettings(this.store, this.vault, merchantId);
    this.known.delete(merchantId);
    if (this.known.size >= this.size) this.known.delete(this.known.keys().next().value as string);
    this.known.set(merchantId, { at: now, settings });
    // A failed read is not kept: the next notice reads again.
    settings.catch(() => this.known.delete(merchantId));
    return settings;
  }

  /** The merchant's settings changed here: the next notice or call reads them again. */
  forget(merchantId: string): void {
    this.known.delete(merchantId);
  }
}
