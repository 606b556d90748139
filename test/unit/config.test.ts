import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, DEV_API_KEYS, DEV_PAYMENT_WEBHOOK_SECRET, loadConfig } from '../../config';

const ROOT = resolve(__dirname, '../..');
const HEX_KEY = randomBytes(32).toString('hex');

/** A fresh data folder, so the development key never lands in the project's own .data/. */
function dataDir(): string {
  return mkdtempSync(join(tmpdir(), 'kamiflow-config-'));
}

/** The ConfigError loadConfig throws for this environment (fails the test if it throws nothing). */
function refusal(env: Record<string, string>): ConfigError {
  try {
    loadConfig({ DATA_DIR: dataDir(), ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('fills every default from the contract', () => {
    const dir = dataDir();
    const config = loadConfig({ DATA_DIR: dir });
    expect(config).toMatchObject({
      nodeEnv: 'development',
      port: 3000,
      temporal: { address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'kamiflow' },
      mongodbUri: 'mongodb://127.0.0.1:27017/kamiflow',
      apiKeys: DEV_API_KEYS,
      usingDevApiKeys: true,
      paymentWebhookSecret: DEV_PAYMENT_WEBHOOK_SECRET,
      paymentTimeoutMs: 15 * 60_000,
      restockWaitMs: 30 * 60_000,
      maxKeyAttempts: 3,
      complaint: { firstResponseMs: 3_600_000, resolutionMs: 24 * 3_600_000, autoCloseMs: 3 * 86_400_000, maxReopens: 2, buyerReplyMs: 7 * 86_400_000, maxBuyerReplies: 20, escalationReminderMs: 24 * 3_600_000 },
      defaultRefundWindow: '24h',
      defaultComplaintWindow: '7d',
      paymentProvider: { kind: 'sandbox' },
      storefrontWebhook: undefined,
      dataDir: dir,
      rateLimitPerMinute: 600,
      reportFoldEveryMs: 30_000,
    });
    // Development without KEY_ENCRYPTION_KEY: a key generated once under the data folder, then reused.
    expect(config.keyEncryptionKey).toHaveLength(32);
    const file = join(dir, 'dev-key-encryption.key');
    expect(existsSync(file)).toBe(true);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'hex').equals(config.keyEncryptionKey)).toBe(true);
    expect(loadConfig({ DATA_DIR: dir }).keyEncryptionKey.equals(config.keyEncryptionKey)).toBe(true);
  });

  it('takes what the environment sets', () => {
    const base64Key = randomBytes(32);
    const config = loadConfig({
      DATA_DIR: dataDir(),
      PORT: '8080',
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      API_KEYS: 'admin:root:secret-0001, storefront:shop-a:secret:with:colons',
      PAYMENT_WEBHOOK_SECRET: 'a-webhook-secret-of-length',
      KEY_ENCRYPTION_KEY: base64Key.toString('base64'),
      PAYMENT_TIMEOUT: '90s',
      MAX_KEY_ATTEMPTS: '5',
      MAX_REOPENS: '0',
      PAYMENT_PROVIDER: 'http',
      PAYMENT_PROVIDER_URL: 'http://provider.local:9000',
      STOREFRONT_WEBHOOK_URL: 'https://shop.example/hooks',
      STOREFRONT_WEBHOOK_SECRET: 'storefront-secret-0123',
    });
    expect(config.port).toBe(8080);
    expect(config.temporal.address).toBe('temporal.internal:7233');
    expect(loadConfig({ KEY_ENCRYPTION_KEY: HEX_KEY, TEMPORAL_ADDRESS: '[::1]:7233' }).temporal.address).toBe('[::1]:7233');
    expect(config.apiKeys).toEqual([
      { role: 'admin', name: 'root', secret: 'secret-0001' },
      { role: 'storefront', name: 'shop-a', secret: 'secret:with:colons' },
    ]);
    expect(config.usingDevApiKeys).toBe(false);
    expect(config.keyEncryptionKey.equals(base64Key)).toBe(true);
    expect(config.paymentTimeoutMs).toBe(90_000);
    expect(config.maxKeyAttempts).toBe(5);
    expect(config.complaint.maxReopens).toBe(0);
    expect(config.paymentProvider).toEqual({ kind: 'http', url: 'http://provider.local:9000' });
    expect(config.storefrontWebhook).toEqual({ url: 'https://shop.example/hooks', secret: 'storefront-secret-0123' });
    expect(loadConfig({ KEY_ENCRYPTION_KEY: HEX_KEY }).keyEncryptionKey.toString('hex')).toBe(HEX_KEY);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '1.5'],
    ['PORT', ' '],
    ['PORT', '0x50'],
    ['PORT', '-1'],
    ['MAX_KEY_ATTEMPTS', '1e1'],
    ['PAYMENT_TIMEOUT', '15x'],
    ['PAYMENT_TIMEOUT', '0m'],
    ['RESTOCK_WAIT', 'soon'],
    ['COMPLAINT_FIRST_RESPONSE', '1.5h'],
    ['COMPLAINT_RESOLUTION', '-24h'],
    ['COMPLAINT_AUTO_CLOSE', '3 days'],
    ['COMPLAINT_BUYER_REPLY', 'a week'],
    ['MAX_COMPLAINT_REPLIES', '0'],
    ['MAX_COMPLAINT_REPLIES', '101'],
    ['COMPLAINT_ESCALATION_REMINDER', '0h'],
    ['MAX_KEY_ATTEMPTS', '0'],
    ['MAX_KEY_ATTEMPTS', 'three'],
    ['MAX_REOPENS', '-1'],
    ['RATE_LIMIT_PER_MINUTE', '0'],
    ['RATE_LIMIT_PER_MINUTE', 'lots'],
    ['REPORT_FOLD_EVERY', 'often'],
    ['API_KEYS', 'admin-root-secret0001'],
    ['API_KEYS', 'boss:root:secret-0001'],
    ['API_KEYS', 'admin:root:short'],
    ['API_KEYS', 'admin::secret-0001'],
    ['API_KEYS', ' , '],
    ['KEY_ENCRYPTION_KEY', 'abcd'],
    ['KEY_ENCRYPTION_KEY', randomBytes(16).toString('hex')],
    ['KEY_ENCRYPTION_KEY', randomBytes(31).toString('base64')],
    ['PAYMENT_WEBHOOK_SECRET', 'short'],
    ['PAYMENT_WEBHOOK_SECRET', 'whsec_not-base64-at-all!'],
    ['STOREFRONT_WEBHOOK_SECRET', 'whsec_AAAAAAAAAAA='],
    ['MONGODB_URI', 'postgres://localhost/kamiflow'],
    ['TEMPORAL_ADDRESS', 'http://temporal:7233'],
    ['TEMPORAL_ADDRESS', 'temporal'],
    ['PAYMENT_PROVIDER', 'paypal'],
    ['PAYMENT_PROVIDER_URL', 'not a url'],
    ['STOREFRONT_WEBHOOK_URL', 'shop.example/hooks'],
    ['NODE_ENV', 'staging'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    const err = refusal({ [name]: value });
    expect(err.message).toContain(name);
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0].startsWith(`${name}:`)).toBe(true);
  });

  it('never repeats a malformed API key secret in its message', () => {
    const err = refusal({ API_KEYS: 'admin:root:s3cr3t' });
    expect(err.message).toContain('API_KEYS');
    expect(err.message).not.toContain('s3cr3t');
  });

  it('needs PAYMENT_PROVIDER_URL with PAYMENT_PROVIDER=http', () => {
    const err = refusal({ PAYMENT_PROVIDER: 'http' });
    expect(err.problems).toEqual([expect.stringMatching(/^PAYMENT_PROVIDER_URL: .*PAYMENT_PROVIDER=http/)]);
  });

  it('refuses production without API_KEYS, PAYMENT_WEBHOOK_SECRET and KEY_ENCRYPTION_KEY, naming each', () => {
    const err = refusal({ NODE_ENV: 'production' });
    expect(err.problems.map((p) => p.split(':')[0]).sort()).toEqual(['API_KEYS', 'KEY_ENCRYPTION_KEY', 'PAYMENT_WEBHOOK_SECRET']);

    const secrets = { API_KEYS: 'admin:root:secret-0001', PAYMENT_WEBHOOK_SECRET: 'a-webhook-secret-of-length', KEY_ENCRYPTION_KEY: HEX_KEY };
    for (const missing of Object.keys(secrets)) {
      const env: Record<string, string> = { NODE_ENV: 'production', ...secrets };
      delete env[missing];
      expect(refusal(env).problems).toEqual([expect.stringMatching(new RegExp(`^${missing}: .*NODE_ENV=production`))]);
      // An empty value counts as unset.
      expect(refusal({ ...env, [missing]: '' }).problems[0].startsWith(`${missing}:`)).toBe(true);
    }

    expect(refusal({ NODE_ENV: 'production', ...secrets, STOREFRONT_WEBHOOK_URL: 'https://shop.example/hooks' }).problems).toEqual([
      expect.stringMatching(/^STOREFRONT_WEBHOOK_SECRET: /),
    ]);

    const dir = dataDir();
    const config = loadConfig({ NODE_ENV: 'production', DATA_DIR: dir, ...secrets });
    expect(config.usingDevApiKeys).toBe(false);
    expect(config.paymentWebhookSecret).toBe(secrets.PAYMENT_WEBHOOK_SECRET);
    expect(existsSync(join(dir, 'dev-key-encryption.key'))).toBe(false);
  });

  it("takes each storefront's own webhook, and refuses one it could never use", () => {
    const hooks = { 'dev-shop': { url: 'https://shop.example/hooks', secret: 'shop-hook-secret-0123' } };
    expect(loadConfig({ DATA_DIR: dataDir(), STOREFRONT_WEBHOOKS: JSON.stringify(hooks) }).storefrontWebhooks).toEqual(hooks);
    expect(loadConfig({ DATA_DIR: dataDir() }).storefrontWebhooks).toEqual({});
    expect(refusal({ STOREFRONT_WEBHOOKS: '{"dev-shop": ' }).problems).toEqual([expect.stringMatching(/^STOREFRONT_WEBHOOKS: must be JSON/)]);
    expect(refusal({ STOREFRONT_WEBHOOKS: JSON.stringify({ 'no-such-shop': hooks['dev-shop'] }) }).problems).toEqual([
      'STOREFRONT_WEBHOOKS: "no-such-shop" is not the name of a storefront key in API_KEYS',
    ]);
    const short = refusal({ STOREFRONT_WEBHOOKS: JSON.stringify({ 'dev-shop': { url: 'ftp://x.example/h', secret: 'short-one' } }) });
    expect(short.problems.sort()).toEqual(['STOREFRONT_WEBHOOKS.dev-shop.secret: must be at least 16 characters', 'STOREFRONT_WEBHOOKS.dev-shop.url: must be an http(s) URL']);
    expect(short.message).not.toContain('short-one');
  });

  it('names every bad variable at once', () => {
    const err = refusal({ PORT: 'abc', PAYMENT_TIMEOUT: '15x', MAX_KEY_ATTEMPTS: '0', NODE_ENV: 'production' });
    const named = err.problems.map((p) => p.split(':')[0]).sort();
    expect(named).toEqual(['API_KEYS', 'KEY_ENCRYPTION_KEY', 'MAX_KEY_ATTEMPTS', 'PAYMENT_TIMEOUT', 'PAYMENT_WEBHOOK_SECRET', 'PORT']);
  });
});

describe('the API entry point', () => {
  it('exits non-zero in production without its secrets, naming each variable', async () => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', DATA_DIR: dataDir() };
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((done) => {
      const child = execFile('npx', ['tsx', 'api/main.ts'], { cwd: ROOT, env, timeout: 60_000 }, () => undefined);
      let stderr = '';
      child.stderr!.on('data', (chunk) => (stderr += chunk));
      child.on('close', (code) => done({ code, stderr }));
    });
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    for (const name of ['API_KEYS', 'PAYMENT_WEBHOOK_SECRET', 'KEY_ENCRYPTION_KEY']) expect(stderr).toContain(name);
  });
});
