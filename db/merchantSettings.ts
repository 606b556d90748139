import { applySettingsChange, noticeReachesOrder, type MerchantSettings, type MerchantSettingsChange } from '../domain/merchantSettings';
import { DEFAULT_MERCHANT, merchantOr } from '../domain/merchant';
import type { Store } from './store';
import type { Vault } from './vault';

/**
 * A merchant's settings, opened from the vault; none written yet reads as none set. They are read
 * where they are used (each notice, each webhook, each complaint filed), so a change holds at once
 * in every process.
 */
export async function readSettings(store: Store, vault: Vault, merchantId: string): Promise<MerchantSettings> {
  const row = await store.merchants.findById(merchantId, { settings: 1 }).lean();
  return row?.settings ? (JSON.parse(vault.open(row.settings)) as MerchantSettings) : {};
}

/**
 * Apply a change and keep the result sealed; the first shop's row is written on its first change,
 * as its status is. Null when there is no such merchant.
 */
export async function changeSettings(store: Store, vault: Vault, merchantId: string, change: MerchantSettingsChange): Promise<MerchantSettings | null> {
  const exists = merchantId === DEFAULT_MERCHANT || (await store.merchants.exists({ _id: merchantId })) !== null;
  if (!exists) return null;
  const next = applySettingsChange(await readSettings(store, vault, merchantId), change);
  const set = { $set: { settings: vault.seal(JSON.stringify(next)) } };
  if (merchantId === DEFAULT_MERCHANT) {
    await store.merchants.updateOne({ _id: merchantId }, { ...set, $setOnInsert: { name: 'default', status: 'ACTIVE', contactEmail: { iv: '', tag: '', data: '' } } }, { upsert: true });
  } else {
    await store.merchants.updateOne({ _id: merchantId }, set);
  }
  return next;
}

/** Whether a payment notice that came for `merchantId` may touch the order it names (another merchant's may not). */
export async function noticeMayReach(store: Store, merchantId: string, orderId: string): Promise<boolean> {
  const access = await store.orderAccess.findById(orderId, { merchantId: 1 }).lean();
  return noticeReachesOrder(merchantId, access ? merchantOr(access.merchantId) : undefined);
}
