import type { ComplaintPolicy } from './complaint';
import { parseDuration } from './duration';
import { DEFAULT_MERCHANT } from './merchant';

/**
 * A merchant's own settings: the secret its generic payment notices are signed with, its storefront
 * webhook, its accounts at the payment providers, and its complaint deadlines. Stored sealed as a
 * whole; every secret in them is masked whenever they are shown.
 */
export interface MerchantSettings {
  paymentWebhookSecret?: string;
  webhook?: { url: string; secret: string };
  rails?: MerchantRails;
  /** Durations as the configuration writes them ("1h", "24h"). */
  complaintPolicy?: { firstResponse: string; resolution: string };
}

/** The rail settings of "Payment rails", per rail, named as the configuration names them (without the rail's prefix). */
export interface MerchantRails {
  alipay?: { appId: string; privateKey: string; publicKey: string; gateway?: string };
  wechatpay?: {
    mchid: string;
    appid: string;
    serial: string;
    privateKey: string;
    apiV3Key: string;
    platformPublicKey: string;
    platformSerial: string;
    platformKeys?: string;
    baseUrl?: string;
  };
  stripe?: { secretKey: string; webhookSecret: string; apiBase?: string };
  epay?: { url: string; pid: string; key: string };
}

/** A settings change: a section given replaces that section, `null` removes it, one left out stays. */
export type MerchantSettingsChange = { [K in keyof MerchantSettings]?: MerchantSettings[K] | null };

export const MASKED = '********';

/** Which fields of each rail are secrets (public keys, ids and URLs are not). */
const RAIL_SECRETS: { [R in keyof MerchantRails]-?: ReadonlyArray<keyof NonNullable<MerchantRails[R]>> } = {
  alipay: ['privateKey'],
  wechatpay: ['privateKey', 'apiV3Key'],
  stripe: ['secretKey', 'webhookSecret'],
  epay: ['key'],
};

export function applySettingsChange(current: MerchantSettings, change: MerchantSettingsChange): MerchantSettings {
  const next: Record<string, unknown> = { ...current };
  for (const [field, value] of Object.entries(change)) {
    if (value === undefined) continue;
    if (value === null) delete next[field];
    else next[field] = value;
  }
  return next as MerchantSettings;
}

/**
 * A change as a settings page sends it: a secret it leaves `null` inside a section it gives is the
 * one stored (the page was shown only the mask, and the mask is refused). A section replaces its own
 * whole, so a page saving one rail sends the others as shown, their secrets `null`.
 */
export type MerchantSettingsEdit = {
  [K in keyof MerchantSettingsChange]?: K extends 'webhook' ? { url: string; secret: string | null } | null : K extends 'rails' ? RailsEdit | null : MerchantSettingsChange[K];
};
type RailsEdit = { [R in keyof MerchantRails]?: { [F in keyof NonNullable<MerchantRails[R]>]?: NonNullable<MerchantRails[R]>[F] | null } | null };

/**
 * The change with every `null` secret taken from the stored settings; a secret left `null` that is
 * not stored is a problem naming its field.
 */
export function withStoredSecrets(current: MerchantSettings, edit: MerchantSettingsEdit): { change: MerchantSettingsChange; problems: { path: string; reason: string }[] } {
  const problems: { path: string; reason: string }[] = [];
  const kept = (path: string, stored: string | undefined): string => {
    if (stored === undefined) problems.push({ path, reason: 'is required: none is stored to keep' });
    return stored ?? '';
  };
  const change = { ...edit } as MerchantSettingsChange;
  if (edit.webhook && edit.webhook.secret === null) change.webhook = { url: edit.webhook.url, secret: kept('webhook.secret', current.webhook?.secret) };
  if (edit.rails) {
    const rails: Record<string, Record<string, unknown> | null | undefined> = { ...edit.rails };
    for (const [rail, given] of Object.entries(edit.rails) as [keyof MerchantRails, Record<string, unknown> | null | undefined][]) {
      if (!given) continue;
      const stored = current.rails?.[rail] as Record<string, string> | undefined;
      const filled = { ...given };
      for (const field of RAIL_SECRETS[rail] as string[]) if (filled[field] === null) filled[field] = kept(`rails.${rail}.${field}`, stored?.[field]);
      rails[rail] = filled;
    }
    change.rails = rails as MerchantRails;
  }
  return { change, problems };
}

/** The settings as they are shown: every secret replaced by MASKED, never a character of it. */
export function maskedSettings(settings: MerchantSettings): MerchantSettings {
  const masked: MerchantSettings = { ...settings };
  if (settings.paymentWebhookSecret !== undefined) masked.paymentWebhookSecret = MASKED;
  if (settings.webhook) masked.webhook = { ...settings.webhook, secret: MASKED };
  if (settings.rails) {
    const rails: Record<string, Record<string, string>> = {};
    for (const [rail, accounts] of Object.entries(settings.rails) as [keyof MerchantRails, Record<string, string>][]) {
      if (!accounts) continue;
      const shown = { ...accounts };
      for (const field of RAIL_SECRETS[rail] as string[]) if (shown[field] !== undefined) shown[field] = MASKED;
      rails[rail] = shown;
    }
    masked.rails = rails as MerchantRails;
  }
  return masked;
}

/**
 * The secret a merchant's generic payment notices must be signed with. Only the first shop falls
 * back to the platform's PAYMENT_WEBHOOK_SECRET: any other merchant without its own takes no notice,
 * so no merchant's notice can be signed with a secret another holds.
 */
export function noticeSecretOf(merchantId: string, settings: MerchantSettings, platformSecret: string): string | undefined {
  return settings.paymentWebhookSecret ?? (merchantId === DEFAULT_MERCHANT ? platformSecret : undefined);
}

/** The complaint policy of a complaint filed on a merchant's order: its own deadlines over the platform's. */
export function complaintPolicyOf<P extends ComplaintPolicy>(platform: P, settings: MerchantSettings): P {
  const own = settings.complaintPolicy;
  if (!own) return platform;
  return { ...platform, firstResponseMs: parseDuration(own.firstResponse), resolutionMs: parseDuration(own.resolution) };
}

/**
 * Whether a payment notice that arrived for `noticeMerchant` may touch an order of `orderMerchant`
 * (undefined when there is no such order: then it is a stray payment, as before merchants).
 */
export function noticeReachesOrder(noticeMerchant: string, orderMerchant: string | undefined): boolean {
  return orderMerchant === undefined || orderMerchant === noticeMerchant;
}
