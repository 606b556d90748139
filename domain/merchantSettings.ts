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
