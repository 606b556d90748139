import { OpenApiGeneratorV31, OpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { ROLES, type Role } from '../config';
import { COMPLAINT_ACTION_FITS } from '../domain/complaint';
import { EVIDENCE_TYPES, MAX_EVIDENCE_FILES } from '../domain/evidence';
import { WEBHOOK_EVENTS } from '../domain/notification';
import { ORDER_ACTION_FITS } from '../domain/order';
import { ACTION_RETRIES, apiGuide, ERROR_CODES } from './apiGuide';
import { BODY_LIMIT, IMPORT_BODY_LIMIT } from './httpGuards';
import * as is from './incidentSchemas';
import * as s from './schemas';
import { z } from './schemas';

type Method = RouteConfig['method'];

/** Who may call an operation: staff of a role (admin always may), the buyer by order token, a payment provider by its signature, anyone. */
export type Caller = Role | 'platform' | 'buyer' | 'provider' | 'anyone';

/** One way an operation can fail: its status, the contract's code, and what causes it. */
export interface Failure {
  status: number;
  code: string;
  when: string;
}

const fail = (status: number, when: string): Failure => ({ status, code: ERROR_CODES.find((e) => e.status === status)!.code, when });

/*
 * The failures each guard and step answers, named after the code that answers them (api/app.ts
 * puts the guards in front of the routes in this order). An operation's error responses are the
 * failures of what its request passes through, so each lists the errors it really answers.
 */

/**
 * The HTTP server answers this for any path, before express reads the request
 * (answerUnparsableRequests). Its 400 for a request that is not HTTP and 408 for one that never
 * arrives whole come before any path is known: the guide lists them once.
 */
const unreadable: Failure[] = [fail(431, 'headers larger than 16 KB in all')];

/** Every /v1 route sits behind these (bearerAuth, the anonymous rate limit, shedLoad, the error handler). */
const behindTheGuards: Failure[] = [
  ...unreadable,
  fail(401, 'an `Authorization` header that is not `Bearer <api key>`, or a key that is not valid'),
  fail(429, 'more than RATE_LIMIT_PER_MINUTE requests a minute from this address without a staff key (a buyer, a notice whose signature does not hold)'),
  fail(503, 'more than MAX_REQUESTS_IN_FLIGHT requests are in progress (`Retry-After: 1`), or Temporal or the database is unreachable; try again'),
  fail(500, 'an unexpected fault on our side (logged)'),
];

/** A 403 for the staff roles not among these (admin always may); none when every role may. */
const otherRoles = (roles: Role[]): Failure[] => {
  const allowed = new Set<Role>(['admin', ...roles]);
  return ROLES.every((r) => allowed.has(r)) ? [] : [fail(403, `a key whose role is not ${[...allowed].join(', ')}`)];
};

/** requireRole: a staff key of one of these roles (admin always). */
const staffOnly = (roles: Role[]): Failure[] => [fail(401, 'no API key'), ...otherRoles(roles)];

/**
 * requireBuyerOr / requireComplainantOr: the buyer's order token, or staff of these roles. A token
 * is looked up before the id is parsed, so for the buyer a malformed id is a 404 like a missing one.
 */
const buyerOr = (what: 'order' | 'complaint', roles: Role[]): Failure[] => [
  fail(401, roles.length ? 'neither an order token nor an API key' : 'no `X-Order-Token`'),
  ...(roles.length ? otherRoles(roles) : [fail(403, 'an API key: only the buyer, with the order token, does this')]),
  fail(
    404,
    what === 'order'
      ? `no such order, or one the caller may not see (another order's token${roles.includes('storefront') ? ", another storefront's order" : ''}): the same answer either way`
      : "no such complaint, or another order's token: the same answer either way",
  ),
  fail(429, 'more than ORDER_TOKEN_FAILURES_PER_HOUR wrong order tokens an hour from this address (`Retry-After`)'),
];

/** A human action (actionIds.ts): its body, and an Idempotency-Key that makes a retry harmless. */
const badIdempotencyKey = fail(400, 'an `Idempotency-Key` header that is not 1-200 characters');
const actionBody = (limit = BODY_LIMIT): Failure[] => [
  ...jsonBody(limit),
  badIdempotencyKey,
  { status: 409, code: 'idempotency_key_reused', when: 'this `Idempotency-Key` was used by this caller on this route with another body' },
];

const idempotencyKey = z.object({ 'Idempotency-Key': z.string().min(1).max(200).optional() });

/** jsonBodies and parse(): a JSON body of at most `limit`, valid against the route's schema. */
const jsonBody = (limit = BODY_LIMIT): Failure[] => [
  fail(400, 'the body is not valid JSON, could not be read (cut short, does not inflate), or a field is missing, unknown or wrong (`details` names each)'),
  fail(413, `a body larger than ${limit}`),
  fail(415, 'a body not sent as `Content-Type: application/json`, in a charset other than UTF-8, or in a content encoding other than gzip or deflate'),
];

const badParam = (name: string): Failure => fail(400, `\`${name}\` is not a valid id (1-64 letters, digits, ".", "_" or "-")`);
const badQuery = (): Failure => fail(400, 'a query parameter is unknown or not valid (`details` names each)');
const conflict = (when: string): Failure => fail(409, when);
const missing = (when: string): Failure => fail(404, when);
/** The payment routes read the raw body (for its signature) with their own limit. */
const rawBody = fail(413, 'a body larger than 64kb');

const fits = (statuses: readonly string[]) => statuses.map((st) => `\`${st}\``).join(', ');

/** An operation: what it is for, who may call it, its request, its answers and every failure. */
interface Operation {
  method: Method;
  path: string;
  tag: string;
  summary: string;
  description: string;
  callers: Caller[];
  request?: RouteConfig['request'];
  ok: Record<number, { description: string; content?: Record<string, { schema: z.ZodTypeAny }> }>;
  failures: Failure[];
  /** A human action deduplicated by its `Idempotency-Key` (actionIds.ts). */
  idempotent?: true;
  /** Answers in a provider's own format (its rail), beside the contract's errors. */
  own?: Record<number, { description: string; content?: Record<string, { schema: z.ZodTypeAny }> }>;
}

const json = (schema: z.ZodTypeAny, description = 'OK') => ({ description, content: { 'application/json': { schema } } });
const text = (description: string) => ({ description, content: { 'text/plain': { schema: z.string() } } });
const html = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });
const body = (schema: z.ZodTypeAny) => ({ body: { content: { 'application/json': { schema } } } });

/** A failure status's response: the contract's error shape, its codes, and every cause listed. */
function errorResponse(failures: Failure[]) {
  const codes = [...new Set(failures.map((f) => f.code))] as [string, ...string[]];
  const causes = [...new Set(failures.map((f) => f.when))];
  return {
    description: causes.length === 1 ? causes[0] : causes.map((c) => `- ${c}`).join('\n'),
    content: {
      'application/json': {
        schema: z.object({
          error: z.object({ code: z.enum(codes), message: z.string(), details: z.array(z.object({ path: z.string(), reason: z.string() })) }),
        }),
      },
    },
  };
}

/** Incidents and the public status page (docs/incidents.md). */
function incidentOperations(): Operation[] {
  const incidentParam = z.object({ incidentId: is.IncidentId });
  const unknown = missing("no such incident, or another merchant's");
  const platformWide = fail(403, "a platform-wide incident, and the key is another merchant's than the platform's or the first shop's");
  return [
    {
      method: 'post', path: '/v1/incidents', tag: 'Incidents', callers: ['ops', 'admin'],
      summary: 'Declare an incident',
      description: 'An outage ops confirm: its cause, when it began (and ended, if known) and the note the public status page shows at once. The incident is a workflow of its own; its timeline keeps what was done. A merchant\'s ops declare that merchant\'s incident (its orders only, on its public status); a platform key declares a platform-wide one (every merchant\'s orders, on every merchant\'s status). The product also opens a platform-wide one by itself when INCIDENT_MIN_ORDERS paid orders over 5 minutes miss INCIDENT_DELIVERY_SLO from payment (as the provider dates it) to keys (`openedBy: "system"`; `cause: "payment_provider"` when most of them learned of their payment only by asking the provider).',
      request: body(is.DeclareIncident),
      ok: { 201: json(is.Incident, 'declared') },
      failures: [...staffOnly(['ops']), ...jsonBody()],
    },
    {
      method: 'get', path: '/v1/incidents', tag: 'Incidents', callers: ['ops', 'agent', 'admin'],
      summary: 'Incidents, newest first',
      description: "The caller's merchant's incidents and the platform-wide ones, of one `status` or all, each with how many orders and buyers it hurt (of a platform-wide one, the caller's merchant's orders; the platform's keys and the first shop's count every merchant's).",
      request: { query: is.IncidentListQuery },
      ok: { 200: json(is.IncidentList) },
      failures: [...staffOnly(['ops', 'agent']), badQuery()],
    },
    {
      method: 'get', path: '/v1/incidents/{incidentId}', tag: 'Incidents', callers: ['ops', 'agent', 'admin'],
      summary: 'One incident',
      description: "Its cause, window, public note, status, timeline, and `affected: {orders, buyers}`. Another merchant's incident is a 404.",
      request: { params: incidentParam },
      ok: { 200: json(is.Incident) },
      failures: [...staffOnly(['ops', 'agent']), badParam('incidentId'), unknown],
    },
    {
      method: 'get', path: '/v1/incidents/{incidentId}/orders', tag: 'Incidents', callers: ['ops', 'agent', 'admin'],
      summary: 'The orders an incident hurt',
      description: 'Orders made in its window and hurt in a way its cause explains: delivered later than INCIDENT_DELIVERY_SLO after payment, paid and still without keys past it, refunded without keys, or cancelled at their due time without a payment notice (also once made good since). No buyer is named.',
      request: { params: incidentParam },
      ok: { 200: json(is.AffectedOrderList) },
      failures: [...staffOnly(['ops', 'agent']), badParam('incidentId'), unknown],
    },
    {
      method: 'post', path: '/v1/incidents/{incidentId}/reconcile', tag: 'Incidents', callers: ['ops', 'admin'],
      summary: 'Make good the payments the incident lost',
      description: "Each affected order cancelled without a payment notice is asked about at its provider (its rail's query); one paid there is delivered, or refunded when there is no stock. Runs in the incident's workflow; its timeline says what was found. Repeating it settles nothing twice: a payment is made good, or refunded as a late payment, once.",
      request: { params: incidentParam, ...body(is.ReconcileIncident) },
      ok: { 202: json(is.Reconciling, 'queued') },
      failures: [...staffOnly(['ops']), badParam('incidentId'), unknown, platformWide, ...jsonBody(), conflict('the incident was resolved more than 30 days ago')],
    },
    {
      method: 'post', path: '/v1/incidents/{incidentId}/compensate', tag: 'Incidents', callers: ['ops', 'admin'],
      summary: 'Make good what the incident cost its buyers',
      description: "One single-use coupon per affected buyer (one per buyer email among its affected orders), issued to that buyer only and emailed to them in their language (`coupon_granted`). Exactly one of `amountOff` and `percentOff`; each coupon holds from now for `validFor`. Runs in the incident's workflow; its timeline and `compensation` say what was granted. Once per incident: repeating it answers the same coupons and grants or emails nothing more; other terms than the first are a 409.",
      request: { params: incidentParam, ...body(is.CompensateIncident) },
      ok: { 201: json(is.Compensated, 'granted and emailed') },
      failures: [...staffOnly(['ops']), badParam('incidentId'), unknown, platformWide, ...jsonBody(), conflict('the incident was compensated with other terms, or resolved more than 30 days ago')],
    },
    {
      method: 'post', path: '/v1/incidents/{incidentId}/resolve', tag: 'Incidents', callers: ['ops', 'admin'],
      summary: 'Resolve an incident with a public note',
      description: 'The note replaces the public one; the window ends now unless it was given. It stays on the public status page for 30 days.',
      request: { params: incidentParam, ...body(is.ResolveIncident) },
      ok: { 200: json(is.Incident, 'resolved') },
      failures: [...staffOnly(['ops']), badParam('incidentId'), unknown, platformWide, ...jsonBody(), conflict('the incident is already resolved')],
    },
    {
      method: 'get', path: '/v1/public/status', tag: 'Incidents', callers: ['anyone'],
      summary: "The shop's public status",
      description: "Open incidents and those resolved in the last 30 days, with their public notes (no key; limited per address like buyers): no ids, emails or amounts of anyone. With `merchant`, that merchant's incidents and the platform-wide ones (`/report/<merchantId>`); without it, the platform's page (`/report`), which is also the first shop's. `/report` and the console show it as a banner.",
      request: { query: is.PublicStatusQuery },
      ok: { 200: json(is.PublicStatus) },
      failures: [badQuery(), missing('no such merchant')],
    },
  ];
}

/** Each route with the zod schemas of its parameters, query and body (the tests fuzz routes from these). */
export function describeApi(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'apiKey', { type: 'http', scheme: 'bearer', description: 'A staff API key from API_KEYS' });
  const orderToken = registry.registerComponent('securitySchemes', 'orderToken', {
    type: 'apiKey',
    in: 'header',
    name: 'X-Order-Token',
    description: "The buyer's order token, returned when the order was created",
  });
  const signature = registry.registerComponent('securitySchemes', 'paymentSignature', {
    type: 'apiKey',
    in: 'header',
    name: 'X-Signature',
    description: 'sha256=<hex HMAC-SHA256 of the raw body with PAYMENT_WEBHOOK_SECRET>',
  });
  const standardSignature = registry.registerComponent('securitySchemes', 'standardWebhookSignature', {
    type: 'apiKey',
    in: 'header',
    name: 'webhook-signature',
    description: 'Standard Webhooks (standardwebhooks.com), with `webhook-id` and `webhook-timestamp`: v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<raw body>">, keyed by PAYMENT_WEBHOOK_SECRET (its base64 part if written `whsec_<base64>`, else its UTF-8 bytes); the timestamp within 5 minutes of now',
  });
  const security = (callers: Caller[]) => {
    const schemes = [
      ...(callers.some((c) => c !== 'buyer' && c !== 'provider' && c !== 'anyone') ? [{ [bearer.name]: [] }] : []),
      ...(callers.includes('buyer') ? [{ [orderToken.name]: [] }] : []),
      ...(callers.includes('provider') ? [{ [signature.name]: [] }, { [standardSignature.name]: [] }] : []),
    ];
    return schemes.length ? schemes : [{}];
  };

  const skuParam = z.object({ sku: s.Sku });
  const orderParam = z.object({ orderId: s.OrderId });
  const complaintParam = z.object({ complaintId: s.ComplaintId });
  const railOff = (rail: string) => missing(`the ${rail} rail is not configured (its settings are not set)`);

  const operations: Operation[] = [
    // ── Catalog ──
    {
      method: 'put', path: '/v1/products/{sku}', tag: 'Catalog', callers: ['admin'],
      summary: 'Create or change a product',
      description: 'Sets the product\'s name, price, windows, key pattern, supplier check URL, low-stock threshold and usage instructions (`instructions: {zh?, en?}`, shown with the keys and in the keys email); fields left out are cleared (windows fall back to DEFAULT_REFUND_WINDOW / DEFAULT_COMPLAINT_WINDOW). Orders keep the terms they were taken under. A keyPattern that keys still in stock would fail is refused (409 with `rejectedKeys`).',
      request: { params: skuParam, ...body(s.ProductInput) },
      ok: { 200: json(s.Product, 'the product as stored') },
      failures: [...staffOnly(['admin']), badParam('sku'), ...jsonBody(), conflict('the new keyPattern would reject keys of this product still in stock (available or reserved); `rejectedKeys` says how many')],
    },
    {
      method: 'get', path: '/v1/me', tag: 'Catalog', callers: ['admin', 'storefront', 'agent', 'ops'],
      summary: 'Who the API key is',
      description: "The key's role and name (the console signs in with it). Any staff key.",
      ok: { 200: json(s.Me) },
      failures: [fail(401, 'no API key (an order token is not one)')],
    },
    {
      method: 'get', path: '/v1/products', tag: 'Catalog', callers: ['admin', 'storefront', 'agent', 'ops'],
      summary: 'The catalog with its stock',
      description: 'Products in sku order, each with whether it is on sale (`active`) and its stock counts: available, reserved, delivered, revoked, invalid. Filtered by `active` and by `q` (part of the sku or name, any case); `limit` (default 100, at most 500) and `nextCursor` page on.',
      request: { query: s.ProductListQuery },
      ok: { 200: json(s.ProductList) },
      failures: [...staffOnly(['storefront', 'agent', 'ops']), badQuery(), fail(400, '`cursor` is not one this API gave')],
    },
    {
      method: 'patch', path: '/v1/products/{sku}', tag: 'Catalog', callers: ['admin'],
      summary: 'Put a product on sale or take it off',
      description: '`{active: false}` takes the product off sale: a new order for it is refused with 409 `product_unavailable`, while the orders already taken run to their end (delivery, refunds, complaints). `{active: true}` puts it back on sale.',
      request: { params: skuParam, ...body(s.ProductSwitch) },
      ok: { 200: json(s.Product, 'the product as stored, with its stock') },
      failures: [...staffOnly(['admin']), badParam('sku'), ...jsonBody(), missing('no product with this sku')],
    },
    {
      method: 'get', path: '/v1/products/{sku}/keys', tag: 'Catalog', callers: ['admin'],
      summary: "A product's keys, masked",
      description: 'The keys of the product with where each stands (`available`, `reserved`, `delivered`, `invalid`, `revoked`), the order holding it, and when it was imported: at most its last 4 characters, never the code (`Cache-Control: no-store`). All or the available ones in import order; those of another status in the order they were taken. `nextCursor` pages on.',
      request: { params: skuParam, query: s.KeyListQuery },
      ok: { 200: json(s.KeyList) },
      failures: [...staffOnly(['admin']), badParam('sku'), badQuery(), fail(400, '`cursor` is not one this API gave'), missing('no product with this sku')],
    },
    {
      method: 'delete', path: '/v1/products/{sku}/keys/{keyId}', tag: 'Catalog', callers: ['admin'],
      summary: 'Remove an unsold key from stock',
      description: 'Removes a key no order holds (status `available`): it is taken from stock as an order would take it, so an order that got there first keeps it. Takes no body (or `{}`).',
      request: { params: z.object({ sku: s.Sku, keyId: s.KeyId }), ...body(s.NoBody) },
      ok: { 200: json(z.object({ keyId: z.string(), removed: z.literal(true), stock: s.Stock }), 'removed; the stock as it is now') },
      failures: [
        ...staffOnly(['admin']), badParam('sku'), fail(400, '`keyId` is not a valid id, or a body other than `{}`'), ...jsonBody(),
        missing('the product has no such key'), conflict('the key is not available (reserved, delivered, invalid or revoked): the answer\'s `status` says which'),
      ],
    },
    {
      method: 'get', path: '/v1/products/{sku}', tag: 'Catalog', callers: ['admin', 'storefront', 'agent', 'ops'],
      summary: 'A product with its stock',
      description: 'The product and its stock counts.',
      request: { params: skuParam },
      ok: { 200: json(s.Product) },
      failures: [...staffOnly(['storefront', 'agent', 'ops']), badParam('sku'), missing('no product with this sku')],
    },
    {
      method: 'post', path: '/v1/products/{sku}/keys', idempotent: true, tag: 'Catalog', callers: ['admin'],
      summary: 'Import key codes',
      description: `Stores up to 10,000 codes (encrypted at rest). A code already in inventory (any product) is a duplicate, one not matching keyPattern is rejected; \`details\` names each code not stored (masked) and why. Orders waiting for this stock (\`waitingOrders\`) are offered it after the answer, oldest payment first, by the product's restock workflow (\`restockOffer\`, \`restockWorkflowId\`). Bodies up to ${IMPORT_BODY_LIMIT}; \`npx kamiflow keys import\` streams larger files.`,
      request: { params: skuParam, ...body(s.KeyImport) },
      ok: { 200: json(s.KeyImportResult) },
      failures: [...staffOnly(['admin']), badParam('sku'), ...actionBody(IMPORT_BODY_LIMIT), missing('no product with this sku')],
    },
    ...merchantOperations(),
    // ── Orders ──
    {
      method: 'post', path: '/v1/orders', tag: 'Orders', callers: ['storefront'],
      summary: 'Start an order',
      description: 'Prices the order from the catalog and starts its workflow in AWAITING_PAYMENT until `paymentDueAt` (PAYMENT_TIMEOUT). The answer carries the buyer\'s `orderToken` (shown once: hand it to the buyer) and, for a provider\'s rail, the checkout to show. With an `Idempotency-Key` header, the same key and body answer 200 with the same order and token; the same key with another body is a 409.',
      request: { ...body(s.CreateOrder), headers: idempotencyKey },
      ok: { 201: json(s.OrderCreated, 'created'), 200: json(s.OrderCreated, 'the same order, replayed by Idempotency-Key') },
      failures: [
        ...staffOnly(['storefront']), ...jsonBody(), badIdempotencyKey, fail(400, "`payment.method` names a rail that is not configured, or one that cannot take the product's currency"), missing('no product with this sku'),
        conflict('this Idempotency-Key was used with another body'),
        { status: 409, code: 'product_unavailable', when: 'the product is off sale (`active: false`); a retry with the Idempotency-Key of an order taken before still answers that order' },
        { status: 409, code: 'coupon_not_applicable', when: "the `coupon` does not apply; `reason` (and `details[0].reason`) names why: unknown (the merchant has no such code; another merchant's code is unknown too), not_yet_valid, expired, issued_to_another_buyer, currency, minimum_spend, first_order_only (at this merchant), already_used, used_up" },
      ],
    },
    {
      method: 'get', path: '/v1/orders', tag: 'Orders', callers: ['storefront', 'agent', 'ops', 'admin'],
      summary: 'List and search orders',
      description: "Order summaries newest first, filtered by order id, status, sku, the buyer's exact email (matched by a keyed hash; never stored in clear) and creation date (`from`/`to`: a date like 2026-11-30, the whole UTC day, or a time); `nextCursor` pages on. A storefront lists only the orders it created. `status=REFUND_REQUESTED` is the agents' refund queue, oldest request first.",
      request: { query: s.OrderListQuery },
      ok: { 200: json(s.OrderList) },
      failures: [...staffOnly(['storefront', 'agent', 'ops']), badQuery(), fail(400, '`cursor` is not one this API gave')],
    },
    {
      method: 'get', path: '/v1/orders/{orderId}', tag: 'Orders', callers: ['buyer', 'storefront', 'agent', 'ops', 'admin'],
      summary: 'The order view',
      description: "Where the order stands, its keys (masked), its refund and complaints, and its timeline. Live from the order's workflow (its `orderView` query), or from the read model once the workflow has closed. The buyer sees their own email; other callers see it masked.",
      request: { params: orderParam },
      ok: { 200: json(s.OrderView) },
      failures: [...buyerOr('order', ['storefront', 'agent', 'ops']), badParam('orderId')],
    },
    {
      method: 'get', path: '/v1/orders/{orderId}/keys', tag: 'Orders', callers: ['buyer'],
      summary: "The buyer's key codes",
      description: `The delivered codes in clear, for the buyer only (\`Cache-Control: no-store\`), with the product's usage instructions in the buyer's language (\`buyer.locale\` of the order; the other language when that one is missing). Fits ${fits(ORDER_ACTION_FITS.keys)}. With \`wait\`, a request made while the order is on its way to its keys (awaiting payment, paid, delivering) is answered as soon as they are delivered, or when the wait ends: a buyer's page should wait rather than ask again and again.`,
      request: { params: orderParam, query: s.KeysQuery },
      ok: { 200: json(s.OrderKeys) },
      failures: [...buyerOr('order', []), badQuery(), conflict('the order is not delivered yet, or was refunded (its keys are revoked)')],
    },
    {
      method: 'post', path: '/v1/orders/{orderId}/cancel', idempotent: true, tag: 'Orders', callers: ['buyer', 'storefront', 'admin'],
      summary: 'Cancel an unpaid order',
      description: `Fits ${fits(ORDER_ACTION_FITS.cancel)}: before a payment arrives. A payment that arrives afterwards is refunded automatically.`,
      request: { params: orderParam, ...body(s.CancelOrder) },
      ok: { 200: json(s.StatusAnswer, 'cancelled') },
      failures: [...buyerOr('order', ['storefront']), badParam('orderId'), ...actionBody(), conflict('the order is paid, cancelled or closed: only an unpaid order can be cancelled')],
    },
    {
      method: 'post', path: '/v1/orders/{orderId}/refund-request', idempotent: true, tag: 'Orders', callers: ['buyer'],
      summary: 'The buyer asks for the money back',
      description: `Fits ${fits(ORDER_ACTION_FITS.refundRequest)}. On a DELIVERED order inside its refund window it becomes REFUND_REQUESTED for an agent to decide (approved without one after REFUND_DECISION_WAIT, shown as \`refund.decisionDueAt\`). A paid order still waiting for stock (OUT_OF_STOCK) is refunded at once: the answer is \`REFUNDING\`.`,
      request: { params: orderParam, ...body(s.RefundRequest) },
      ok: { 202: json(s.StatusAnswer, 'accepted: REFUND_REQUESTED, or REFUNDING for an order waiting for stock') },
      failures: [
        ...buyerOr('order', []), ...actionBody(),
        conflict('the order is not DELIVERED or OUT_OF_STOCK, its refund window has closed, a request is already pending, or its refund is already being paid out'),
      ],
    },
    {
      method: 'post', path: '/v1/orders/{orderId}/refund-decision', idempotent: true, tag: 'Orders', callers: ['agent', 'admin'],
      summary: 'An agent decides a refund request',
      description: `Fits ${fits(ORDER_ACTION_FITS.refundDecision)} with the request still undecided. Approving answers REFUNDING (the payment is then refunded and the keys revoked); rejecting returns the order to DELIVERED.`,
      request: { params: orderParam, ...body(s.RefundDecision) },
      ok: { 200: json(s.StatusAnswer) },
      failures: [...staffOnly(['agent']), badParam('orderId'), ...actionBody(), fail(400, 'a rejection (`approve: false`) without a `note`'), missing('no such order'), conflict('no refund request is pending on the order, or an open payment dispute holds its refunds')],
    },
    // ── Payments ──
    ...([undefined, 'merchant'] as const).map((merchant) => ({
      method: 'post' as const, path: merchant ? '/v1/payments/notify/{merchantId}' : '/v1/payments/notify', tag: 'Payments', callers: ['provider'] as Caller[],
      summary: merchant ? "A merchant's payment notice (generic rail)" : 'A payment notice (generic rail)',
      description: (merchant
        ? "The notice of one merchant's payment, as below but signed with that merchant's own `paymentWebhookSecret` (its settings) and nothing else: another merchant's secret, or the platform's, is a 401 (the first shop, `default`, falls back to PAYMENT_WEBHOOK_SECRET). A merchant that set no secret takes no notice. A notice naming another merchant's order is answered 200 as if the order did not exist, and touches nothing. "
        : "The first shop's (`default`) notices; another merchant's order named here is answered as if it did not exist. ") + "The payment provider's (or your own translator's) notice that a payment succeeded or failed, signed either way with PAYMENT_WEBHOOK_SECRET: `X-Signature: sha256=<hex HMAC-SHA256 of the raw body>`, or as Standard Webhooks (`webhook-id`, `webhook-timestamp` within 5 minutes of now, `webhook-signature: v1,<base64 HMAC-SHA256 of \"<id>.<timestamp>.<raw body>\">`; the key is the secret's base64 part if it is written `whsec_<base64>`, else its UTF-8 bytes, so a sender's library takes `whsec_` + base64(secret)). A request with any `webhook-*` header is judged by those headers. Every well-formed signed notice answers 200, also a duplicate (same `eventId`: no effect twice; so a replayed `webhook-id` is harmless) and a late one, so the sender stops retrying. A success for a cancelled order, a second payment or a wrong amount is refunded automatically. A refused notice records nothing.",
      request: {
        ...(merchant ? { params: z.object({ merchantId: s.MerchantId }) } : {}),
        headers: z.object({
          'X-Signature': z.string().optional(),
          'webhook-id': z.string().optional(),
          'webhook-timestamp': z.string().optional(),
          'webhook-signature': z.string().optional(),
        }),
        ...body(s.PaymentNotice),
      },
      ok: { 200: json(z.object({ received: z.boolean() })) },
      failures: [
        fail(401, 'no signature; an `X-Signature` that is not `sha256=<64 hex>` or does not match the body; Standard Webhooks headers that are incomplete, a `webhook-timestamp` that is not unix seconds or is more than 5 minutes from now, or a `webhook-signature` that does not match (each with its own message)'),
        fail(400, 'a signed body that is not JSON or not a notice (`details` names each field)'),
        rawBody,
      ],
    })),
    {
      method: 'post', path: '/v1/payments/alipay/notify', tag: 'Payments', callers: ['provider'],
      summary: 'Alipay payment notice',
      description: "Alipay's asynchronous notification (form-encoded), verified with ALIPAY_PUBLIC_KEY (RSA2) over the raw bytes; `TRADE_SUCCESS` / `TRADE_FINISHED` is taken as the order's payment. Answers as Alipay expects.",
      ok: { 200: text('`success` (also for duplicates and events with nothing to pay)') },
      own: { 400: text('`fail`: the signature or app_id does not hold; nothing recorded') },
      failures: [railOff('alipay'), rawBody],
    },
    ...(
      [
        ['/v1/payments/wechatpay/notify', 'WeChat Pay payment notice', 'A WeChat Pay v3 notification: `Wechatpay-Signature` verified with the platform key of its `Wechatpay-Serial` (timestamp within 5 minutes), the resource decrypted with WECHATPAY_APIV3_KEY; `TRANSACTION.SUCCESS` is taken as the payment.'],
        ['/v1/payments/wechatpay/complaints/notify', 'WeChat Pay consumer complaint notice', 'A WeChat Pay 消费者投诉2.0 notice (signed and encrypted like payment notices). The complaint is read from WeChat Pay and opens or updates a complaint on the order (`source: "wechatpay"`).'],
      ] as const
    ).map(([path, summary, description]) => ({
      method: 'post' as const, path, tag: 'Payments', callers: ['provider'] as Caller[], summary, description,
      ok: { 204: { description: 'received' } },
      own: { 401: json(z.object({ code: z.literal('FAIL'), message: z.string() }), 'the signature, timestamp or merchant does not hold; nothing recorded') },
      failures: [railOff('wechatpay'), rawBody],
    })),
    {
      method: 'post', path: '/v1/payments/stripe/webhook', tag: 'Payments', callers: ['provider'],
      summary: 'Stripe event',
      description: '`Stripe-Signature` verified with STRIPE_WEBHOOK_SECRET (300 s tolerance). `payment_intent.succeeded` / `payment_intent.payment_failed` are payments; `charge.dispute.*` open and settle a complaint on the order (`source: "stripe_dispute"`).',
      ok: { 200: json(z.object({ received: z.boolean() })) },
      own: { 400: json(s.ErrorBody, '`invalid_signature`: the signature does not hold; `wrong_merchant`: an event of another account or mode. Nothing recorded') },
      failures: [railOff('stripe'), rawBody],
    },
    ...(['get', 'post'] as const).map((method) => ({
      method, path: '/v1/payments/epay/notify', tag: 'Payments', callers: ['provider'] as Caller[],
      summary: `易支付 payment notice (${method.toUpperCase()})`,
      description: '易支付 notification as query (GET) or form (POST): `sign` (md5 with EPAY_KEY) and `pid` checked; `TRADE_SUCCESS` is taken as the payment.',
      ok: { 200: text('`success`') },
      own: { 400: text('`fail`: the signature or pid does not hold; nothing recorded') },
      failures: [railOff('epay'), ...(method === 'post' ? [rawBody] : [])],
    })),
    // ── Operations ──
    {
      method: 'get', path: '/v1/ops/stuck', tag: 'Operations', callers: ['ops', 'agent', 'admin'],
      summary: 'Orders stuck in a working status',
      description: 'Orders sitting in PAID, DELIVERING, OUT_OF_STOCK, REFUND_REQUESTED or REFUNDING longer than `olderThan` (default 30m), oldest first, each with its sku, amount, pending activity, attempts and last failure and a link to its workflow in the Temporal UI. Orders waiting on a person (`attention`, such as a refund the provider refused) come first whatever their age, then paid orders waiting for stock (OUT_OF_STOCK: a restock moves them) whatever their age; `why` says which.',
      request: { query: s.StuckQuery },
      ok: { 200: json(z.object({ items: z.array(s.StuckOrder) })) },
      failures: [...staffOnly(['ops', 'agent']), badQuery()],
    },
    {
      method: 'get', path: '/v1/ops/attention', tag: 'Operations', callers: ['ops', 'agent', 'admin'],
      summary: 'Refunds waiting on a person',
      description: "Refunds the payment provider refused for good (a 4xx about the request), oldest first: the order's own, a payment it gave back, or a stray payment's. Each is asked again every hour and leaves this list when it goes through; `kamiflow_refunds_needing_attention` counts them.",
      ok: { 200: json(z.object({ items: z.array(s.RefundAttention) })) },
      failures: [...staffOnly(['ops', 'agent'])],
    },
    // ── Complaints ──
    {
      method: 'post', path: '/v1/orders/{orderId}/complaints', idempotent: true, tag: 'Complaints', callers: ['buyer'],
      summary: 'The buyer files a complaint',
      description: `Fits ${fits(ORDER_ACTION_FITS.fileComplaint)} (a paid order) inside its complaint window, one open complaint at a time. The complaint gets a first-response deadline (COMPLAINT_FIRST_RESPONSE) and a resolution deadline (COMPLAINT_RESOLUTION); a breach escalates it.`,
      request: { params: orderParam, ...body(s.FileComplaint) },
      ok: { 201: json(s.ComplaintFiled, 'filed') },
      failures: [...buyerOr('order', []), ...actionBody(), conflict('the order is not paid, its complaint window has closed, or a complaint is already open on it (the message names it)')],
    },
    {
      method: 'get', path: '/v1/complaints', tag: 'Complaints', callers: ['agent', 'ops', 'admin'],
      summary: "The agents' complaint queue",
      description: "Complaints that still need someone (all but CLOSED; `status=CLOSED` lists the closed ones), oldest deadline first, filtered by status, category and sku; `nextCursor` pages on. Each item adds its order's `orderStatus` and `amount`, and `waitingOn`: whose move it is.",
      request: { query: s.ComplaintQueueQuery },
      ok: { 200: json(s.ComplaintQueue) },
      failures: [...staffOnly(['agent', 'ops']), badQuery(), fail(400, '`cursor` is not one this API gave')],
    },
    {
      method: 'get', path: '/v1/complaints/{complaintId}', tag: 'Complaints', callers: ['buyer', 'agent', 'ops', 'admin'],
      summary: 'The complaint view',
      description: 'The complaint, its deadlines, its messages, and a remedy under way (`remedy`). The buyer opens it with the token of its order.',
      request: { params: complaintParam },
      ok: { 200: json(s.ComplaintView) },
      failures: [...buyerOr('complaint', ['agent', 'ops']), badParam('complaintId'), missing('no such complaint')],
    },
    {
      method: 'post', path: '/v1/complaints/{complaintId}/actions', idempotent: true, tag: 'Complaints', callers: ['agent', 'admin'],
      summary: "An agent's action on a complaint",
      description: `Which action fits which status: ${Object.entries(COMPLAINT_ACTION_FITS).map(([a, st]) => `\`${a}\` in ${st.join(', ')}`).join('; ')}. \`reject\` needs a note (400 naming \`note\` without one). A remedy (\`resolve_replace\`, \`resolve_refund\`) is carried out by the order: done within about 2 s it answers 200 with the resolved complaint; otherwise 202 \`{status: "pending"}\` and the complaint and order views show it pending, then its outcome. A refused action changes nothing: no message, no clock stopped.`,
      request: { params: complaintParam, ...body(s.ComplaintActionInput) },
      ok: { 200: json(s.ComplaintView, 'done: the complaint view'), 202: json(s.RemedyPending, 'a remedy still under way at the order') },
      failures: [
        ...staffOnly(['agent']), badParam('complaintId'), ...actionBody(), fail(400, '`reject` without a `note`'), missing('no such complaint'),
        conflict('the action does not fit the complaint\'s status (see the table), a remedy is already under way, or the order cannot carry out the remedy (the message says why)'),
      ],
    },
    {
      method: 'post', path: '/v1/complaints/{complaintId}/replies', idempotent: true, tag: 'Complaints', callers: ['buyer'],
      summary: "The buyer's reply",
      description: 'Adds the buyer\'s message; an AWAITING_BUYER complaint goes back to the agents. Until the complaint is CLOSED, at most MAX_COMPLAINT_REPLIES replies.',
      request: { params: complaintParam, ...body(s.ComplaintReply) },
      ok: { 200: json(s.ComplaintView) },
      failures: [...buyerOr('complaint', []), ...actionBody(), missing('no such complaint'), conflict('the complaint is CLOSED, or the buyer has sent the most replies allowed')],
    },
    {
      method: 'post', path: '/v1/complaints/{complaintId}/confirm', idempotent: true, tag: 'Complaints', callers: ['buyer'],
      summary: 'The buyer confirms a resolution',
      description: 'On a RESOLVED complaint: satisfied closes it (with an optional rating and comment); not satisfied reopens it, at most MAX_REOPENS times, then it is escalated. No comment adds no message.',
      request: { params: complaintParam, ...body(s.ComplaintConfirm) },
      ok: { 200: json(s.ComplaintView) },
      failures: [...buyerOr('complaint', []), ...actionBody(), missing('no such complaint'), conflict('the complaint is not RESOLVED')],
    },
    {
      method: 'post', path: '/v1/complaints', tag: 'Complaints', callers: ['agent', 'admin'],
      summary: "An agent files a complaint on the buyer's behalf",
      description: "A complaint that came in by phone, email, WeChat or a third party (a 12345 case): the same rules as the buyer's own (a paid order inside its complaint window, one open complaint at a time), carried by the order's own filing. The view shows its `channel`, `externalRef` and `filedBy`.",
      request: body(s.FileComplaintForBuyer),
      ok: { 201: json(s.ComplaintFiled, 'filed') },
      failures: [...staffOnly(['agent']), ...actionBody(), missing('no such order'), conflict('the order is not paid, its complaint window has closed, or a complaint is already open on it (the message names it)')],
    },
    {
      method: 'post', path: '/v1/complaints/{complaintId}/attachments', tag: 'Complaints', callers: ['buyer', 'agent', 'admin'],
      summary: 'Add an evidence file',
      description: `The raw file as the body, with its \`Content-Type\`: ${EVIDENCE_TYPES.map((t) => `\`${t}\``).join(', ')}; at most 5 MB, and at most ${MAX_EVIDENCE_FILES} files per complaint. The body must begin as its type does. Kept in the database; the complaint view lists it under \`attachments\`.`,
      request: { params: complaintParam, body: { content: Object.fromEntries(EVIDENCE_TYPES.map((t) => [t, { schema: z.string().openapi({ format: 'binary' }) }])) } },
      ok: { 201: json(s.AttachmentAdded, 'kept') },
      failures: [
        ...buyerOr('complaint', ['agent']), badParam('complaintId'), fail(400, 'an empty body'), fail(413, 'a file larger than 5 MB'),
        fail(415, 'a `Content-Type` that is not one of those, or a body that does not begin as its type does'),
        conflict(`the complaint is CLOSED, or has ${MAX_EVIDENCE_FILES} files already`),
      ],
    },
    {
      method: 'get', path: '/v1/complaints/{complaintId}/attachments/{attachmentId}', tag: 'Complaints', callers: ['buyer', 'agent', 'ops', 'admin'],
      summary: 'An evidence file',
      description: 'The bytes with their type, as a download (`Content-Disposition: attachment`, `X-Content-Type-Options: nosniff`): never shown inline in our origin.',
      request: { params: complaintParam.extend({ attachmentId: s.ComplaintId }) },
      ok: { 200: { description: 'the file', content: Object.fromEntries(EVIDENCE_TYPES.map((t) => [t, { schema: z.string().openapi({ format: 'binary' }) }])) } },
      failures: [...buyerOr('complaint', ['agent', 'ops']), badParam('complaintId'), missing('no such file on this complaint')],
    },
    {
      method: 'post', path: '/v1/orders/{orderId}/feedback', tag: 'Orders', callers: ['buyer'],
      summary: "The buyer's feedback",
      description: 'Once per order, once its keys are delivered: a rating (1-5), whether the usage instructions were clear, and a comment. A second is a 409 (the same `Idempotency-Key` and body answer as the first did).',
      request: { params: orderParam, ...body(s.FeedbackInput) },
      ok: { 201: json(s.Feedback, 'kept') },
      failures: [...buyerOr('order', []), ...actionBody(), conflict('the order has not been delivered, or feedback was already given on it')],
    },
    {
      method: 'get', path: '/v1/feedback', tag: 'Reports', callers: ['agent', 'ops', 'admin'],
      summary: "What buyers said: their feedback, newest first",
      description: 'Each delivered order\'s feedback (rating, whether the usage instructions were clear, the comment), newest first; `sku` and `from`/`to` narrow it, `cursor` (the answer\'s `nextCursor`) pages on.',
      request: { query: s.FeedbackListQuery },
      ok: { 200: json(s.FeedbackList) },
      failures: [...staffOnly(['agent', 'ops']), badQuery()],
    },
    // ── Reports ──
    {
      method: 'get', path: '/v1/reports/feedback', tag: 'Reports', callers: ['agent', 'ops', 'admin'],
      summary: "Buyers' feedback per product",
      description: "For a period (`from`/`to` as for the complaint ranking): each product's responses, average rating and the share of buyers who found its usage instructions unclear, worst first.",
      request: { query: s.ReportQuery },
      ok: { 200: json(s.FeedbackReport) },
      failures: [...staffOnly(['agent', 'ops']), badQuery(), fail(400, '`from` is not before `to`, or the period spans more than 366 days')],
    },
    {
      method: 'get', path: '/v1/reports/complaints', tag: 'Reports', callers: ['agent', 'ops', 'admin'],
      summary: 'The complaint ranking',
      description: 'For a period (`from`/`to`: a date, the whole UTC day, or a time; default the last 30 days, at most 366 days): totals, complaints by category, each sku\'s complaint and refund rates worst first, SLA figures and satisfaction.',
      request: { query: s.ReportQuery },
      ok: { 200: json(s.ComplaintReport) },
      failures: [...staffOnly(['agent', 'ops']), badQuery(), fail(400, '`from` is not before `to`, or the period spans more than 366 days')],
    },
    {
      method: 'get', path: '/v1/reports/sales', tag: 'Reports', callers: ['ops', 'admin'],
      summary: 'Sales, refunds and complaints by day',
      description: "Each day of the period in the shop's time zone (SHOP_TIME_ZONE; `from`/`to` are days there, both included; default the 30 days to today, at most 366): the orders taken that day, how many of them were paid and what they brought in, how many of those were refunded since and for how much, and the complaints filed that day; with totals. An order counts on the day it was taken. Money is in the currency sold most; any other is totalled in `otherCurrencies`.",
      request: { query: s.SalesReportQuery },
      ok: { 200: json(s.SalesReport) },
      failures: [...staffOnly(['ops']), badQuery(), fail(400, '`from` is after `to`, or the period spans more than 366 days')],
    },
    {
      method: 'get', path: '/v1/public/complaint-report', tag: 'Reports', callers: ['anyone'],
      summary: "The month's published complaint report",
      description: "The month's complaint handling as the shop publishes it (no key; limited per address like buyers): figures only, never an order id, email or code. `/report` renders it.",
      request: { query: s.PublicReportQuery },
      ok: { 200: json(s.PublicComplaintReport) },
      failures: [badQuery()],
    },
    {
      method: 'get', path: '/report/{merchantId}', tag: 'Reports', callers: ['anyone'],
      summary: "One merchant's public complaint report page",
      description: "The page `/report` is, for the one merchant named: its month's figures and notes (`GET /v1/public/complaint-report?merchant=`), 中文 and English. No key; limited per address like buyers.",
      request: { params: z.object({ merchantId: s.MerchantId }) },
      ok: { 200: html('the report page') },
      failures: [fail(400, '`merchantId` is not 3-40 lower-case letters, digits or "-" (a client that does not ask for HTML)'), missing('no such merchant; a browser (`Accept: text/html`) is shown a page saying so instead of the error')],
    },
    {
      method: 'post', path: '/v1/public/complaint-report/notes', tag: 'Reports', callers: ['admin'],
      summary: "Publish the shop's note for a month",
      description: "The shop's note on what it improved, published with that month's report.",
      request: body(s.ReportNoteInput),
      ok: { 201: json(s.ReportNote, 'added') },
      failures: [...staffOnly(['admin']), ...jsonBody()],
    },
    ...incidentOperations(),
    // ── Coupons ──
    {
      method: 'post', path: '/v1/coupons', idempotent: true, tag: 'Coupons', callers: ['admin'],
      summary: 'Make a coupon',
      description: "A coupon of the caller's merchant (the platform's: of the merchant `X-Merchant` names): an amount or a percent off (限时折扣 with `validFrom`/`validUntil`, 满减 with `minSpend`, 首单立减 with `firstOrderOnly`: the buyer's first order at this merchant), for anyone or issued to one buyer (`buyerEmail`: single-use unless `maxRedemptions` says more). Codes are unique per merchant: another merchant may have the same code with other terms. That merchant's orders alone name it in `coupon`; its payment redeems it, a cancel before payment or a refund gives it back. See docs/coupons.md.",
      request: body(s.CreateCoupon),
      ok: { 201: json(s.Coupon, 'made') },
      failures: [...staffOnly(['admin']), ...actionBody(), conflict('the merchant has a coupon with this `code` already')],
    },
    {
      method: 'get', path: '/v1/coupons', tag: 'Coupons', callers: ['ops', 'admin'],
      summary: 'List coupons',
      description: "The caller's merchant's coupons (no other merchant's), newest first, each with its redemptions counted (held by unpaid orders, redeemed by paid ones, released) and how many remain; `nextCursor` pages on.",
      request: { query: s.CouponListQuery },
      ok: { 200: json(s.CouponList) },
      failures: [...staffOnly(['ops']), badQuery(), fail(400, '`cursor` is not one this API gave')],
    },
    {
      method: 'get', path: '/v1/coupons/{code}', tag: 'Coupons', callers: ['ops', 'admin'],
      summary: 'A coupon and its redemptions',
      description: "The caller's merchant's coupon of this code (another merchant's is not there: 404), its counts, and its most recent 200 redemptions (newest first): each order, its buyer (masked), list price, discount and amount paid, where the redemption stands, and whether it was redeemed past the coupon's limit (`overLimit`: a payment found after the order's cancel); `overLimit` at the top counts those.",
      request: { params: z.object({ code: s.CouponCode }) },
      ok: { 200: json(s.CouponDetail) },
      failures: [...staffOnly(['ops']), fail(400, '`code` is not a coupon code (3-40 letters, digits, "_" or "-")'), missing("the merchant has no coupon of this code (another merchant's coupon answers the same)")],
    },
  ];

  for (const op of operations) {
    const failures = [...op.failures, ...behindTheGuards];
    const byStatus = new Map<number, Failure[]>();
    for (const f of failures) byStatus.set(f.status, [...(byStatus.get(f.status) ?? []), f]);
    const errors = Object.fromEntries([...byStatus.entries()].sort(([a], [b]) => a - b).map(([status, list]) => [status, withOwn(op.own?.[status], errorResponse(list))]));
    registry.registerPath({
      method: op.method,
      path: op.path,
      tags: [op.tag],
      summary: op.summary,
      description: `${op.description}${op.idempotent ? `\n\n${ACTION_RETRIES}` : ''}\n\n**Who:** ${callerText(op.callers)}.`,
      security: security(op.callers),
      ...(op.request ? { request: op.idempotent ? { ...op.request, headers: idempotencyKey } : op.request } : {}),
      responses: { ...op.ok, ...op.own, ...errors } as RouteConfig['responses'],
      'x-callers': op.callers,
    } as RouteConfig);
  }

  const page = (path: string, summary: string, description: string, responses: RouteConfig['responses']) =>
    registry.registerPath({
      method: 'get', path, tags: ['Service'], summary, description: `${description}\n\n**Who:** anyone.`, security: [{}],
      responses: { ...responses, ...Object.fromEntries(unreadable.filter((f) => !(f.status in responses)).map((f) => [f.status, errorResponse([f])])) },
      'x-callers': ['anyone'],
    } as RouteConfig);
  page('/healthz', 'The process is up', 'Answers as long as the API process runs; it asks nothing of its dependencies.', { 200: json(z.object({ status: z.literal('ok') })) });
  page('/readyz', 'Temporal and the database answer', 'Each dependency is `ok` or `unreachable`; why goes to the log, never to the caller.', {
    200: json(z.object({ status: z.literal('ready'), temporal: z.literal('ok'), database: z.literal('ok') })),
    503: json(z.object({ status: z.literal('not_ready'), temporal: z.enum(['ok', 'unreachable']), database: z.enum(['ok', 'unreachable']) }), 'a dependency is unreachable'),
  });
  page('/metrics', 'Prometheus metrics', "The API's metrics in Prometheus text: orders by status, stuck orders, the complaint queue and SLA breaches, stock, payment notices, requests by route.", {
    200: text('Prometheus text exposition'),
    503: errorResponse([fail(503, 'the database is unreachable (the gauges read it)')]),
  });
  page('/openapi.json', 'This description', 'The OpenAPI 3.1 description of the API, generated from the schemas the routes validate with.', { 200: { description: 'the OpenAPI document', content: { 'application/json': { schema: z.object({}).passthrough() } } } });
  page('/docs', 'This description, browsable', 'The description rendered by Swagger UI.', { 200: html('Swagger UI') });
  page('/console', "The agents', ops' and admins' console", 'Sign in with an API key; it calls this API like any client.', { 200: html('the console page') });
  page('/report', 'The public complaint report page', "The month's published complaint report, 中文 and English.", { 200: html('the report page') });

  registry.registerWebhook({
    method: 'post',
    path: 'storefrontEvent',
    tags: ['Webhooks'],
    summary: 'An order, complaint or stock event, POSTed to the storefront',
    description: [
      'Sent to STOREFRONT_WEBHOOK_URL (or the storefront\'s own URL in STOREFRONT_WEBHOOKS), signed two ways with the webhook\'s secret: as Standard Webhooks (`webhook-id` = `eventId`, `webhook-timestamp` = when this attempt was sent, `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`; verify with a Standard Webhooks library and the secret as `whsec_<base64>`: the secret itself if written so, else `whsec_` + base64 of its UTF-8 bytes), and `X-Signature: sha256=<hex HMAC-SHA256 of the exact body>` keyed by the secret as written (kept for one release). Verify over the raw body before parsing. Retried with backoff until a 2xx; a 4xx other than 408, 409, 425, 429 is not retried. Deduplicate by `eventId`. See docs/webhooks.md.',
      '',
      `Types: ${WEBHOOK_EVENTS.map((e) => `\`${e.type}\``).join(', ')}.`,
    ].join('\n'),
    request: {
      headers: z.object({
        'webhook-id': z.string().openapi({ example: 'evt_2Hq…' }),
        'webhook-timestamp': z.string().openapi({ example: '1796040000' }),
        'webhook-signature': z.string().openapi({ example: 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=' }),
        'X-Signature': z.string().openapi({ example: 'sha256=3f1c…' }),
      }),
      body: { content: { 'application/json': { schema: z.union([s.OrderEvent, s.StockEvent]) } } },
    },
    responses: {
      200: { description: 'any 2xx: received; it is not sent again' },
      400: { description: 'any 4xx but 408, 409, 425, 429: the event is refused; kept as refused, not retried' },
      503: { description: 'anything else (and timeouts): retried with backoff' },
    },
  });
  return registry;
}

/** A status a provider's rail answers in its own format, which the contract's guards may answer too: both, said. */
function withOwn(own: Operation['ok'][number] | undefined, contract: ReturnType<typeof errorResponse>) {
  if (!own) return contract;
  const ownSchema = own.content?.['application/json']?.schema;
  return {
    description: `${own.description}\n\nIn the contract's error shape:\n${contract.description}`,
    content: {
      ...own.content,
      'application/json': { schema: ownSchema ? z.union([ownSchema, contract.content['application/json'].schema]) : contract.content['application/json'].schema },
    },
  };
}

function callerText(callers: Caller[]): string {
  const names: Record<Caller, string> = {
    admin: 'admin',
    platform: 'the platform (a `platform` key in API_KEYS)',
    storefront: 'storefront (its own orders)',
    agent: 'agent',
    ops: 'ops',
    buyer: "the buyer (the order's `X-Order-Token`)",
    provider: 'the payment provider (by its signature)',
    anyone: 'anyone, no key',
  };
  const list = callers.includes('admin') || callers.some((c) => c === 'buyer' || c === 'provider' || c === 'anyone' || c === 'platform') ? callers : [...callers, 'admin' as const];
  return list.map((c) => names[c]).join(', ');
}

/** The API described from the same zod schemas the routes validate with. */
export function buildOpenApi(): object {
  return new OpenApiGeneratorV31(describeApi().definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'kamiflow', version: '1.0.0', description: apiGuide() },
    tags: [
      { name: 'Orders', description: 'Storefronts start orders; buyers follow them with their order token.' },
      { name: 'Payments', description: 'Notices from payment providers, each verified over the raw bytes.' },
      { name: 'Complaints', description: 'Buyers file, agents work the queue, buyers confirm.' },
      { name: 'Catalog', description: 'Products and their keys (admin).' },
      { name: 'Reports', description: 'Sales by day, the complaint ranking and the published monthly report.' },
      { name: 'Coupons', description: "Promotions and compensation: each merchant's coupons, and the orders that redeem them." },
      { name: 'Operations', description: 'What ops look at first.' },
      { name: 'Incidents', description: 'Outages declared or detected, the orders they hurt, making good, and the public status.' },
      { name: 'Merchants', description: "The platform's shops, their keys, and their suspension." },
      { name: 'Service', description: 'Health, metrics, this description and the pages.' },
      { name: 'Webhooks', description: 'What kamiflow sends to the storefront.' },
    ],
  });
}

/** The platform's merchants and their keys (api/routes/merchants.ts). */
function merchantOperations(): Operation[] {
  const platformOnly = [fail(401, 'no API key'), fail(403, 'a key that is not a platform key')];
  const merchantAdmin = [fail(401, 'no API key'), fail(403, "a key of the merchant's own that is not its admin"), missing("no such merchant, or another merchant's (a merchant's key sees its own only)")];
  const merchantParam = z.object({ merchantId: s.MerchantId });
  const badMerchant = fail(400, '`merchantId` is not 3-40 lower-case letters, digits or "-"');
  return [
    {
      method: 'post', path: '/v1/merchants', tag: 'Merchants', callers: ['platform'],
      summary: 'Create a merchant',
      description: 'A new shop on the platform, ACTIVE, with its own catalog, stock, orders and complaints. The answer carries its admin key\'s secret (`adminKey`), shown this once; it is stored as a digest only.',
      request: body(s.MerchantInput),
      ok: { 201: json(s.MerchantCreated, 'created') },
      failures: [...platformOnly, ...jsonBody(), conflict('a merchant with this id exists (`default` is the first shop)')],
    },
    {
      method: 'get', path: '/v1/merchants', tag: 'Merchants', callers: ['platform'],
      summary: 'The merchants of the platform',
      description: 'Every merchant, `default` (the first shop) included, with its status.',
      ok: { 200: json(s.MerchantList) },
      failures: platformOnly,
    },
    {
      method: 'get', path: '/v1/merchants/{merchantId}', tag: 'Merchants', callers: ['platform', 'admin'],
      summary: 'A merchant',
      description: 'The merchant and its status (`ACTIVE` or `SUSPENDED`, with the reason).',
      request: { params: merchantParam },
      ok: { 200: json(s.Merchant) },
      failures: merchantAdmin,
    },
    {
      method: 'post', path: '/v1/merchants/{merchantId}/keys', tag: 'Merchants', callers: ['platform', 'admin'],
      summary: 'Issue a key to a merchant',
      description: 'A new API key of the merchant with a role (`admin`, `storefront`, `agent`, `ops`): its secret is shown this once and stored as a digest only.',
      request: { params: merchantParam, ...body(s.MerchantKeyInput) },
      ok: { 201: json(s.MerchantKeyIssued, 'issued') },
      failures: [...merchantAdmin, badMerchant, ...jsonBody()],
    },
    {
      method: 'get', path: '/v1/merchants/{merchantId}/keys', tag: 'Merchants', callers: ['platform', 'admin'],
      summary: "A merchant's keys",
      description: 'Each key with its role, name, when it was issued and when it was last used (to the minute), never its secret (`Cache-Control: no-store`).',
      request: { params: merchantParam },
      ok: { 200: json(s.MerchantKeyList) },
      failures: merchantAdmin,
    },
    {
      method: 'delete', path: '/v1/merchants/{merchantId}/keys/{keyId}', tag: 'Merchants', callers: ['platform', 'admin'],
      summary: "Revoke a merchant's key",
      description: 'The key stops working at once: the next request with it is a 401. Takes no body (or `{}`).',
      request: { params: z.object({ merchantId: s.MerchantId, keyId: s.MerchantKeyId }), ...body(s.NoBody) },
      ok: { 200: json(z.object({ keyId: z.string(), revoked: z.literal(true) }), 'revoked') },
      failures: [...merchantAdmin, badMerchant, fail(400, '`keyId` is not a valid id, or a body other than `{}`'), ...jsonBody(), missing('the merchant has no such key')],
    },
    {
      method: 'put', path: '/v1/merchants/{merchantId}/settings', tag: 'Merchants', callers: ['platform', 'admin'],
      summary: "Change a merchant's settings",
      description: "The merchant's own payment notice secret (`paymentWebhookSecret`, for `/v1/payments/notify/{merchantId}`), storefront webhook (its orders' and products' events go there, signed with its secret, instead of nowhere), payment rail accounts (per rail the settings of the configuration's rail variables, camelCase without the prefix, keys as PEM text; they verify `/v1/rails/{rail}/notify/{merchantId}`) and complaint deadlines (`firstResponse`, `resolution` as durations, for complaints filed from now on its orders). A section given replaces that section, `null` removes it, one left out stays. Stored encrypted; the answer is the settings with every secret masked.",
      request: { params: merchantParam, ...body(s.MerchantSettingsInput) },
      ok: { 200: json(s.MerchantSettings, 'changed') },
      failures: [...merchantAdmin, badMerchant, fail(400, 'a field that is not valid, named in `details` (a rail key that does not load, a secret sent back as its mask, a duration that is not one)'), ...jsonBody()],
    },
    {
      method: 'get', path: '/v1/merchants/{merchantId}/settings', tag: 'Merchants', callers: ['platform', 'admin'],
      summary: "A merchant's settings",
      description: 'The settings as set, every secret shown as `********` (never a character of it); `{}` when none are set (`Cache-Control: no-store`).',
      request: { params: merchantParam },
      ok: { 200: json(s.MerchantSettings) },
      failures: merchantAdmin,
    },
    ...(
      [
        ['post', 'alipay'],
        ['post', 'wechatpay'],
        ['post', 'stripe'],
        ['get', 'epay'],
        ['post', 'epay'],
      ] as const
    ).map(([method, rail]) => ({
      method, path: `/v1/rails/${rail}/notify/{merchantId}`, tag: 'Payments', callers: ['provider'] as Caller[],
      summary: `A merchant's ${rail} notice${rail === 'epay' ? ` (${method.toUpperCase()})` : ''}`,
      description: `The ${rail} notice of one merchant's payment, verified with that merchant's own ${rail} account (its settings' \`rails.${rail}\`) only, and answered as the platform's ${rail} notice address answers; the first shop (\`default\`) falls back to the platform's ${rail} settings. A notice naming another merchant's order touches nothing.`,
      request: { params: merchantParam },
      ok: { 200: { description: `as the provider expects (see the platform's ${rail} notice)` } },
      failures: [missing(`no ${rail} account for this merchant`), ...(method === 'post' ? [rawBody] : [])],
    })),
    {
      method: 'post', path: '/v1/payments/wechatpay/complaints/notify/{merchantId}', tag: 'Payments', callers: ['provider'],
      summary: "A merchant's WeChat Pay consumer complaint notice",
      description: "A WeChat Pay 消费者投诉2.0 notice for one merchant (the URL its own account registered), verified with that merchant's own WeChat Pay account (its settings' `rails.wechatpay`) only; the first shop (`default`) falls back to the platform's. The complaint is read, and replied to, through that account, and the complaint it opens on the merchant's order keeps the merchant's own deadlines; one naming another merchant's order opens nothing.",
      request: { params: merchantParam },
      ok: { 204: { description: 'received' } },
      own: { 401: json(z.object({ code: z.literal('FAIL'), message: z.string() }), 'the signature, timestamp or merchant does not hold; nothing recorded') },
      failures: [missing('no wechatpay account for this merchant'), rawBody],
    },
    {
      method: 'get', path: '/v1/platform/ranking', tag: 'Merchants', callers: ['platform'],
      summary: "The platform's complaint ranking of its merchants",
      description: 'Each merchant with its orders sold, complaints, complaint and refund rates, the share of complaints answered and resolved on time and of buyers satisfied, for orders and complaints created in [from, to) (default the last 30 days, at most 366): worst complaint rate first, merchants that sold nothing last. A period the report query refuses is a 400, as for `/v1/reports/complaints`.',
      request: { query: s.ReportQuery },
      ok: { 200: json(s.MerchantRanking) },
      failures: platformOnly,
    },
    {
      method: 'post', path: '/v1/merchants/{merchantId}/suspend', tag: 'Merchants', callers: ['platform'],
      summary: 'Suspend a merchant',
      description: 'New orders of the merchant are refused with 409 `merchant_suspended`; orders already taken run to their end (keys, refunds, complaints). No such merchant: 404.',
      request: { params: merchantParam, ...body(s.MerchantSuspend) },
      ok: { 200: json(s.Merchant, 'suspended') },
      failures: [...platformOnly, badMerchant, ...jsonBody()],
    },
    {
      method: 'post', path: '/v1/merchants/{merchantId}/resume', tag: 'Merchants', callers: ['platform'],
      summary: 'Resume a suspended merchant',
      description: 'The merchant takes new orders again; `note` (optional) goes to the log. No such merchant: 404.',
      request: { params: merchantParam, ...body(s.MerchantResume) },
      ok: { 200: json(s.Merchant, 'active again') },
      failures: [...platformOnly, badMerchant, ...jsonBody()],
    },
  ];
}
