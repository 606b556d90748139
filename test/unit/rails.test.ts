import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../config';
import { fromMajorUnits, toMajorUnits } from '../../domain/money';
import { beijingTime } from '../../payments/rails/clock';

const dir = mkdtempSync(join(tmpdir(), 'kamiflow-rails-'));
const pair = () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string };
};
const app = pair();
const platform = pair();

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig({ DATA_DIR: dir, ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error(`loadConfig accepted ${Object.keys(env).join(', ')}`);
}

describe('money between providers and minor units', () => {
  it('reads yuan strings exactly, never through a float', () => {
    expect(fromMajorUnits('99.00', 'CNY')).toEqual({ amount: 9900, currency: 'CNY' });
    expect(fromMajorUnits('0.01', 'CNY')).toEqual({ amount: 1, currency: 'CNY' });
    expect(fromMajorUnits('19.9', 'CNY')).toEqual({ amount: 1990, currency: 'CNY' });
    expect(fromMajorUnits('1.10', 'CNY')).toEqual({ amount: 110, currency: 'CNY' }); // 1.1 * 100 is 110.00000000000001
    expect(fromMajorUnits('4.35', 'CNY')).toEqual({ amount: 435, currency: 'CNY' }); // 4.35 * 100 is 434.99999999999994
    expect(fromMajorUnits('12', 'CNY')).toEqual({ amount: 1200, currency: 'CNY' });
    expect(fromMajorUnits('500', 'JPY')).toEqual({ amount: 500, currency: 'JPY' });
  });

  it('refuses what is not an amount', () => {
    for (const text of ['', '-1.00', '1.001', '1e3', ' 1.00', '0x10', '1,00', 'NaN', '1.']) expect(fromMajorUnits(text, 'CNY')).toBeUndefined();
  });

  it('writes minor units as the decimal text providers take', () => {
    expect(toMajorUnits({ amount: 9900, currency: 'CNY' })).toBe('99.00');
    expect(toMajorUnits({ amount: 1, currency: 'CNY' })).toBe('0.01');
    expect(toMajorUnits({ amount: 435, currency: 'CNY' })).toBe('4.35');
    expect(toMajorUnits({ amount: 500, currency: 'JPY' })).toBe('500');
    for (const amount of [0, 7, 99, 100, 12345, 99999999]) expect(fromMajorUnits(toMajorUnits({ amount, currency: 'CNY' }), 'CNY')?.amount).toBe(amount);
  });

  it('gives expiry times in Beijing time, as Alipay and WeChat Pay take them', () => {
    expect(beijingTime('2026-11-30T17:30:00.000Z', ' ')).toBe('2026-12-01 01:30:00');
    expect(beijingTime('2026-11-30T17:30:00.000Z', 'T')).toBe('2026-12-01T01:30:00+08:00');
  });
});

describe('rail settings', () => {
  const alipay = { ALIPAY_APP_ID: '2021000000000000', ALIPAY_PRIVATE_KEY: app.privateKey, ALIPAY_PUBLIC_KEY: platform.publicKey, PUBLIC_BASE_URL: 'https://shop.example.com' };

  it('a rail is off without its settings, on with them; keys come as PEM text or a file', () => {
    expect(loadConfig({ DATA_DIR: dir }).rails).toEqual({ defaultMethod: 'generic' });
    const file = join(dir, 'alipay-public.pem');
    writeFileSync(file, platform.publicKey);
    const config = loadConfig({ DATA_DIR: dir, ...alipay, ALIPAY_PUBLIC_KEY: file, DEFAULT_PAYMENT_METHOD: 'alipay' });
    expect(config.rails.alipay).toMatchObject({ appId: '2021000000000000', gateway: 'https://openapi.alipay.com/gateway.do' });
    expect(config.rails.defaultMethod).toBe('alipay');
  });

  it('names what a half-set rail lacks', () => {
    expect(problems({ STRIPE_SECRET_KEY: 'sk_test_x' })).toEqual(['STRIPE_WEBHOOK_SECRET: is required when STRIPE_SECRET_KEY is set (the stripe rail)']);
    expect(problems({ EPAY_URL: 'https://pay.example.com', EPAY_PID: '1001' })).toEqual(['EPAY_KEY: is required when EPAY_URL is set (the epay rail)']);
  });

  it('names a bad key without printing it', () => {
    const found = problems({ ...alipay, ALIPAY_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\nnot-a-key-secret-material\n-----END PRIVATE KEY-----' });
    expect(found).toEqual([expect.stringMatching(/^ALIPAY_PRIVATE_KEY: must be a PEM private key/)]);
    expect(found.join('\n')).not.toContain('secret-material');
  });

  it('checks the WeChat Pay APIv3 key, the platform key set and the notify base', () => {
    const wechat = {
      WECHATPAY_MCHID: '1900000109', WECHATPAY_APPID: 'wx1', WECHATPAY_SERIAL: 'ABC', WECHATPAY_PRIVATE_KEY: app.privateKey,
      WECHATPAY_APIV3_KEY: randomBytes(16).toString('hex'), WECHATPAY_PLATFORM_PUBLIC_KEY: platform.publicKey, WECHATPAY_PLATFORM_SERIAL: 'PUB_KEY_ID_1',
    };
    expect(problems(wechat)).toEqual([expect.stringMatching(/^PUBLIC_BASE_URL: is required/)]);
    expect(problems({ ...wechat, PUBLIC_BASE_URL: 'https://shop.example.com', WECHATPAY_APIV3_KEY: 'short' })).toEqual(['WECHATPAY_APIV3_KEY: must be the 32-character APIv3 key']);
    const newer = pair();
    const config = loadConfig({ DATA_DIR: dir, ...wechat, PUBLIC_BASE_URL: 'https://shop.example.com', WECHATPAY_PLATFORM_KEYS: `PUB_KEY_ID_2=${newer.publicKey}` });
    expect([...(config.rails.wechatpay?.platformKeys.keys() ?? [])]).toEqual(['PUB_KEY_ID_1', 'PUB_KEY_ID_2']);
  });

  it('wants https notify URLs in production, and a default rail that is on', () => {
    expect(problems({ ...alipay, PUBLIC_BASE_URL: 'http://shop.example.com', NODE_ENV: 'production', API_KEYS: 'admin:a:aaaaaaaaaa', PAYMENT_WEBHOOK_SECRET: 'x'.repeat(16), KEY_ENCRYPTION_KEY: randomBytes(32).toString('hex') })).toEqual([
      'PUBLIC_BASE_URL: must be https in production (WeChat Pay refuses other notify URLs)',
    ]);
    expect(problems({ DEFAULT_PAYMENT_METHOD: 'stripe' })).toEqual(['DEFAULT_PAYMENT_METHOD: the stripe rail is not configured']);
    expect(problems({ DEFAULT_PAYMENT_METHOD: 'paypal' })).toEqual([expect.stringMatching(/^DEFAULT_PAYMENT_METHOD: must be one of generic, alipay/)]);
  });
});

describe('rail secrets in a config dump', () => {
  it('shows no key or secret of any rail', () => {
    const secretKey = `sk_live_${randomBytes(8).toString('hex')}`;
    const config = loadConfig({
      DATA_DIR: dir, PUBLIC_BASE_URL: 'https://shop.example.com',
      ALIPAY_APP_ID: '2021000000000000', ALIPAY_PRIVATE_KEY: app.privateKey, ALIPAY_PUBLIC_KEY: platform.publicKey,
      STRIPE_SECRET_KEY: secretKey, STRIPE_WEBHOOK_SECRET: 'whsec_abcdef123456',
      EPAY_URL: 'https://pay.example.com', EPAY_PID: '1001', EPAY_KEY: 'epay-key-abcdef123456',
    });
    const dump = JSON.stringify(config);
    expect(dump).toContain('"appId":"2021000000000000"');
    for (const secret of [secretKey, 'whsec_abcdef123456', 'epay-key-abcdef123456', app.privateKey.split('\n')[1]]) expect(dump).not.toContain(secret);
  });
});
