import { ApiClient, type Answer } from '../support/http';
import { newMerchant, PLATFORM_KEY, WITH_PLATFORM, type Merchant } from '../support/merchants';
import { keyCodes, productWithShop } from '../support/orders';
import { actingBodies, fixtureIds, requestPath, routeFixture, RULES, type Rule, type RouteFixture } from '../support/routeRules';
import { routeKey, servedRoutes, type ServedRoute } from '../support/routeTable';
import { settledState, stateChanges } from '../support/state';

/*
 * Isolation between merchants, generated from the routes the API serves: every route × (the
 * merchant's own key, another merchant's key, the platform acting for the merchant, the buyer of
 * another merchant's order). The merchant's things are reached by its own keys and the platform's;
 * another merchant's keys and buyers find them not there (404, never 403), and its lists do not
 * hold them. A route with no merchant's thing in it says why, so a new route cannot be left out.
 */

type Who = 'own' | 'other' | 'platform' | 'otherBuyer';
const WHO: Who[] = ['own', 'other', 'platform', 'otherBuyer'];
const PROBE_FIELD = 'matrixProbe';
const FILE_ROUTES = ['POST /v1/complaints/:complaintId/attachments'];

/** Routes that hold no merchant's thing, and why the other merchant's answer says nothing about isolation. */
const NOT_MERCHANTS: Record<string, string> = {
  'GET /v1/me': "the caller's own key",
  'POST /v1/orders': "an order in the caller's own catalog",
  'PUT /v1/products/:sku': "creates or replaces a product of the caller's own catalog",
  'POST /v1/coupons': "makes a coupon of the caller's own merchant (its codes are its own: test/e2e/couponMerchants.test.ts)",
  'POST /v1/merchants': 'the platform creates merchants',
  'GET /v1/merchants': 'the platform lists merchants',
  'GET /v1/platform/ranking': 'the platform ranks merchants',
  'GET /v1/public/complaint-report': 'public: the platform-wide figures, or the one merchant named',
  'GET /report/:merchantId': "public: the page of the one merchant named, whose figures GET /v1/public/complaint-report answers",
  'GET /v1/public/status': "public: the open and recent incidents' public notes of the one merchant named (and the platform's), no ids, people or amounts",
  'POST /v1/incidents': "declares an incident of the caller's own merchant",
  'POST /v1/public/complaint-report/notes': "a note of the caller's own merchant",
  'POST /v1/payments/notify': 'signed by the payment provider, not a merchant key (per-merchant secrets: /v1/payments/notify/:merchantId)',
  'POST /v1/payments/notify/:merchantId': "signed with the merchant's own secret, not a key: another merchant's secret is refused (test/e2e/merchantSettings.test.ts)",
};
/** Lists of the merchant's things: another merchant's answer is its own list, without them. */
const LISTS = ['GET /v1/incidents', 'GET /v1/products', 'GET /v1/orders', 'GET /v1/feedback', 'GET /v1/complaints', 'GET /v1/ops/stuck', 'GET /v1/ops/attention', 'GET /v1/reports/complaints', 'GET /v1/reports/feedback', 'GET /v1/reports/sales', 'GET /v1/coupons'];

const staffRoles = (rule: Rule): string[] | undefined =>
  'staff' in rule ? rule.staff : 'order' in rule ? rule.order : 'complaint' in rule ? rule.complaint : 'anyStaff' in rule ? ['agent'] : undefined;

describe('isolation between merchants, every route × caller', () => {
  const ctx = productWithShop(() => ({ API_KEYS: WITH_PLATFORM }));
  let a: Merchant;
  let b: Merchant;
  let fa: RouteFixture;
  let fb: RouteFixture;
  let onlyA: string;

  beforeAll(async () => {
    const http = new ApiClient(ctx.product.api.url);
    a = await newMerchant(http, ctx.product.config.paymentWebhookSecret, 'iso-a');
    b = await newMerchant(http, ctx.product.config.paymentWebhookSecret, 'iso-b');
    // The same sku on both sides, and one only A sells.
    fa = await routeFixture(a.shop, 'iso-card');
    fb = await routeFixture(b.shop, 'iso-card');
    onlyA = 'iso-a-only';
    await a.shop.product(onlyA, {}, keyCodes(1, 'ONLY'));
  });

  it('answers every route as isolation says, and changes nothing', async () => {
    const { product } = ctx;
    const http = new ApiClient(product.api.url);
    const routes = servedRoutes(product.api.app).filter((r) => {
      const rule = RULES[routeKey(r)];
      return !('open' in rule) && !('railOff' in rule);
    });
    const ids = { ...fixtureIds(fa), merchantId: 'iso-a' };
    const bodies = actingBodies(fa.sku, fa.unpaid);
    const keyOf = (m: Merchant, role: string) => m.keys[(role === 'storefront' || role === 'agent' || role === 'ops' ? role : 'admin') as keyof Merchant['keys']];
    // Using a key records when (lastUsedAt): that is the one change a request may make here.
    const keysWithoutUse = async () => (await product.store.merchantKeys.find().sort({ _id: 1 }).lean()).map(({ lastUsedAt: _, ...row }) => row);
    const keysBefore = await keysWithoutUse();
    const before = await settledState(product.store, product.client, product.config.temporal.taskQueue);
    const wrong: string[] = [];
    const covered: string[] = [];

    for (const route of routes) {
      const key = routeKey(route);
      const rule = RULES[key];
      const roles = staffRoles(rule);
      const role = roles && roles.length > 0 ? roles[0] : 'admin';
      for (const who of WHO) {
        if (who === 'other' && key in NOT_MERCHANTS) continue;
        if (!roles && !('platform' in rule)) continue; // signed and public routes: no merchant key reaches them (NOT_MERCHANTS says why)
        const values = who === 'other' ? { ...ids, sku: onlyA } : ids;
        const path = requestPath(route, rule, (p) => p.replace(/:(\w+)/g, (_, n: string) => encodeURIComponent(values[n as keyof typeof values])));
        const method = route.method === 'USE' ? 'GET' : route.method;
        const headers: Record<string, string> =
          who === 'own' ? { authorization: `Bearer ${keyOf(a, role)}` }
          : who === 'other' ? { authorization: `Bearer ${keyOf(b, role)}` }
          : who === 'platform' ? { authorization: `Bearer ${PLATFORM_KEY}`, 'x-merchant': 'iso-a' }
          : { 'x-order-token': fb.delivered.orderToken };
        const expected = expectedFor(key, rule, who, roles);
        const body = expected === 'pass' ? { [PROBE_FIELD]: true } : (bodies[key] ?? {});
        const answer: Answer = await http.send(method, path, method === 'GET' ? undefined : JSON.stringify(body), headers);
        covered.push(`${key} ${who}`);
        const seen = `${key} as ${who}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 160)}`;
        if (expected === 'list') {
          const text = JSON.stringify(answer.body);
          const leaked = [fa.delivered.orderId, fa.unpaid.orderId, fa.complaintId, fa.keyId, fa.couponCode, fa.incidentId].filter((id) => text.includes(id));
          if (answer.status !== 200 || leaked.length > 0) wrong.push(`${seen}; expected 200 without ${leaked.join(', ')}`);
        } else if (expected === 'pass') {
          if (method === 'GET') {
            if (answer.status !== 200) wrong.push(`${seen}; expected 200`);
          } else if (FILE_ROUTES.includes(key)) {
            if (answer.status !== 415) wrong.push(`${seen}; expected 415`);
          } else if (answer.status !== 400 || !(answer.body?.error?.details ?? []).some((d: { path: string }) => d.path === PROBE_FIELD)) {
            wrong.push(`${seen}; expected 400 naming ${PROBE_FIELD}`);
          }
        } else if (answer.status !== expected) {
          wrong.push(`${seen}; expected ${expected}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    // Every route a merchant's key reaches was tried by all four.
    for (const route of routes) {
      const key = routeKey(route);
      const rule = RULES[key];
      if (!staffRoles(rule) && !('platform' in rule)) {
        expect({ key, why: NOT_MERCHANTS[key] ?? 'no reason given' }).toEqual({ key, why: expect.not.stringMatching(/^no reason given$/) });
        continue;
      }
      for (const who of WHO) if (!(who === 'other' && key in NOT_MERCHANTS)) expect(covered).toContain(`${key} ${who}`);
    }
    const after = await settledState(product.store, product.client, product.config.temporal.taskQueue);
    expect(stateChanges(before, after).filter((change) => !change.startsWith('merchant_keys:'))).toEqual([]);
    expect(await keysWithoutUse()).toEqual(keysBefore);
  });
});

/** What each caller must get on a route of merchant A's things. */
function expectedFor(key: string, rule: Rule, who: Who, roles: string[] | undefined): 'pass' | 'list' | 401 | 403 | 404 {
  const buyerOnly = roles !== undefined && roles.length === 0;
  const buyerMay = 'order' in rule || 'complaint' in rule;
  if (who === 'otherBuyer') return buyerMay ? 404 : 401;
  if ('platform' in rule) return who === 'platform' ? 'pass' : who === 'own' ? 403 : 403;
  if (who === 'own' || who === 'platform') return buyerOnly ? 403 : 'pass';
  // Another merchant's key, of a role the route lets in.
  if (buyerOnly) return 403;
  if (LISTS.includes(key)) return 'list';
  return 404;
}
