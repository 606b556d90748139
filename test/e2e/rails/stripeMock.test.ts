import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { stripeRail } from '../../../payments/rails/stripe';
import { stripeMockPath } from '../../../scripts/tools';
import { testConfig } from '../../support/harness';

/**
 * The Stripe rail against stripe-mock, Stripe's own mock that validates every request against
 * Stripe's OpenAPI spec: the SDK calls the rail makes (PaymentIntent with an idempotency key,
 * retrieve, refund) are ones Stripe accepts. stripe-mock keeps no state, so money flows are proved
 * by the stand-in suite (stripe.test.ts); this proves the requests' shapes.
 */
describe('the stripe rail against stripe-mock', () => {
  let mock: ChildProcess;
  let base = '';

  beforeAll(async () => {
    if (!existsSync(stripeMockPath)) throw new Error(`stripe-mock is not installed at ${stripeMockPath}: run bash scripts/install-tools.sh`);
    mock = spawn(stripeMockPath, ['-http-addr', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    base = await new Promise<string>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(() => reject(new Error(`stripe-mock did not start: ${seen}`)), 60_000);
      const read = (chunk: Buffer) => {
        seen += chunk.toString();
        const m = /Listening for HTTP at address: (\S+):(\d+)/.exec(seen);
        if (m) {
          clearTimeout(timer);
          resolve(`http://127.0.0.1:${m[2]}`);
        }
      };
      mock.stdout?.on('data', read);
      mock.stderr?.on('data', read);
    });
  });

  afterAll(() => {
    mock?.kill();
  });

  function rail() {
    const config = testConfig({ STRIPE_SECRET_KEY: 'sk_test_123', STRIPE_WEBHOOK_SECRET: 'whsec_test', STRIPE_API_BASE: base });
    return stripeRail(config.rails.stripe!, config);
  }

  it('creates the checkout, asks for its payment and refunds it in requests Stripe accepts', async () => {
    const orderId = randomBytes(8).toString('hex');
    const opened = await rail().checkout({ orderId, amount: { amount: 5000, currency: 'CNY' }, dueAt: new Date(Date.now() + 900_000).toISOString(), subject: '1 × card' });
    expect(opened.checkout).toEqual({ paymentIntentId: expect.stringMatching(/^pi_/), clientSecret: expect.stringMatching(/^pi_.+_secret_/) });
    expect(opened.providerRef).toMatch(/^pi_/);
    // stripe-mock answers a fixture PaymentIntent that is not paid: nothing found, no error.
    await expect(rail().findPayments({ orderId, providerRef: opened.providerRef })).resolves.toEqual([]);
    await expect(rail().refund({ refundId: `refund-${orderId}-pi_1`, orderId, paymentId: opened.providerRef!, amount: { amount: 5000, currency: 'CNY' }, reason: 'test' })).resolves.toBeUndefined();
  });

  it('a request Stripe refuses (a 400: asking again changes nothing) fails for good as ProviderRefused, naming no secret', async () => {
    const failure = await rail()
      .refund({ refundId: 'refund-x', orderId: 'x', paymentId: 'pi_1', amount: { amount: 12.5, currency: 'CNY' }, reason: 'test' })
      .then(() => undefined, (err: unknown) => err as Error & { type?: string; nonRetryable?: boolean });
    expect(failure?.type).toBe('ProviderRefused');
    expect(failure?.nonRetryable).toBe(true);
    expect(failure?.message).toMatch(/stripe refund refund-x failed: .*400/);
    expect(failure?.message).not.toContain('sk_test_123');
  });
});
