import type { ComplaintPolicy } from '../../domain/complaint';
import { applySettingsChange, complaintPolicyOf, MASKED, maskedSettings, noticeReachesOrder, noticeSecretOf, withStoredSecrets, type MerchantSettings } from '../../domain/merchantSettings';

const full: MerchantSettings = {
  paymentWebhookSecret: 'notice-secret-0123456789',
  webhook: { url: 'https://shop.example/hooks', secret: 'hook-secret-0123456789' },
  rails: {
    alipay: { appId: '2021', privateKey: '-----BEGIN PRIVATE KEY-----a', publicKey: '-----BEGIN PUBLIC KEY-----b' },
    wechatpay: { mchid: '1900', appid: 'wx1', serial: 'S1', privateKey: '-----BEGIN PRIVATE KEY-----c', apiV3Key: 'k'.repeat(32), platformPublicKey: '-----BEGIN PUBLIC KEY-----d', platformSerial: 'P1' },
    stripe: { secretKey: 'sk_test_123456', webhookSecret: 'whsec_123456' },
    epay: { url: 'https://pay.example', pid: '1001', key: 'epay-key-123456' },
  },
  complaintPolicy: { firstResponse: '2h', resolution: '3d' },
};

describe("a merchant's settings", () => {
  it('masks every secret and nothing else', () => {
    const shown = maskedSettings(full);
    const text = JSON.stringify(shown);
    for (const secret of ['notice-secret', 'hook-secret', 'PRIVATE KEY', 'k'.repeat(32), 'sk_test', 'whsec_', 'epay-key']) expect(text).not.toContain(secret);
    expect(shown.rails?.alipay).toEqual({ appId: '2021', privateKey: MASKED, publicKey: '-----BEGIN PUBLIC KEY-----b' });
    expect(shown.rails?.wechatpay).toMatchObject({ mchid: '1900', privateKey: MASKED, apiV3Key: MASKED, platformPublicKey: '-----BEGIN PUBLIC KEY-----d' });
    expect(shown.webhook).toEqual({ url: 'https://shop.example/hooks', secret: MASKED });
    expect(shown.complaintPolicy).toEqual(full.complaintPolicy);
    expect(maskedSettings({})).toEqual({});
  });

  it('replaces the sections given, removes those set to null, keeps the rest', () => {
    const next = applySettingsChange(full, { webhook: null, complaintPolicy: { firstResponse: '1h', resolution: '1d' } });
    expect(next.webhook).toBeUndefined();
    expect(next.complaintPolicy).toEqual({ firstResponse: '1h', resolution: '1d' });
    expect(next.rails).toBe(full.rails);
    expect(next.paymentWebhookSecret).toBe(full.paymentWebhookSecret);
  });

  it('keeps a stored secret a page leaves null, and names one left null that is not stored', () => {
    const kept = withStoredSecrets(full, {
      webhook: { url: 'https://shop.example/new', secret: null },
      rails: { alipay: { appId: '2022', privateKey: null, publicKey: '-----BEGIN PUBLIC KEY-----e' }, epay: { url: 'https://pay.example', pid: '1001', key: 'epay-key-new' } },
    });
    expect(kept.problems).toEqual([]);
    expect(kept.change.webhook).toEqual({ url: 'https://shop.example/new', secret: full.webhook!.secret });
    expect(kept.change.rails).toEqual({
      alipay: { appId: '2022', privateKey: full.rails!.alipay!.privateKey, publicKey: '-----BEGIN PUBLIC KEY-----e' },
      epay: { url: 'https://pay.example', pid: '1001', key: 'epay-key-new' },
    });
    const none = withStoredSecrets({}, { webhook: { url: 'https://shop.example/new', secret: null }, rails: { stripe: { secretKey: null, webhookSecret: 'whsec_1234567' } } });
    expect(none.problems).toEqual([
      { path: 'webhook.secret', reason: 'is required: none is stored to keep' },
      { path: 'rails.stripe.secretKey', reason: 'is required: none is stored to keep' },
    ]);
  });

  it("signs notices with the merchant's own secret; only the first shop falls back to the platform's", () => {
    expect(noticeSecretOf('acme', full, 'platform')).toBe(full.paymentWebhookSecret);
    expect(noticeSecretOf('acme', {}, 'platform')).toBeUndefined();
    expect(noticeSecretOf('default', {}, 'platform')).toBe('platform');
    expect(noticeSecretOf('default', full, 'platform')).toBe(full.paymentWebhookSecret);
  });

  it("lets a notice reach its own merchant's orders and unknown ones, never another's", () => {
    expect(noticeReachesOrder('acme', 'acme')).toBe(true);
    expect(noticeReachesOrder('acme', undefined)).toBe(true);
    expect(noticeReachesOrder('acme', 'default')).toBe(false);
    expect(noticeReachesOrder('default', 'acme')).toBe(false);
  });

  it("takes the merchant's deadlines over the platform's, keeping the rest of the policy", () => {
    const platform: ComplaintPolicy = { firstResponseMs: 3_600_000, resolutionMs: 86_400_000, autoCloseMs: 1, maxReopens: 2 };
    expect(complaintPolicyOf(platform, {})).toBe(platform);
    expect(complaintPolicyOf(platform, full)).toEqual({ ...platform, firstResponseMs: 7_200_000, resolutionMs: 3 * 86_400_000 });
  });
});
