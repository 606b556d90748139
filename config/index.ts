import type { ComplaintPolicy } from '../domain/complaint';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { isTimeZone } from '../domain/calendar';
import { parseDuration, isDuration } from '../domain/duration';
import { whsecProblem } from '../security/standardWebhooks';
import { parseRails, redactedRails, type RailsConfig } from './rails';

export const ROLES = ['admin', 'storefront', 'agent', 'ops'] as const;
export type Role = (typeof ROLES)[number];
/** What an API_KEYS entry may be: a role of the merchant `default`, or `platform` (the platform's admin). */
export const KEY_ROLES = [...ROLES, 'platform'] as const;
export type KeyRole = (typeof KEY_ROLES)[number];

export interface ApiKey {
  role: KeyRole;
  name: string;
  secret: string;
}

/** Documented development keys, used only when API_KEYS is unset outside production. */
export const DEV_API_KEYS: ApiKey[] = [
  { role: 'admin', name: 'dev-admin', secret: 'dev-admin-key' },
  { role: 'storefront', name: 'dev-shop', secret: 'dev-storefront-key' },
  { role: 'agent', name: 'dev-agent', secret: 'dev-agent-key' },
  { role: 'ops', name: 'dev-ops', secret: 'dev-ops-key' },
  { role: 'platform', name: 'dev-platform', secret: 'dev-platform-key' },
];
export const DEV_PAYMENT_WEBHOOK_SECRET = 'dev-webhook-secret';

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine(isDuration, 'must be a duration like "90s", "15m", "24h" or "7d"')
    .transform(parseDuration);

/** A product's default window, kept as written; bounded like the windows the catalog takes. */
const productWindow = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine(isDuration, `must be a duration like "${fallback}"`)
    .refine((text) => !isDuration(text) || parseDuration(text) <= 365 * 86_400_000, 'must be at most 365 days');

/** Decimal digits only: Number() would also take " ", "0x50" and "1e3". */
const wholeNumber = (min: number, fallback: number, max = 999_999_999) =>
  z
    .string()
    .regex(/^\d{1,9}$/, 'must be a whole number')
    .default(String(fallback))
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const apiKeys = z
  .string()
  .transform((text, ctx) => {
    const keys: ApiKey[] = [];
    for (const entry of text.split(',').map((s) => s.trim()).filter(Boolean)) {
      const [role, name, ...rest] = entry.split(':');
      const secret = rest.join(':');
      if (!KEY_ROLES.includes(role as KeyRole) || !name || secret.length < 8) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `entry "${role}:${name ?? ''}:…" must be role:name:secret with a role of ${KEY_ROLES.join(', ')} and a secret of at least 8 characters`,
        });
        return z.NEVER;
      }
      keys.push({ role: role as KeyRole, name, secret });
    }
    if (keys.length === 0) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must list at least one role:name:secret' });
      return z.NEVER;
    }
    return keys;
  });

const encryptionKey = z.string().transform((text, ctx) => {
  const bytes = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (bytes.length !== 32) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be 32 bytes, as 64 hex characters or base64' });
    return z.NEVER;
  }
  return bytes;
});

/** Earlier encryption keys, comma-separated, each like KEY_ENCRYPTION_KEY: codes sealed under them still open. */
const oldEncryptionKeys = z.string().transform((text, ctx) => {
  const keys: Buffer[] = [];
  for (const [i, entry] of text.split(',').map((s) => s.trim()).filter(Boolean).entries()) {
    const parsed = encryptionKey.safeParse(entry);
    if (!parsed.success) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `entry ${i + 1} must be 32 bytes, as 64 hex characters or base64` });
      return z.NEVER;
    }
    keys.push(parsed.data);
  }
  return keys;
});

/**
 * A webhook secret: 16+ characters, used as it is for `X-Signature`. One written `whsec_<base64>`
 * (as Standard Webhooks libraries write them) must decode, since its bytes key `webhook-signature`.
 */
const webhookSecret = z
  .string()
  .min(16, 'must be at least 16 characters')
  .superRefine((secret, ctx) => {
    const problem = whsecProblem(secret);
    if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
  });

/**
 * Each storefront's own webhook, as JSON: `{"<storefront key name>": {"url": "https://…", "secret":
 * "…"}}`. A storefront is told about its own orders only; each signs with its own secret.
 */
const storefrontWebhooks = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be JSON like {"shop-name": {"url": "https://…", "secret": "…"}}' });
      return z.NEVER;
    }
  })
  .pipe(
    z.record(
      z.string().min(1),
      z
        .object({
          url: z.string().url('must be a URL').regex(/^https?:\/\//, 'must be an http(s) URL'),
          secret: webhookSecret,
        })
        .strict(),
    ),
  );

/** Browser origins allowed to call the API; none unless configured. */
const corsOrigins = z.string().transform((text, ctx) => {
  const origins = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const origin of origins) {
    let url: URL | undefined;
    try {
      url = new URL(origin);
    } catch {
      // reported below
    }
    if (!url || !/^https?:$/.test(url.protocol) || url.origin !== origin) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${origin}" must be an origin like https://shop.example.com (scheme, host, optional port; no path)` });
      return z.NEVER;
    }
  }
  return origins;
});

/** Where buyer emails are sent: an SMTP server's URL (nodemailer's form, credentials in it if any). */
const smtpUrl = z
  .string()
  .regex(/^smtps?:\/\/[^/?#\s]+/, 'must be an smtp:// or smtps:// URL like "smtp://127.0.0.1:1025"')
  .refine((text) => URL.canParse(text), 'must be an smtp:// or smtps:// URL like "smtp://127.0.0.1:1025"');

/** The sender of buyer emails: an address, or a name and an address (`Shop <no-reply@shop.example>`). */
const emailFrom = z
  .string()
  .max(320)
  .refine((text) => addressOf(text) !== undefined, 'must be an email address, or a name and one like "Shop <no-reply@shop.example>"');

/** The address of a sender written `name <address>` or as the address alone; undefined when it is neither. */
export function addressOf(from: string): string | undefined {
  const address = /^[^<>]*<([^<>\s]+)>\s*$/.exec(from.trim())?.[1] ?? from.trim();
  return z.string().email().safeParse(address).success ? address : undefined;
}

/** The environment the product reads: every variable, validated once at start (loadConfig). */
export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    PORT: wholeNumber(0, 3000, 65535),
    TEMPORAL_ADDRESS: z
      .string()
      .regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be host:port, like "temporal:7233"')
      .default('127.0.0.1:7233'),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TASK_QUEUE: z.string().min(1).default('kamiflow'),
    MONGODB_URI: z
      .string()
      .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI')
      .default('mongodb://127.0.0.1:27017/kamiflow'),
    API_KEYS: apiKeys.optional(),
    PAYMENT_WEBHOOK_SECRET: webhookSecret.optional(),
    KEY_ENCRYPTION_KEY: encryptionKey.optional(),
    KEY_ENCRYPTION_KEYS_OLD: oldEncryptionKeys.optional(),
    CORS_ORIGINS: corsOrigins.optional(),
    ORDER_TOKEN_FAILURES_PER_HOUR: z.string().regex(/^\d+$/, 'must be a whole number').default('30').transform(Number).pipe(z.number().int().positive('must be at least 1')),
    PAYMENT_TIMEOUT: duration('15m'),
    RESTOCK_WAIT: duration('30m'),
    MAX_KEY_ATTEMPTS: wholeNumber(1, 3),
    REFUND_DECISION_WAIT: duration('48h'),
    ORDER_HISTORY_EVENTS: wholeNumber(200, 10_000, 40_000),
    COMPLAINT_FIRST_RESPONSE: duration('1h'),
    COMPLAINT_RESOLUTION: duration('24h'),
    COMPLAINT_AUTO_CLOSE: duration('3d'),
    COMPLAINT_BUYER_REPLY: duration('7d'),
    MAX_COMPLAINT_REPLIES: wholeNumber(1, 20, 100),
    COMPLAINT_ESCALATION_REMINDER: duration('24h'),
    MAX_REOPENS: wholeNumber(0, 2),
    DEFAULT_REFUND_WINDOW: productWindow('24h'),
    DEFAULT_COMPLAINT_WINDOW: productWindow('7d'),
    PAYMENT_PROVIDER: z.enum(['sandbox', 'http']).default('sandbox'),
    PAYMENT_PROVIDER_URL: z.string().url().optional(),
    STOREFRONT_WEBHOOK_URL: z.string().url().optional(),
    STOREFRONT_WEBHOOK_SECRET: webhookSecret.optional(),
    STOREFRONT_WEBHOOKS: storefrontWebhooks.optional(),
    OUTBOUND_HTTP_TIMEOUT: duration('10s'),
    MERCHANT_WEBHOOK_ADDRESSES: z.enum(['public', 'any']).optional(),
    DATA_DIR: z.string().default('.data'),
    WORKFLOW_BUNDLE_PATH: z.string().optional(),
    STORE_PROFILE_FILE: z.string().min(1).optional(),
    WORKFLOW_CACHE_SIZE: wholeNumber(2, 200, 100_000),
    REPORT_FOLD_EVERY: duration('30s'),
    RESERVATION_SWEEP: duration('10m').pipe(z.number().min(1_000, 'must be at least 1s')),
    TEMPORAL_UI_URL: z.string().url().default('http://127.0.0.1:8233').transform((u) => u.replace(/\/+$/, '')),
    LOW_STOCK_THRESHOLD: wholeNumber(0, 10),
    SHOP_TIME_ZONE: z.string().default('Asia/Shanghai').refine(isTimeZone, 'must be an IANA time zone like "Asia/Shanghai" or "UTC"'),
    WORKER_METRICS_PORT: z.string().regex(/^\d{1,5}$/, 'must be a port number').transform(Number).pipe(z.number().min(1, 'must be at least 1').max(65535, 'must be at most 65535')).optional(),
    MAX_REQUESTS_IN_FLIGHT: wholeNumber(1, 256),
    RATE_LIMIT_PER_MINUTE: z.string().regex(/^\d+$/, 'must be a whole number').default('600').transform(Number).pipe(z.number().int().positive('must be at least 1')),
    SMTP_URL: smtpUrl.optional(),
    EMAIL_FROM: emailFrom.default('kamiflow <no-reply@kamiflow.localhost>'),
    AUTO_RECHECK_WAIT: duration('30s'),
    INCIDENT_DELIVERY_SLO: duration('60s'),
    INCIDENT_MIN_ORDERS: wholeNumber(1, 10),
    INCIDENT_CHECK_EVERY: duration('30s').pipe(z.number().min(1_000, 'must be at least 1s')),
  });

/** The variables `NODE_ENV=production` refuses to start without. */
export const PRODUCTION_REQUIRED = ['API_KEYS', 'PAYMENT_WEBHOOK_SECRET', 'KEY_ENCRYPTION_KEY'] as const;

/**
 * What each variable of envSchema is for, as the configuration reference prints it (docs/configuration.md,
 * /docs). Keyed by the schema, so a variable added to it does not compile without its line here.
 */
export const ENV_DOCS: Record<keyof typeof envSchema.shape, string> = {
  NODE_ENV: '`production` requires the secrets marked below and refuses development defaults; `test` is for the test suite.',
  LOG_LEVEL: 'How much the JSON logs (pino) say.',
  PORT: "The API's HTTP port.",
  TEMPORAL_ADDRESS: "Temporal's frontend, host:port. `npm start` runs a local dev server when unset.",
  TEMPORAL_NAMESPACE: 'The Temporal namespace of every workflow.',
  TASK_QUEUE: "The task queue the worker polls; products sharing a namespace keep apart by it (the report fold's schedule is named after it).",
  MONGODB_URI: 'The database (MongoDB, or the embedded FerretDB that `npm start` runs when unset).',
  API_KEYS: 'Staff keys, comma-separated `role:name:secret` (roles admin, storefront, agent, ops; secrets of 8+ characters). The name is the actor in timelines and a storefront\'s identity. Unset outside production: the documented dev keys.',
  PAYMENT_WEBHOOK_SECRET: 'The secret of the generic payment notice\'s `X-Signature` (HMAC-SHA256 over the raw body), 16+ characters. Unset outside production: `dev-webhook-secret`.',
  KEY_ENCRYPTION_KEY: 'The key that seals key codes, buyer emails and order tokens at rest (AES-256-GCM): 32 bytes as 64 hex characters or base64. Unset outside production: one generated under DATA_DIR.',
  KEY_ENCRYPTION_KEYS_OLD: 'Earlier encryption keys, comma-separated, while a rotation is under way (`scripts/rotate-keys.ts`).',
  CORS_ORIGINS: 'Browser origins allowed to call the API, comma-separated (`https://shop.example.com`); none: no CORS headers at all.',
  ORDER_TOKEN_FAILURES_PER_HOUR: 'Wrong order tokens one address may present in an hour before every order-token request from it answers 429.',
  PAYMENT_TIMEOUT: 'How long an order waits for its payment (paymentDueAt) before it asks the provider and cancels.',
  RESTOCK_WAIT: 'How long a paid order waits in OUT_OF_STOCK for a restock before it is refunded.',
  MAX_KEY_ATTEMPTS: 'Keys tried per key slot when the supplier says a key is invalid, before the order is refunded.',
  REFUND_DECISION_WAIT: "How long a buyer's refund request waits for an agent before it is approved without one.",
  ORDER_HISTORY_EVENTS: "History events after which an order waiting for stock carries on in a new run (continue-as-new).",
  COMPLAINT_FIRST_RESPONSE: 'First-response deadline of a complaint; a breach escalates it.',
  COMPLAINT_RESOLUTION: 'Resolution deadline of a complaint; a breach escalates it.',
  COMPLAINT_AUTO_CLOSE: 'A RESOLVED complaint the buyer does not confirm closes by itself after this.',
  COMPLAINT_BUYER_REPLY: "How long an AWAITING_BUYER complaint waits for the buyer's answer before it closes.",
  MAX_COMPLAINT_REPLIES: 'Replies a buyer may add to one complaint.',
  COMPLAINT_ESCALATION_REMINDER: 'How often an escalated complaint past its resolution deadline reminds the agents.',
  MAX_REOPENS: 'Times a buyer may reopen a resolved complaint by not being satisfied; the next escalates it.',
  DEFAULT_REFUND_WINDOW: "A product's refund window when the catalog names none (at most 365 days).",
  DEFAULT_COMPLAINT_WINDOW: "A product's complaint window when the catalog names none (at most 365 days).",
  PAYMENT_PROVIDER: 'Where generic refunds go: `sandbox` records them in the database; `http` calls PAYMENT_PROVIDER_URL.',
  PAYMENT_PROVIDER_URL: 'With PAYMENT_PROVIDER=http (required then): `POST {url}/refunds` and `GET {url}/payments?orderId=`.',
  STOREFRONT_WEBHOOK_URL: "Where order, complaint and stock events are POSTed (see Webhooks), unless the order's storefront has its own in STOREFRONT_WEBHOOKS.",
  STOREFRONT_WEBHOOK_SECRET: "The secret of the webhook's `X-Signature`, 16+ characters; required in production when STOREFRONT_WEBHOOK_URL is set.",
  STOREFRONT_WEBHOOKS: 'Each storefront\'s own webhook, JSON keyed by its key\'s name in API_KEYS: `{"shop": {"url": "https://…", "secret": "16+ characters"}}`.',
  OUTBOUND_HTTP_TIMEOUT: "Timeout of each call to the supplier, the payment provider and the storefront's webhook.",
  MERCHANT_WEBHOOK_ADDRESSES:
    "Where a merchant's own webhook (its settings) may point: `public`, https to an address outside the platform's network only (checked when set and before each call; the default with NODE_ENV=production), or `any` (the default otherwise, for local receivers).",
  DATA_DIR: 'Where development data lives (the generated encryption key, the embedded store).',
  WORKFLOW_BUNDLE_PATH: "A prebuilt workflow bundle for the worker (the image's); without one it bundles at start.",
  WORKFLOW_CACHE_SIZE: "Workflows the worker keeps in memory between their tasks. Delivered orders stay open for their refund and complaint windows; past this many, the least recently used is evicted and replayed from its history if it wakes. The SDK's own default grows with the heap (thousands on a large machine), so memory would grow with every sale. Each cached order is ~110 KB of the worker's heap (the heap flags in config/nodeRuntime.ts leave room for some 8,000).",
  STORE_PROFILE_FILE: 'A file where the API or worker keeps how long each kind of store command takes (the benchmark\'s `--profile-store`); unset: not measured (the driver\'s command monitoring costs a little).',
  REPORT_FOLD_EVERY: 'How often the report fold looks for facts to fold into the complaint ranking\'s ledger.',
  RESERVATION_SWEEP: "A key an order reserved but can no longer deliver or give back (its workflow terminated, reset away or gone) is returned to stock within this long; an order whose workflow runs keeps its keys however long it holds them (see docs/operations-sweep.md). At least 1s.",
  TEMPORAL_UI_URL: "Where ops open a workflow (the console's stuck-order links, /v1/ops/stuck's temporalUiUrl).",
  LOW_STOCK_THRESHOLD: 'Available stock at or below which a product without its own threshold raises stock.low.',
  SHOP_TIME_ZONE: "The shop's time zone (IANA name): the days of the sales report and the console's dashboard begin at its midnight.",
  WORKER_METRICS_PORT: "Where the worker serves the Temporal SDK's metrics for Prometheus; off when unset.",
  MAX_REQUESTS_IN_FLIGHT: 'Requests the API works on at once; past it, 503 with Retry-After: 1 at once.',
  RATE_LIMIT_PER_MINUTE: 'Requests a minute from one address without a staff key (buyers, unsigned notices, the public report); past it, 429.',
  SMTP_URL: 'Where buyer emails go (keys delivered, refund paid, complaint answered / needs your reply / resolved): `smtp://host:port` or `smtps://user:password@host:465`. Unset: no email is sent. `npm start` runs a local Mailpit and uses it when this is unset.',
  EMAIL_FROM: 'The sender of buyer emails: an address, or `Name <address>`; its domain names every Message-ID.',
  INCIDENT_DELIVERY_SLO: 'The delivery promise, from payment to keys: a paid order past it without keys counts towards an incident the product opens by itself, and as hurt by an incident (docs/incidents.md).',
  INCIDENT_MIN_ORDERS: 'Paid orders over the last 5 minutes that missed INCIDENT_DELIVERY_SLO for the product to open an incident by itself (one per outage).',
  INCIDENT_CHECK_EVERY: 'How often the incident watcher looks at the last 5 minutes of deliveries. At least 1s.',
  AUTO_RECHECK_WAIT: "How long a key_invalid complaint waits for the automatic re-check of the reported keys (the supplier's, or our own checks) before the agents take it.",
};

/**
 * What must be set given what else is: checked on the raw environment beside the schema, so a
 * missing secret is named even when another variable's value is bad too.
 */
function missingTogether(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  if (env.PAYMENT_PROVIDER === 'http' && !env.PAYMENT_PROVIDER_URL) {
    problems.push('PAYMENT_PROVIDER_URL: is required when PAYMENT_PROVIDER=http');
  }
  if (env.NODE_ENV === 'production') {
    if (env.STOREFRONT_WEBHOOK_URL && !env.STOREFRONT_WEBHOOK_SECRET) {
      problems.push('STOREFRONT_WEBHOOK_SECRET: is required when STOREFRONT_WEBHOOK_URL is set in production');
    }
    for (const name of PRODUCTION_REQUIRED) {
      if (!env[name]) problems.push(`${name}: is required when NODE_ENV=production`);
    }
  }
  return problems;
}

/** A webhook for a name no storefront key has would never be used: a typo, said at start. */
function unknownStorefronts(webhooks: Record<string, unknown>, keys: ApiKey[]): string[] {
  const storefronts = new Set(keys.filter((k) => k.role === 'storefront').map((k) => k.name));
  return Object.keys(webhooks)
    .filter((name) => !storefronts.has(name))
    .map((name) => `STOREFRONT_WEBHOOKS: "${name}" is not the name of a storefront key in API_KEYS`);
}

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  logLevel: string;
  port: number;
  temporal: { address: string; namespace: string; taskQueue: string };
  mongodbUri: string;
  apiKeys: ApiKey[];
  usingDevApiKeys: boolean;
  paymentWebhookSecret: string;
  keyEncryptionKey: Buffer;
  /** Earlier keys, for codes sealed before a rotation; the rotation job re-seals them. */
  oldKeyEncryptionKeys: Buffer[];
  /** Browser origins allowed by CORS; empty: no CORS headers at all. */
  corsOrigins: string[];
  /** Wrong order tokens one address may present an hour before it gets 429s. */
  orderTokenFailuresPerHour: number;
  paymentTimeoutMs: number;
  restockWaitMs: number;
  maxKeyAttempts: number;
  /** How long a buyer's refund request waits for an agent before it is approved without one. */
  refundDecisionWaitMs: number;
  /** Past this many history events a waiting order carries on in a new run (continue-as-new). */
  orderHistoryEvents: number;
  complaint: Required<ComplaintPolicy>;
  /** Per-product windows when the catalog names none, kept as written ("24h"). */
  defaultRefundWindow: string;
  defaultComplaintWindow: string;
  paymentProvider: { kind: 'sandbox' } | { kind: 'http'; url: string };
  storefrontWebhook?: { url: string; secret: string };
  /** Each storefront's own webhook by its key's name; events of other storefronts' orders go to storefrontWebhook. */
  storefrontWebhooks: Record<string, { url: string; secret: string }>;
  outboundHttpTimeoutMs: number;
  /** `public`: a merchant's webhook must be https to an address outside the platform's network (security/outboundAddress.ts). */
  merchantWebhookAddresses: 'public' | 'any';
  dataDir: string;
  /** A prebuilt workflow bundle (bundleWorkflowCode); without one the worker bundles at start. */
  workflowBundlePath?: string;
  /** Where the time of each kind of store command is written (the benchmark reads it); unset: not measured. */
  storeProfileFile?: string;
  /** Workflows the worker keeps cached between their tasks (maxCachedWorkflows). */
  workflowCacheSize: number;
  /** Requests a minute from one address without a staff key (buyers, the payment webhook). */
  rateLimitPerMinute: number;
  /** Requests the API works on at once; past it, 503 with Retry-After rather than a pile-up. */
  maxRequestsInFlight: number;
  /** How often the scheduled fold merges recorded facts into the report ledger. */
  reportFoldEveryMs: number;
  /** Orphaned reservations (their order's workflow no longer runs) return to stock within this (workflows/reservationSweep.ts). */
  reservationSweepMs: number;
  /** Where ops open a workflow: the Temporal UI (the dev server's own by default). */
  temporalUiUrl: string;
  /** Available stock at or below which a product without its own threshold raises stock.low. */
  lowStockThreshold: number;
  /** The IANA zone whose days the sales report counts by. */
  shopTimeZone: string;
  /** Where the worker serves the Temporal SDK's metrics for Prometheus (`/metrics`); off when unset. */
  workerMetricsPort?: number;
  /** The payment rails that are on (config/rails.ts). */
  rails: RailsConfig;
  /** Buyer emails: the SMTP server (none: no email is sent) and the sender. */
  email: { smtpUrl?: string; from: string };
  /** Whether orders and complaints taken now email their buyer (SMTP_URL is set); fixed per order when it is taken. */
  emailBuyer: boolean;
  /** Incidents the product opens by itself, and which orders count as hurt (docs/incidents.md). */
  incidents: { deliverySloMs: number; minOrders: number; checkEveryMs: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parse and validate the environment once. A bad value throws a ConfigError naming the variable;
 * entry points print it and exit.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`)),
    ...missingTogether(present),
  ];
  const rails = parseRails(present, present.NODE_ENV === 'production', problems);
  if (parsed.success) problems.push(...unknownStorefronts(parsed.data.STOREFRONT_WEBHOOKS ?? {}, parsed.data.API_KEYS ?? DEV_API_KEYS));
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  const dataDir = resolve(e.DATA_DIR);
  return withRedactedDump({
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    port: e.PORT,
    temporal: { address: e.TEMPORAL_ADDRESS, namespace: e.TEMPORAL_NAMESPACE, taskQueue: e.TASK_QUEUE },
    mongodbUri: e.MONGODB_URI,
    apiKeys: e.API_KEYS ?? DEV_API_KEYS,
    usingDevApiKeys: e.API_KEYS === undefined,
    paymentWebhookSecret: e.PAYMENT_WEBHOOK_SECRET ?? DEV_PAYMENT_WEBHOOK_SECRET,
    keyEncryptionKey: e.KEY_ENCRYPTION_KEY ?? devEncryptionKey(dataDir),
    oldKeyEncryptionKeys: e.KEY_ENCRYPTION_KEYS_OLD ?? [],
    corsOrigins: e.CORS_ORIGINS ?? [],
    orderTokenFailuresPerHour: e.ORDER_TOKEN_FAILURES_PER_HOUR,
    paymentTimeoutMs: e.PAYMENT_TIMEOUT,
    restockWaitMs: e.RESTOCK_WAIT,
    maxKeyAttempts: e.MAX_KEY_ATTEMPTS,
    refundDecisionWaitMs: e.REFUND_DECISION_WAIT,
    orderHistoryEvents: e.ORDER_HISTORY_EVENTS,
    complaint: {
      firstResponseMs: e.COMPLAINT_FIRST_RESPONSE,
      resolutionMs: e.COMPLAINT_RESOLUTION,
      autoCloseMs: e.COMPLAINT_AUTO_CLOSE,
      buyerReplyMs: e.COMPLAINT_BUYER_REPLY,
      maxBuyerReplies: e.MAX_COMPLAINT_REPLIES,
      escalationReminderMs: e.COMPLAINT_ESCALATION_REMINDER,
      maxReopens: e.MAX_REOPENS,
      autoRecheckWaitMs: e.AUTO_RECHECK_WAIT,
      emailBuyer: e.SMTP_URL !== undefined,
    },
    defaultRefundWindow: e.DEFAULT_REFUND_WINDOW,
    defaultComplaintWindow: e.DEFAULT_COMPLAINT_WINDOW,
    paymentProvider:
      e.PAYMENT_PROVIDER === 'http' ? { kind: 'http', url: e.PAYMENT_PROVIDER_URL as string } : { kind: 'sandbox' },
    storefrontWebhook: e.STOREFRONT_WEBHOOK_URL
      ? { url: e.STOREFRONT_WEBHOOK_URL, secret: e.STOREFRONT_WEBHOOK_SECRET ?? DEV_PAYMENT_WEBHOOK_SECRET }
      : undefined,
    storefrontWebhooks: e.STOREFRONT_WEBHOOKS ?? {},
    outboundHttpTimeoutMs: e.OUTBOUND_HTTP_TIMEOUT,
    merchantWebhookAddresses: e.MERCHANT_WEBHOOK_ADDRESSES ?? (e.NODE_ENV === 'production' ? 'public' : 'any'),
    dataDir,
    workflowBundlePath: e.WORKFLOW_BUNDLE_PATH,
    storeProfileFile: e.STORE_PROFILE_FILE,
    workflowCacheSize: e.WORKFLOW_CACHE_SIZE,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    maxRequestsInFlight: e.MAX_REQUESTS_IN_FLIGHT,
    reportFoldEveryMs: e.REPORT_FOLD_EVERY,
    reservationSweepMs: e.RESERVATION_SWEEP,
    temporalUiUrl: e.TEMPORAL_UI_URL,
    lowStockThreshold: e.LOW_STOCK_THRESHOLD,
    shopTimeZone: e.SHOP_TIME_ZONE,
    workerMetricsPort: e.WORKER_METRICS_PORT,
    rails,
    email: { ...(e.SMTP_URL ? { smtpUrl: e.SMTP_URL } : {}), from: e.EMAIL_FROM },
    emailBuyer: e.SMTP_URL !== undefined,
    incidents: { deliverySloMs: e.INCIDENT_DELIVERY_SLO, minOrders: e.INCIDENT_MIN_ORDERS, checkEveryMs: e.INCIDENT_CHECK_EVERY },
  });
}

const REDACTED = '[redacted]';

/**
 * The config as it may be shown: every secret replaced. A config logged (`logger.info({config})`),
 * serialised or inspected shows this, so no dump carries a key, a secret or a password in a URI.
 */
export function redactedConfig(config: Config): Record<string, unknown> {
  return {
    ...config,
    mongodbUri: redactUri(config.mongodbUri),
    apiKeys: config.apiKeys.map(({ role, name }) => ({ role, name, secret: REDACTED })),
    paymentWebhookSecret: REDACTED,
    keyEncryptionKey: REDACTED,
    oldKeyEncryptionKeys: config.oldKeyEncryptionKeys.map(() => REDACTED),
    ...(config.storefrontWebhook ? { storefrontWebhook: { url: redactUri(config.storefrontWebhook.url), secret: REDACTED } } : {}),
    storefrontWebhooks: Object.fromEntries(Object.entries(config.storefrontWebhooks).map(([name, { url }]) => [name, { url: redactUri(url), secret: REDACTED }])),
    ...(config.paymentProvider.kind === 'http' ? { paymentProvider: { kind: 'http', url: redactUri(config.paymentProvider.url) } } : {}),
    rails: redactedRails(config.rails, REDACTED),
    email: { ...config.email, ...(config.email.smtpUrl ? { smtpUrl: redactUri(config.email.smtpUrl) } : {}) },
  };
}

/** A URI with its password (and any query, which may carry tokens) hidden. */
function redactUri(uri: string): string {
  return uri.replace(/^([a-z+]+:\/\/[^:/@]*):[^@/]*@/i, `$1:${REDACTED}@`).replace(/\?.*$/, (q) => (q ? `?${REDACTED}` : q));
}

function withRedactedDump(config: Config): Config {
  const dump = () => redactedConfig(config);
  Object.defineProperty(config, 'toJSON', { value: dump, enumerable: false });
  Object.defineProperty(config, inspect.custom, { value: dump, enumerable: false });
  return config;
}

/**
 * Development only: a random key kept under the data folder, so codes imported yesterday still
 * decrypt today. Production refuses to start without KEY_ENCRYPTION_KEY (checked above).
 */
function devEncryptionKey(dataDir: string): Buffer {
  const file = join(dataDir, 'dev-key-encryption.key');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    try {
      writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      // Another process (the worker beside the API) made it first: use theirs.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
}

/** For entry points: load the config or print why not and exit non-zero. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
