import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { PAYMENT_METHODS, type PaymentMethod } from '../domain/payment';

/**
 * The payment rails' settings. A rail is on when its settings are present; some but not all of a
 * rail's settings is a mistake, named. Keys are PEM text or a path to a PEM file, loaded and
 * checked here so a bad key stops the process at start, not at the first payment.
 */
export interface RailsConfig {
  defaultMethod: PaymentMethod;
  /** Where providers reach us: notify URLs are built from it. */
  publicBaseUrl?: string;
  alipay?: { appId: string; privateKey: KeyObject; publicKey: KeyObject; gateway: string };
  wechatpay?: {
    mchid: string;
    appid: string;
    serial: string;
    privateKey: KeyObject;
    apiV3Key: Buffer;
    /** Platform keys by serial: platform certificates and the newer 微信支付公钥 (PUB_KEY_ID_…). */
    platformKeys: Map<string, KeyObject>;
    baseUrl: string;
  };
  stripe?: { secretKey: string; webhookSecret: string; apiBase?: URL };
  epay?: { url: string; pid: string; key: string };
}

type Env = Record<string, string | undefined>;

const RAIL_SETTINGS = {
  alipay: { required: ['ALIPAY_APP_ID', 'ALIPAY_PRIVATE_KEY', 'ALIPAY_PUBLIC_KEY'], optional: ['ALIPAY_GATEWAY'] },
  wechatpay: {
    required: ['WECHATPAY_MCHID', 'WECHATPAY_APPID', 'WECHATPAY_SERIAL', 'WECHATPAY_PRIVATE_KEY', 'WECHATPAY_APIV3_KEY', 'WECHATPAY_PLATFORM_PUBLIC_KEY', 'WECHATPAY_PLATFORM_SERIAL'],
    optional: ['WECHATPAY_PLATFORM_KEYS', 'WECHATPAY_BASE_URL'],
  },
  stripe: { required: ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'], optional: ['STRIPE_API_BASE'] },
  epay: { required: ['EPAY_URL', 'EPAY_PID', 'EPAY_KEY'], optional: [] },
} as const satisfies Record<Exclude<PaymentMethod, 'generic'>, { required: readonly string[]; optional: readonly string[] }>;

/** Every rail variable, for the config's own checks (and tests that clear them). */
export const RAIL_VARIABLES = ['DEFAULT_PAYMENT_METHOD', 'PUBLIC_BASE_URL', ...Object.values(RAIL_SETTINGS).flatMap((s) => [...s.required, ...s.optional])];

type RailSetting = (typeof RAIL_SETTINGS)[keyof typeof RAIL_SETTINGS];
export type RailVariable = 'DEFAULT_PAYMENT_METHOD' | 'PUBLIC_BASE_URL' | RailSetting['required'][number] | RailSetting['optional'][number];

/** Which rail a variable belongs to and whether the rail needs it, for the configuration reference. */
export function railOfVariable(name: string): { rail: string; required: boolean } | undefined {
  for (const [rail, { required, optional }] of Object.entries(RAIL_SETTINGS)) {
    if ((required as readonly string[]).includes(name)) return { rail, required: true };
    if ((optional as readonly string[]).includes(name)) return { rail, required: false };
  }
  return undefined;
}

/** What each rail variable is for, as the configuration reference prints it; keyed by the rails' settings, so none is left out. */
export const RAIL_DOCS: Record<RailVariable, string> = {
  DEFAULT_PAYMENT_METHOD: 'The rail of an order that names none: generic, alipay, wechatpay, stripe or epay (one that is on). Default generic.',
  PUBLIC_BASE_URL: 'Where providers reach this API; notify URLs are built from it. Required with alipay, wechatpay or epay; https in production.',
  ALIPAY_APP_ID: "Alipay: the app's id (notices must name it).",
  ALIPAY_PRIVATE_KEY: 'Alipay: our RSA2 private key, PEM text or a path to a PEM file.',
  ALIPAY_PUBLIC_KEY: "Alipay: Alipay's public key that verifies its notices and answers, PEM text or a path.",
  ALIPAY_GATEWAY: 'Alipay: the gateway URL. Default https://openapi.alipay.com/gateway.do.',
  WECHATPAY_MCHID: 'WeChat Pay: the merchant id.',
  WECHATPAY_APPID: 'WeChat Pay: the app id.',
  WECHATPAY_SERIAL: "WeChat Pay: our API certificate's serial number.",
  WECHATPAY_PRIVATE_KEY: 'WeChat Pay: our API private key, PEM text or a path.',
  WECHATPAY_APIV3_KEY: 'WeChat Pay: the 32-character APIv3 key that decrypts notices.',
  WECHATPAY_PLATFORM_PUBLIC_KEY: "WeChat Pay: the platform's public key (or certificate) that verifies notices, PEM text or a path.",
  WECHATPAY_PLATFORM_SERIAL: "WeChat Pay: that key's serial (Wechatpay-Serial).",
  WECHATPAY_PLATFORM_KEYS: 'WeChat Pay: more platform keys for a rotation, `serial=pem-or-path,…`.',
  WECHATPAY_BASE_URL: 'WeChat Pay: the API base. Default https://api.mch.weixin.qq.com.',
  STRIPE_SECRET_KEY: 'Stripe: the secret API key.',
  STRIPE_WEBHOOK_SECRET: "Stripe: the webhook endpoint's signing secret (Stripe-Signature).",
  STRIPE_API_BASE: "Stripe: another API host (a local stand-in); default Stripe's.",
  EPAY_URL: '易支付: the gateway base URL.',
  EPAY_PID: '易支付: the merchant id.',
  EPAY_KEY: '易支付: the merchant key that signs (md5) requests and notices.',
};

/** Parse the rails' settings; `problems` collects one line per bad variable, naming it. */
export function parseRails(env: Env, production: boolean, problems: string[]): RailsConfig {
  const on = (rail: keyof typeof RAIL_SETTINGS): boolean => {
    const { required, optional } = RAIL_SETTINGS[rail];
    const given = [...required, ...optional].filter((name) => env[name]);
    if (given.length === 0) return false;
    const missing = required.filter((name) => !env[name]);
    for (const name of missing) problems.push(`${name}: is required when ${given[0]} is set (the ${rail} rail)`);
    return missing.length === 0;
  };
  const rails: RailsConfig = { defaultMethod: 'generic' };

  const base = env.PUBLIC_BASE_URL;
  if (base !== undefined) {
    const url = urlOf(base);
    if (!url) problems.push('PUBLIC_BASE_URL: must be an http(s) URL, like "https://shop.example.com"');
    else if (production && url.protocol !== 'https:') problems.push('PUBLIC_BASE_URL: must be https in production (WeChat Pay refuses other notify URLs)');
    else rails.publicBaseUrl = base.replace(/\/+$/, '');
  }

  if (on('alipay')) {
    const privateKey = key('ALIPAY_PRIVATE_KEY', env, 'private', problems);
    const publicKey = key('ALIPAY_PUBLIC_KEY', env, 'public', problems);
    const gateway = httpUrl('ALIPAY_GATEWAY', env.ALIPAY_GATEWAY ?? 'https://openapi.alipay.com/gateway.do', problems);
    if (privateKey && publicKey && gateway) rails.alipay = { appId: env.ALIPAY_APP_ID as string, privateKey, publicKey, gateway };
  }

  if (on('wechatpay')) {
    const privateKey = key('WECHATPAY_PRIVATE_KEY', env, 'private', problems);
    const apiV3Key = Buffer.from(env.WECHATPAY_APIV3_KEY as string, 'utf8');
    if (apiV3Key.length !== 32) problems.push('WECHATPAY_APIV3_KEY: must be the 32-character APIv3 key');
    const platformKeys = new Map<string, KeyObject>();
    const first = key('WECHATPAY_PLATFORM_PUBLIC_KEY', env, 'public', problems);
    if (first) platformKeys.set(env.WECHATPAY_PLATFORM_SERIAL as string, first);
    for (const entry of (env.WECHATPAY_PLATFORM_KEYS ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
      const at = entry.indexOf('=');
      const serial = entry.slice(0, at).trim();
      const pem = loadPem(entry.slice(at + 1).trim());
      const k = at > 0 && pem ? asKey(pem, 'public') : undefined;
      if (!k) problems.push(`WECHATPAY_PLATFORM_KEYS: entry "${serial || entry.slice(0, 12)}…" must be serial=<PEM public key or certificate, or a path to one>`);
      else platformKeys.set(serial, k);
    }
    const baseUrl = httpUrl('WECHATPAY_BASE_URL', env.WECHATPAY_BASE_URL ?? 'https://api.mch.weixin.qq.com', problems);
    if (privateKey && apiV3Key.length === 32 && first && baseUrl) {
      rails.wechatpay = {
        mchid: env.WECHATPAY_MCHID as string,
        appid: env.WECHATPAY_APPID as string,
        serial: env.WECHATPAY_SERIAL as string,
        privateKey,
        apiV3Key,
        platformKeys,
        baseUrl: baseUrl.replace(/\/+$/, ''),
      };
    }
  }

  if (on('stripe')) {
    const apiBase = env.STRIPE_API_BASE === undefined ? undefined : urlOf(env.STRIPE_API_BASE);
    if (env.STRIPE_API_BASE !== undefined && !apiBase) problems.push('STRIPE_API_BASE: must be an http(s) URL, like "http://127.0.0.1:12111"');
    else rails.stripe = { secretKey: env.STRIPE_SECRET_KEY as string, webhookSecret: env.STRIPE_WEBHOOK_SECRET as string, ...(apiBase ? { apiBase } : {}) };
  }

  if (on('epay')) {
    const url = httpUrl('EPAY_URL', env.EPAY_URL as string, problems);
    if (url) rails.epay = { url: url.replace(/\/+$/, ''), pid: env.EPAY_PID as string, key: env.EPAY_KEY as string };
  }

  if ((rails.alipay || rails.wechatpay || rails.epay) && !rails.publicBaseUrl && base === undefined) {
    problems.push('PUBLIC_BASE_URL: is required when the alipay, wechatpay or epay rail is on (their notify URLs are built from it)');
  }

  const method = env.DEFAULT_PAYMENT_METHOD;
  if (method !== undefined) {
    if (!PAYMENT_METHODS.includes(method as PaymentMethod)) problems.push(`DEFAULT_PAYMENT_METHOD: must be one of ${PAYMENT_METHODS.join(', ')}`);
    else if (method !== 'generic' && !rails[method as keyof RailsConfig]) problems.push(`DEFAULT_PAYMENT_METHOD: the ${method} rail is not configured`);
    else rails.defaultMethod = method as PaymentMethod;
  }
  return rails;
}

/** The rails an order may name: generic always, the others when configured. */
export function railsOn(rails: RailsConfig): PaymentMethod[] {
  return PAYMENT_METHODS.filter((m) => m === 'generic' || rails[m] !== undefined);
}

function urlOf(text: string): URL | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

function httpUrl(name: string, text: string, problems: string[]): string | undefined {
  if (urlOf(text)) return text;
  problems.push(`${name}: must be an http(s) URL`);
  return undefined;
}

function loadPem(text: string): string | undefined {
  if (text.includes('-----BEGIN')) return text.replace(/\\n/g, '\n');
  try {
    return existsSync(text) ? readFileSync(text, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

function asKey(pem: string, kind: 'private' | 'public'): KeyObject | undefined {
  try {
    return kind === 'private' ? createPrivateKey(pem) : createPublicKey(pem);
  } catch {
    return undefined;
  }
}

/** The variable's key, or a problem that names it (never its value: it may be a secret). */
function key(name: string, env: Env, kind: 'private' | 'public', problems: string[]): KeyObject | undefined {
  const pem = loadPem(env[name] as string);
  const k = pem ? asKey(pem, kind) : undefined;
  if (!k) problems.push(`${name}: must be a PEM ${kind} key${kind === 'public' ? ' (or certificate)' : ''}, or the path of a file holding one`);
  return k;
}

/** The rails' settings as they may be shown: keys and secrets replaced by `redacted`. */
export function redactedRails(rails: RailsConfig, redacted: string): Record<string, unknown> {
  const { alipay, wechatpay, stripe, epay } = rails;
  return {
    ...rails,
    ...(alipay ? { alipay: { appId: alipay.appId, gateway: alipay.gateway, privateKey: redacted, publicKey: 'public key' } } : {}),
    ...(wechatpay
      ? { wechatpay: { mchid: wechatpay.mchid, appid: wechatpay.appid, serial: wechatpay.serial, baseUrl: wechatpay.baseUrl, privateKey: redacted, apiV3Key: redacted, platformSerials: [...wechatpay.platformKeys.keys()] } }
      : {}),
    ...(stripe ? { stripe: { secretKey: redacted, webhookSecret: redacted, ...(stripe.apiBase ? { apiBase: stripe.apiBase.origin } : {}) } } : {}),
    ...(epay ? { epay: { url: epay.url, pid: epay.pid, key: redacted } } : {}),
  };
}

/** A merchant's rail settings (domain/merchantSettings.ts MerchantRails): each field, the variable it stands for. */
const MERCHANT_RAIL_FIELDS: Record<string, Record<string, RailVariable>> = {
  alipay: { appId: 'ALIPAY_APP_ID', privateKey: 'ALIPAY_PRIVATE_KEY', publicKey: 'ALIPAY_PUBLIC_KEY', gateway: 'ALIPAY_GATEWAY' },
  wechatpay: {
    mchid: 'WECHATPAY_MCHID',
    appid: 'WECHATPAY_APPID',
    serial: 'WECHATPAY_SERIAL',
    privateKey: 'WECHATPAY_PRIVATE_KEY',
    apiV3Key: 'WECHATPAY_APIV3_KEY',
    platformPublicKey: 'WECHATPAY_PLATFORM_PUBLIC_KEY',
    platformSerial: 'WECHATPAY_PLATFORM_SERIAL',
    platformKeys: 'WECHATPAY_PLATFORM_KEYS',
    baseUrl: 'WECHATPAY_BASE_URL',
  },
  stripe: { secretKey: 'STRIPE_SECRET_KEY', webhookSecret: 'STRIPE_WEBHOOK_SECRET', apiBase: 'STRIPE_API_BASE' },
  epay: { url: 'EPAY_URL', pid: 'EPAY_PID', key: 'EPAY_KEY' },
};

/**
 * A merchant's own rail accounts, checked and loaded exactly as the platform's variables are (the
 * same rules, the same key loading), with each problem naming the settings field instead of the
 * variable: `rails.alipay.publicKey: must be a PEM public key…`. Keys must be PEM text here: a
 * merchant names no file on the platform's disk.
 */
export function parseMerchantRails(rails: object, publicBaseUrl: string | undefined): { rails: RailsConfig; problems: { path: string; reason: string }[] } {
  const env: Env = publicBaseUrl ? { PUBLIC_BASE_URL: publicBaseUrl } : {};
  const fieldOf = new Map<string, string>();
  for (const [rail, fields] of Object.entries(MERCHANT_RAIL_FIELDS)) {
    for (const [field, variable] of Object.entries(fields)) {
      fieldOf.set(variable, `rails.${rail}.${field}`);
      const value = (rails as Record<string, Record<string, string | undefined> | null | undefined>)[rail]?.[field];
      if (value !== undefined) env[variable] = value;
    }
  }
  const problems: string[] = [];
  const parsed = parseRails(env, false, problems);
  return {
    rails: parsed,
    problems: problems.map((line) => {
      const at = line.indexOf(': ');
      const variable = line.slice(0, at);
      const reason = line.slice(at + 2).replace(/, or the path of a file holding one$/, '');
      if (variable === 'PUBLIC_BASE_URL') return { path: 'rails', reason: `the platform has no PUBLIC_BASE_URL: ${reason}` };
      return { path: fieldOf.get(variable) ?? 'rails', reason };
    }),
  };
}
