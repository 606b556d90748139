import { randomBytes } from 'node:crypto';
import type { Role } from '../../config';
import { DEV, OTHER_SHOP_KEY } from './http';
import { expectStatus, keyCodes, type PlacedOrder, type Shop } from './orders';

/*
 * Who may call each route, as the contract states it, for the authorization matrix and the fuzz
 * tests (which call each route as someone it lets in, to reach its validation). Keyed by the route
 * as express serves it; the tests fail on a served route that has no rule here.
 */

export type Caller = 'anonymous' | 'wrongKey' | 'buyer' | 'otherBuyer' | 'forgedToken' | 'provider' | 'shop' | 'otherShop' | 'agent' | 'ops' | 'admin';
export const CALLERS: Caller[] = ['anonymous', 'wrongKey', 'buyer', 'otherBuyer', 'forgedToken', 'provider', 'shop', 'otherShop', 'agent', 'ops', 'admin'];
const STAFF: Partial<Record<Caller, Role>> = { shop: 'storefront', otherShop: 'storefront', agent: 'agent', ops: 'ops', admin: 'admin' };

/** A route's rule, as the contract states it. */
export type Rule =
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
  | { railOff: true }
  /** The platform's keys only (none of the callers here has one). */
  | { platform: true };

export const RULES: Record<string, Rule> = {
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
  'GET /console/rules.js': { open: true },
  'GET /favicon.ico': { open: true },
  'USE /console/assets': { open: true, probe: '/console/assets/console.css' },
  'POST /v1/payments/notify': { signed: true },
  'POST /v1/payments/alipay/notify': { railOff: true },
  'POST /v1/payments/wechatpay/notify': { railOff: true },
  'POST /v1/payments/wechatpay/complaints/notify': { railOff: true },
  'POST /v1/payments/stripe/webhook': { railOff: true },
  'GET /v1/payments/epay/notify': { railOff: true },
  'POST /v1/payments/epay/notify': { railOff: true },
  // A merchant's own notices (here the first shop's, which falls back to the platform's secret and rails).
  'POST /v1/payments/notify/:merchantId': { signed: true },
  'POST /v1/rails/alipay/notify/:merchantId': { railOff: true },
  'POST /v1/rails/wechatpay/notify/:merchantId': { railOff: true },
  'POST /v1/rails/stripe/notify/:merchantId': { railOff: true },
  'POST /v1/rails/epay/notify/:merchantId': { railOff: true },
  'GET /v1/rails/epay/notify/:merchantId': { railOff: true },
  'POST /v1/payments/wechatpay/complaints/notify/:merchantId': { railOff: true },
  'GET /v1/me': { anyStaff: true },
  'PUT /v1/products/:sku': { staff: ['admin'] },
  'GET /v1/products': { staff: ['storefront', 'agent', 'ops'] },
  'GET /v1/products/:sku': { staff: ['storefront', 'agent', 'ops'] },
  'PATCH /v1/products/:sku': { staff: ['admin'] },
  'POST /v1/products/:sku/keys': { staff: ['admin'] },
  'GET /v1/products/:sku/keys': { staff: ['admin'] },
  'DELETE /v1/products/:sku/keys/:keyId': { staff: ['admin'] },
  'POST /v1/orders': { staff: ['storefront'] },
  'GET /v1/orders': { staff: ['storefront', 'agent', 'ops'] },
  'GET /v1/orders/:orderId': { order: ['storefront', 'agent', 'ops'] },
  'GET /v1/orders/:orderId/keys': { order: [] },
  'POST /v1/orders/:orderId/cancel': { order: ['storefront'] },
  'POST /v1/orders/:orderId/refund-request': { order: [] },
  'POST /v1/orders/:orderId/refund-decision': { staff: ['agent'] },
  'GET /v1/ops/stuck': { staff: ['ops', 'agent'] },
  'GET /v1/ops/attention': { staff: ['ops', 'agent'] },
  'POST /v1/orders/:orderId/complaints': { order: [] },
  'GET /v1/complaints': { staff: ['agent', 'ops'] },
  'GET /v1/complaints/:complaintId': { complaint: ['agent', 'ops'] },
  'POST /v1/complaints/:complaintId/actions': { staff: ['agent'] },
  'POST /v1/complaints/:complaintId/replies': { complaint: [] },
  'POST /v1/complaints/:complaintId/confirm': { complaint: [] },
  'GET /v1/reports/complaints': { staff: ['agent', 'ops'] },
  'POST /v1/orders/:orderId/feedback': { order: [] },
  'GET /v1/reports/feedback': { staff: ['agent', 'ops'] },
  'GET /v1/feedback': { staff: ['agent', 'ops'] },
  'POST /v1/complaints': { staff: ['agent'] },
  'POST /v1/complaints/:complaintId/attachments': { complaint: ['agent'] },
  'GET /v1/complaints/:complaintId/attachments/:attachmentId': { complaint: ['agent', 'ops'] },
  'GET /v1/reports/sales': { staff: ['ops'] },
  'GET /v1/public/complaint-report': { public: true },
  'POST /v1/public/complaint-report/notes': { staff: ['admin'] },
  'POST /v1/incidents': { staff: ['ops'] },
  'GET /v1/incidents': { staff: ['ops', 'agent'] },
  'GET /v1/incidents/:incidentId': { staff: ['ops', 'agent'] },
  'GET /v1/incidents/:incidentId/orders': { staff: ['ops', 'agent'] },
  'POST /v1/incidents/:incidentId/reconcile': { staff: ['ops'] },
  'POST /v1/incidents/:incidentId/compensate': { staff: ['ops'] },
  'POST /v1/incidents/:incidentId/resolve': { staff: ['ops'] },
  'GET /v1/public/status': { public: true },
  'GET /report/:merchantId': { public: true },
  'POST /v1/coupons': { staff: ['admin'] },
  'GET /v1/coupons': { staff: ['ops'] },
  'GET /v1/coupons/:code': { staff: ['ops'] },
  'POST /v1/merchants': { platform: true },
  'GET /v1/merchants': { platform: true },
  // The platform, or the admin of the merchant named (here `default`, the callers' own).
  'GET /v1/merchants/:merchantId': { staff: ['admin'] },
  'POST /v1/merchants/:merchantId/keys': { staff: ['admin'] },
  'GET /v1/merchants/:merchantId/keys': { staff: ['admin'] },
  'DELETE /v1/merchants/:merchantId/keys/:keyId': { staff: ['admin'] },
  'PUT /v1/merchants/:merchantId/settings': { staff: ['admin'] },
  'GET /v1/merchants/:merchantId/settings': { staff: ['admin'] },
  'POST /v1/merchants/:merchantId/suspend': { platform: true },
  'POST /v1/merchants/:merchantId/resume': { platform: true },
  'GET /v1/platform/ranking': { platform: true },
};

export type Expected = 'pass' | 401 | 403 | 404;

/** What `caller` must be answered on a route with `rule`. */
export function expectedAnswer(rule: Rule, caller: Caller): Expected {
  if ('open' in rule) return 'pass';
  if (caller === 'wrongKey') return 401;
  if ('railOff' in rule) return 404;
  if ('platform' in rule) return STAFF[caller] ? 403 : 401;
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
export function actingBodies(sku: string, unpaid: PlacedOrder): Record<string, unknown> {
  return {
    'PUT /v1/products/:sku': { name: 'Renamed by the matrix', price: { amount: 1, currency: 'CNY' } },
    'PATCH /v1/products/:sku': { active: false },
    'POST /v1/products/:sku/keys': { keys: keyCodes(1, 'MATRIX') },
    'POST /v1/orders': { sku, buyer: { email: 'matrix@example.com' } },
    'POST /v1/orders/:orderId/cancel': { reason: 'the matrix' },
    'POST /v1/orders/:orderId/refund-request': { reason: 'the matrix' },
    'POST /v1/orders/:orderId/refund-decision': { approve: true },
    'POST /v1/orders/:orderId/complaints': { category: 'service', description: 'the matrix' },
    'POST /v1/complaints/:complaintId/actions': { action: 'resolve_refund' },
    'POST /v1/complaints/:complaintId/replies': { message: 'the matrix' },
    'POST /v1/complaints/:complaintId/confirm': { satisfied: true },
    'POST /v1/orders/:orderId/feedback': { rating: 5 },
    'POST /v1/complaints': { orderId: unpaid.orderId, channel: 'phone', category: 'service', description: 'the matrix' },
    'POST /v1/public/complaint-report/notes': { month: '2026-11', text: 'the matrix' },
    'POST /v1/incidents': { title: 'the matrix', cause: 'other', startedAt: new Date(Date.now() - 60_000).toISOString(), publicNote: 'the matrix' },
    'POST /v1/incidents/:incidentId/resolve': { publicNote: 'the matrix' },
    'POST /v1/incidents/:incidentId/reconcile': { note: 'the matrix' },
    'POST /v1/incidents/:incidentId/compensate': { percentOff: 10, validFor: '30d' },
    'POST /v1/coupons': { amountOff: { amount: 100, currency: 'CNY' } },
    'POST /v1/payments/notify': { eventId: 'evt-matrix', orderId: unpaid.orderId, paymentId: 'pay-matrix', status: 'succeeded', amount: unpaid.amount },
    'POST /v1/payments/notify/:merchantId': { eventId: 'evt-matrix', orderId: unpaid.orderId, paymentId: 'pay-matrix', status: 'succeeded', amount: unpaid.amount },
    'PUT /v1/merchants/:merchantId/settings': { paymentWebhookSecret: 'the-matrix-takes-over-0123456789' },
    'POST /v1/merchants': { merchantId: 'matrix-shop', name: 'The matrix', contactEmail: 'matrix@example.com' },
    'POST /v1/merchants/:merchantId/keys': { role: 'agent', name: 'the matrix' },
    'POST /v1/merchants/:merchantId/suspend': { reason: 'the matrix' },
    'POST /v1/merchants/:merchantId/resume': { note: 'the matrix' },
  };
}

/** What the rules are tried on: a product with keys (one of them still available), an order delivered with a complaint on it, and an order of the same shop still unpaid. */
export interface RouteFixture {
  sku: string;
  keyId: string;
  delivered: PlacedOrder;
  unpaid: PlacedOrder;
  complaintId: string;
  /** An evidence file on the complaint. */
  attachmentId: string;
  /** An incident the shop's ops declared (the shop's own). */
  incidentId: string;
  /** A coupon. */
  couponCode: string;
}

/** What each route is tried on: one shop's product, its orders, complaint, evidence, incident and coupon. */
export async function routeFixture(shop: Shop, sku: string): Promise<RouteFixture> {
  await shop.product(sku, {}, keyCodes(4, 'FIX'));
  const delivered = await shop.order(sku);
  await shop.pay(delivered);
  await shop.waitFor(delivered.orderId, 'DELIVERED');
  const filed = await delivered.buyer.post(`/v1/orders/${delivered.orderId}/complaints`, { category: 'service', description: 'For the route checks.' });
  expectStatus(filed, 201, 'complaint');
  const unpaid = await shop.order(sku);
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
  const attached = await fetch(`${shop.http.baseUrl}/v1/complaints/${filed.body.complaintId}/attachments`, { method: 'POST', headers: { 'x-order-token': delivered.orderToken, 'content-type': 'image/png' }, body: png });
  if (attached.status !== 201) throw new Error(`evidence file: ${attached.status} ${await attached.text()}`);
  const { attachmentId } = (await attached.json()) as { attachmentId: string };
  const available = await shop.admin.get(`/v1/products/${sku}/keys?status=available&limit=1`);
  expectStatus(available, 200, 'an available key');
  const fixture = { sku, keyId: available.body.items[0].keyId, delivered, unpaid, complaintId: filed.body.complaintId, attachmentId };
  const coupon = await shop.admin.post('/v1/coupons', { amountOff: { amount: 100, currency: 'CNY' } });
  expectStatus(coupon, 201, 'a coupon');
  const incident = await shop.ops.post('/v1/incidents', { title: 'For the route checks', cause: 'other', startedAt: new Date(Date.now() - 60_000).toISOString(), publicNote: 'For the route checks.' });
  expectStatus(incident, 201, 'an incident');
  return { ...fixture, couponCode: coupon.body.code as string, incidentId: incident.body.incidentId as string };
}

/** The path values of the fixture: its sku, an available key, the delivered order, its complaint. */
export function fixtureIds(f: RouteFixture): Record<string, string> {
  return { sku: f.sku, keyId: f.keyId, orderId: f.delivered.orderId, complaintId: f.complaintId, attachmentId: f.attachmentId, incidentId: f.incidentId, code: f.couponCode, merchantId: 'default' };
}

/** Each caller's headers (the provider's signature depends on the body: the sender adds it). */
export function callerHeaders(f: RouteFixture): Record<Caller, Record<string, string>> {
  return {
    anonymous: {},
    wrongKey: { authorization: `Bearer wrong-${randomBytes(12).toString('hex')}` },
    buyer: { 'x-order-token': f.delivered.orderToken },
    otherBuyer: { 'x-order-token': f.unpaid.orderToken },
    forgedToken: { 'x-order-token': randomBytes(24).toString('base64url') },
    provider: {},
    shop: { authorization: `Bearer ${DEV.storefront}` },
    otherShop: { authorization: `Bearer ${OTHER_SHOP_KEY}` },
    agent: { authorization: `Bearer ${DEV.agent}` },
    ops: { authorization: `Bearer ${DEV.ops}` },
    admin: { authorization: `Bearer ${DEV.admin}` },
  };
}

/** The path a request to the route goes to: a mount's probe, else the route with the values filled in. */
export function requestPath(route: { method: string; path: string }, rule: Rule, fill: (path: string) => string): string {
  if ('open' in rule && rule.probe) return rule.probe;
  if (route.method === 'USE') throw new Error(`the mount ${route.path} has no probe path in its rule`);
  return fill(route.path);
}
