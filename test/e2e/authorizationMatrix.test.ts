import { randomBytes } from 'node:crypto';
import type { Role } from '../../config';
import { sign } from '../../security/signature';
import { ApiClient, DEV, OTHER_SHOP_KEY, TWO_STOREFRONTS, type Answer } from '../support/http';
import { expectStatus, keyCodes, productWithShop, type PlacedOrder, type Shop } from '../support/orders';
import { fillPath, routeKey, routeSchemas, servedRoutes, type ServedRoute } from '../support/routeTable';
import { settledState, stateChanges, type ProductState } from '../support/state';

/*
 * Who may call what, for every route the API serves (read from express's route table) and every
 * kind of caller, through HTTP against the real worker, dev server and store. Each route states its
 * rule as the contract gives it; the answer each caller must get follows from the rule. A route
 * with no rule here fails the test, so a new route cannot ship without one.
 *
 * A caller who may pass is sent a body the route must refuse (an unknown field), so passing shows as
 * a 400 naming that field and nothing changes; a caller who may not is sent a body the route would
 * act on, so only the refusal stands between it and a change. After the whole matrix the store and
 * every workflow's history are as they were.
 */

type Caller = 'anonymous' | 'wrongKey' | 'buyer' | 'otherBuyer' | 'forgedToken' | 'provider' | 'shop' | 'otherShop' | 'agent' | 'ops' | 'admin';
const CALLERS: Caller[] = ['anonymous', 'wrongKey', 'buyer', 'otherBuyer', 'forgedToken', 'provider', 'shop', 'otherShop', 'agent', 'ops', 'admin'];
const STAFF: Partial<Record<Caller, Role>> = { shop: 'storefront', otherShop: 'storefront', agent: 'agent', ops: 'ops', admin: 'admin' };

/** A route's rule, as the contract states it. */
type Rule =
  /** Served before authentication: anyone, whatever they present (health, metrics, docs, the console's pages). */
  | { open: true; probe?: string }
  /** No key needed, but a key that is not valid is refused. */
  | { public: true }
  /** Staff of these roles; admin always. */
  | { staff: Role[] }
  /** Any staff key. */
  | { anyStaff: true }
  /** The buyer with this order's token; staff of these roles (admin always), a storefront only on orders it created. */
  | { order: Role[] }
  /** The buyer with the token of the complaint's order; staff of these roles (admin always). */
  | { complaint: Role[] }
  /** The payment provider, by the signature over the raw body. */
  | { signed: true }
  /** A payment rail this shop has not configured. */
  | { railOff: true };

const RULES: Record<string, Rule> = {
  'GET /healthz': { open: true },
  'GET /readyz': { open: true },
  'GET /metrics': { open: true },
  'GET /openapi.json': { open: true },
  'USE /docs': { open: true, probe: '/docs/' },
  'GET /console': { open: true },
  'GET /console/': { open: true },
  'GET /report': { open: true },
  'GET /report/': { open: true },
  'GET /console/vendor/preact.js': { open: true },
  'USE /console/assets': { open: true, probe: '/console/assets/console.css' },
  'POST /v1/payments/notify': { signed: true },
  'POST /v1/payments/alipay/notify': { railOff: true },
  'POST /v1/payments/wechatpay/notify': { railOff: true },
  'POST /v1/payments/wechatpay/complaints/notify': { railOff: true },
  'POST /v1/payments/stripe/webhook': { railOff: true },
  'GET /v1/payments/epay/notify': { railOff: true },
  'POST /v1/payments/epay/notify': { railOff: true },
  'GET /v1/me': { anyStaff: true },
  'PUT /v1/products/:sku': { staff: ['admin'] },
  'GET /v1/products': { staff: ['agent', 'ops'] },
  'GET /v1/products/:sku': { staff: ['storefront', 'agent', 'ops'] },
  'POST /v1/products/:sku/keys': { staff: ['admin'] },
  'POST /v1/orders': { staff: ['storefront'] },
  'GET /v1/orders': { staff: ['storefront', 'agent', 'ops'] },
  'GET /v1/orders/:orderId': { order: ['storefront', 'agent', 'ops'] },
  'GET /v1/orders/:orderId/keys': { order: [] },
  'POST /v1/orders/:orderId/cancel': { order: ['storefront'] },
  'POST /v1/orders/:orderId/refund-request': { order: [] },
  'POST /v1/orders/:orderId/refund-decision': { staff: ['agent'] },
  'GET /v1/ops/stuck': { staff: ['ops', 'agent'] },
  'POST /v1/orders/:orderId/complaints': { order: [] },
  'GET /v1/complaints': { staff: ['agent', 'ops'] },
  'GET /v1/complaints/:complaintId': { complaint: ['agent', 'ops'] },
  'POST /v1/complaints/:complaintId/actions': { staff: ['agent'] },
  'POST /v1/complaints/:complaintId/replies': { complaint: [] },
  'POST /v1/complaints/:complaintId/confirm': { complaint: [] },
  'GET /v1/reports/complaints': { staff: ['agent', 'ops'] },
  'GET /v1/public/complaint-report': { public: true },
  'POST /v1/public/complaint-report/notes': { staff: ['admin'] },
};

type Expected = 'pass' | 401 | 403 | 404;

/** What `caller` must be answered on a route with `rule`. */
function expectedAnswer(rule: Rule, caller: Caller): Expected {
  if ('open' in rule) return 'pass';
  if (caller === 'wrongKey') return 401;
  if ('railOff' in rule) return 404;
  if ('public' in rule) return 'pass';
  if ('signed' in rule) return caller === 'provider' ? 'pass' : 401;
  const role = STAFF[caller];
  const isBuyer = caller === 'buyer' || caller === 'otherBuyer' || caller === 'forgedToken';
  if ('anyStaff' in rule) return role ? 'pass' : 401;
  if ('staff' in rule) return role ? (role === 'admin' || rule.staff.includes(role) ? 'pass' : 403) : 401;
  const roles = 'order' in rule ? rule.order : rule.complaint;
  if (isBuyer) return caller === 'buyer' ? 'pass' : 404;
  if (!role) return 401;
  if (roles.length === 0 || (role !== 'admin' && !roles.includes(role))) return 403;
  return caller === 'otherShop' ? 404 : 'pass';
}

/** The bodies each writing route would act on: sent by callers who must be refused. */
function actingBodies(sku: string, unpaid: PlacedOrder): Record<string, unknown> {
  return {
    'PUT /v1/products/:sku': { name: 'Renamed by the matrix', price: { amount: 1, currency: 'CNY' } },
    'POST /v1/products/:sku/keys': { keys: keyCodes(1, 'MATRIX') },
    'POST /v1/orders': { sku, buyer: { email: 'matrix@example.com' } },
    'POST /v1/orders/:orderId/cancel': { reason: 'the matrix' },
    'POST /v1/orders/:orderId/refund-request': { reason: 'the matrix' },
    'POST /v1/orders/:orderId/refund-decision': { approve: true },
    'POST /v1/orders/:orderId/complaints': { category: 'service', description: 'the matrix' },
    'POST /v1/complaints/:complaintId/actions': { action: 'resolve_refund' },
    'POST /v1/complaints/:complaintId/replies': { message: 'the matrix' },
    'POST /v1/complaints/:complaintId/confirm': { satisfied: true },
    'POST /v1/public/complaint-report/notes': { month: '2026-11', text: 'the matrix' },
    'POST /v1/payments/notify': { eventId: 'evt-matrix', orderId: unpaid.orderId, paymentId: 'pay-matrix', status: 'succeeded', amount: unpaid.amount },
  };
}

/** The field every probe of a caller who may pass carries: no route takes it, so each must name it in a 400. */
const PROBE_FIELD = 'matrixProbe';

describe('the role × route authorization matrix', () => {
  const ctx = productWithShop(() => ({ API_KEYS: TWO_STOREFRONTS }));
  let shop: Shop;
  let routes: ServedRoute[];
  let delivered: PlacedOrder;
  let unpaid: PlacedOrder;
  let complaintId: string;
  const sku = 'matrix-card';

  beforeAll(async () => {
    shop = ctx.shop;
    routes = servedRoutes(ctx.product.api.app);
    await shop.product(sku, {}, keyCodes(4, 'MAT'));
    delivered = await shop.order(sku);
    await shop.pay(delivered);
    await shop.waitFor(delivered.orderId, 'DELIVERED');
    const filed = await delivered.buyer.post(`/v1/orders/${delivered.orderId}/complaints`, { category: 'service', description: 'For the matrix.' });
    expectStatus(filed, 201, 'complaint');
    complaintId = filed.body.complaintId;
    unpaid = await shop.order(sku);
  });

  it('has a rule for every route the API serves, and serves every route it has a rule for', () => {
    const served = routes.map(routeKey);
    expect(served.filter((key) => !(key in RULES))).toEqual([]);
    expect(Object.keys(RULES).filter((key) => !served.includes(key))).toEqual([]);
  });

  it('sends acting bodies the routes would take, so a refusal is what keeps them out', () => {
    const schemas = routeSchemas();
    const writing = routes.filter((r) => r.method === 'POST' || r.method === 'PUT').map(routeKey);
    const bodies = actingBodies(sku, unpaid);
    const invalid = Object.entries(bodies).flatMap(([key, body]) => {
      const schema = schemas.get(key)?.body;
      if (!schema) return [`${key}: no body schema in the API description`];
      const parsed = schema.safeParse(body);
      return parsed.success ? [] : [`${key}: ${parsed.error.message}`];
    });
    expect(invalid).toEqual([]);
    // Every writing route that some caller may pass by role has an acting body (the rails take none: they are off).
    expect(writing.filter((key) => !(key in bodies) && !('railOff' in RULES[key]))).toEqual([]);
  });

  it('answers each caller on each route as its rule says, hides what it refuses, and changes nothing', async () => {
    const { product } = ctx;
    const secret = product.config.paymentWebhookSecret;
    const headers: Record<Caller, Record<string, string>> = {
      anonymous: {},
      wrongKey: { authorization: `Bearer wrong-${randomBytes(12).toString('hex')}` },
      buyer: { 'x-order-token': delivered.orderToken },
      otherBuyer: { 'x-order-token': unpaid.orderToken },
      forgedToken: { 'x-order-token': randomBytes(24).toString('base64url') },
      provider: {},
      shop: { authorization: `Bearer ${DEV.storefront}` },
      otherShop: { authorization: `Bearer ${OTHER_SHOP_KEY}` },
      agent: { authorization: `Bearer ${DEV.agent}` },
      ops: { authorization: `Bearer ${DEV.ops}` },
      admin: { authorization: `Bearer ${DEV.admin}` },
    };
    const http = new ApiClient(product.api.url);
    const bodies = actingBodies(sku, unpaid);
    const ids = { sku, orderId: delivered.orderId, complaintId };
    const missing = { sku: 'no-such-sku', orderId: `noSuchOrder${randomBytes(4).toString('hex')}`, complaintId: `noSuchComplaint${randomBytes(4).toString('hex')}` };
    const send = (route: ServedRoute, caller: Caller, values: Record<string, string>, body: unknown): Promise<Answer> => {
      const rule = RULES[routeKey(route)];
      const path = route.method === 'USE' ? (rule as { probe: string }).probe : 'open' in rule && rule.probe ? rule.probe : fillPath(route.path, values);
      const method = route.method === 'USE' ? 'GET' : route.method;
      const raw = method === 'GET' ? undefined : JSON.stringify(body);
      const signature: Record<string, string> = caller === 'provider' ? { 'x-signature': sign(raw ?? '', secret) } : {};
      return http.send(method, path, raw, { ...headers[caller], ...signature });
    };

    const before: ProductState = await settledState(product.store, product.client, product.config.temporal.taskQueue);
    const wrong: string[] = [];
    let sent = 0;
    for (const route of routes) {
      const key = routeKey(route);
      const rule = RULES[key];
      for (const caller of CALLERS) {
        const expected = expectedAnswer(rule, caller);
        const body = expected === 'pass' ? { [PROBE_FIELD]: true } : bodies[key] ?? {};
        const answer = await send(route, caller, ids, body);
        sent += 1;
        const seen = `${key} as ${caller}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`;
        if (expected !== 'pass') {
          if (answer.status !== expected || answer.body?.error?.code !== { 401: 'unauthenticated', 403: 'forbidden', 404: 'not_found' }[expected]) {
            wrong.push(`${seen}; expected ${expected}`);
          } else if (expected === 404 && /:(orderId|complaintId)/.test(route.path)) {
            // Refused for not being allowed to see it: the same answer as for one that does not exist.
            const absent = await send(route, caller, missing, body);
            const masked = (a: Answer, values: Record<string, string>) => JSON.stringify(a.body).replaceAll(values.orderId, 'ID').replaceAll(values.complaintId, 'ID');
            if (absent.status !== 404 || masked(absent, missing) !== masked(answer, ids)) wrong.push(`${seen}; a missing one is answered ${absent.status} ${masked(absent, missing)}`);
          }
        } else if (route.method === 'GET' || route.method === 'USE') {
          if (answer.status !== 200) wrong.push(`${seen}; expected 200`);
        } else {
          const details: { path: string }[] = answer.body?.error?.details ?? [];
          if (answer.status !== 400 || !details.some((d) => d.path === PROBE_FIELD)) wrong.push(`${seen}; expected 400 naming ${PROBE_FIELD}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(sent).toBe(routes.length * CALLERS.length);
    const after = await settledState(product.store, product.client, product.config.temporal.taskQueue);
    expect(stateChanges(before, after)).toEqual([]);
    expect(after).toEqual(before);
  });
});
