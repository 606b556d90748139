import { configurationReference } from '../config/reference';
import { COMPLAINT_ACTIONS, COMPLAINT_ACTION_FITS, COMPLAINT_BUYER_FITS, COMPLAINT_STATUSES, type ComplaintStatus } from '../domain/complaint';
import { WEBHOOK_EVENTS } from '../domain/notification';
import { ORDER_ACTION_FITS, ORDER_STATUSES, type OrderAction, type OrderStatus } from '../domain/order';

/*
 * The parts of the API's description that are prose and tables rather than operations: how to
 * authenticate, the error codes, which action fits which status, the storefront webhooks and the
 * configuration. Each table is printed from the code that decides it (domain/, config/).
 */

/** Every error code the API answers, by status (api/errors.ts and the guards in front of the routes). */
export const ERROR_CODES: readonly { status: number; code: string; meaning: string }[] = [
  { status: 400, code: 'invalid_request', meaning: 'the request is not valid: `details` names each bad field (`path`) and why (`reason`)' },
  { status: 401, code: 'unauthenticated', meaning: 'no valid API key, order token or signature; the message says which and what is wrong with it' },
  { status: 403, code: 'forbidden', meaning: "the key's role may not do this" },
  { status: 404, code: 'not_found', meaning: 'no such resource, or one the caller may not see (the same answer, so ids cannot be probed)' },
  { status: 408, code: 'invalid_request', meaning: 'the request did not arrive in time (answered by the HTTP server, any route)' },
  { status: 409, code: 'conflict', meaning: "the action does not fit the resource's state now; the message names the state. Nothing changed" },
  { status: 409, code: 'idempotency_key_reused', meaning: 'an action sent with an `Idempotency-Key` this caller already used on this route with another body. Nothing changed' },
  { status: 409, code: 'merchant_suspended', meaning: 'the platform suspended the merchant: it takes no new orders. Orders already paid carry on (keys, refunds, complaints)' },
  { status: 409, code: 'product_unavailable', meaning: 'the product is switched off (`active: false`): it takes no new orders. Orders already taken carry on' },
  { status: 409, code: 'coupon_not_applicable', meaning: 'the order\'s coupon does not apply: `reason` names why (unknown, not_yet_valid, expired, issued_to_another_buyer, currency, minimum_spend, first_order_only, already_used, used_up). No order was taken' },
  { status: 413, code: 'payload_too_large', meaning: 'the body is larger than the route takes' },
  { status: 415, code: 'unsupported_media_type', meaning: 'a body not sent as `Content-Type: application/json` in UTF-8, or in a content encoding other than gzip or deflate' },
  { status: 431, code: 'invalid_request', meaning: 'the headers are larger than 16 KB in all (answered by the HTTP server, any route)' },
  { status: 429, code: 'rate_limited', meaning: 'too many requests (or wrong order tokens) from this address; `Retry-After` says when to come back' },
  { status: 500, code: 'internal', meaning: 'a fault on our side; it is logged, the message reveals nothing' },
  { status: 503, code: 'unavailable', meaning: 'Temporal or the database is unreachable, or the API is busy (`Retry-After: 1`); try again' },
];

/** What an action's `Idempotency-Key` does (api/actionIds.ts): said in the guide and in each action's description. */
export const ACTION_RETRIES =
  'With an `Idempotency-Key` header (1-200 characters, a fresh one per intent: per click, per command), the same key with the same body from the same caller on this route answers the first outcome again (its success or its refusal) and changes nothing, for at least 24 hours; with another body it is 409 `idempotency_key_reused`. Without the header the request is judged afresh against the state at that moment, however like an earlier one it looks.';

/** What each order action is, and what it needs beyond its status. */
const ORDER_ACTION_TERMS: Record<OrderAction, { action: string; who: string; more: string }> = {
  cancel: { action: '`POST …/cancel`', who: 'storefront, buyer', more: 'only while unpaid' },
  refundRequest: {
    action: '`POST …/refund-request`',
    who: 'buyer',
    more: 'DELIVERED: inside the refund window, one pending request at a time; an agent decides (or REFUND_DECISION_WAIT approves it). OUT_OF_STOCK: refunded at once, no agent needed',
  },
  refundDecision: { action: '`POST …/refund-decision`', who: 'agent', more: 'a request is pending and not yet decided' },
  fileComplaint: { action: '`POST …/complaints`', who: 'buyer', more: 'paid, inside the complaint window, and no complaint already open on the order' },
  keys: { action: '`GET …/keys`', who: 'buyer', more: 'keys delivered and not refunded' },
};

const mark = (fits: boolean) => (fits ? '✓' : '');

/** Which order action fits which order status (domain ORDER_ACTION_FITS, the table the order workflow refuses by). */
export function orderActionTable(): string {
  const actions = Object.keys(ORDER_ACTION_FITS) as OrderAction[];
  const fits = (action: OrderAction, status: OrderStatus) => (ORDER_ACTION_FITS[action] as readonly OrderStatus[]).includes(status);
  return [
    `| status | ${actions.map((a) => ORDER_ACTION_TERMS[a].action).join(' | ')} |`,
    `|---|${actions.map(() => ':-:').join('|')}|`,
    ...ORDER_STATUSES.map((status) => `| \`${status}\` | ${actions.map((a) => mark(fits(a, status))).join(' | ')} |`),
    '',
    ...actions.map((a) => `- ${ORDER_ACTION_TERMS[a].action} (${ORDER_ACTION_TERMS[a].who}): ${ORDER_ACTION_TERMS[a].more}.`),
  ].join('\n');
}

/** Which complaint action fits which complaint status (domain COMPLAINT_ACTION_FITS, the table the complaint workflow refuses by). */
export function complaintActionTable(): string {
  const buyer = { reply: '`replies` (buyer)', confirm: '`confirm` (buyer)' } as const;
  const fitsBuyer = (step: keyof typeof COMPLAINT_BUYER_FITS, status: ComplaintStatus) => (COMPLAINT_BUYER_FITS[step] as readonly ComplaintStatus[]).includes(status);
  return [
    `| status | ${COMPLAINT_ACTIONS.map((a) => `\`${a}\``).join(' | ')} | ${buyer.reply} | ${buyer.confirm} |`,
    `|---|${[...COMPLAINT_ACTIONS, 'reply', 'confirm'].map(() => ':-:').join('|')}|`,
    ...COMPLAINT_STATUSES.map(
      (status) =>
        `| \`${status}\` | ${COMPLAINT_ACTIONS.map((a) => mark(COMPLAINT_ACTION_FITS[a].includes(status))).join(' | ')} | ${mark(fitsBuyer('reply', status))} | ${mark(fitsBuyer('confirm', status))} |`,
    ),
    '',
    'Agents act with `POST /v1/complaints/{complaintId}/actions` `{action, note?}`; `reject` needs a note. While a remedy (`resolve_replace`, `resolve_refund`) is under way at the order, every other action answers 409 until its outcome lands. A buyer has at most MAX_COMPLAINT_REPLIES replies and MAX_REOPENS reopens (then the complaint is escalated).',
  ].join('\n');
}

/** The storefront webhook: where it goes, what it carries, how to verify it. */
export function webhookGuide(): string {
  return [
    'When `STOREFRONT_WEBHOOK_URL` is set, kamiflow POSTs each order, complaint and stock event there as JSON; a storefront with its own entry in `STOREFRONT_WEBHOOKS` (keyed by its API key\'s name) gets the events of the orders it created there instead, signed with its own secret. Every event is also kept in the database (the outbox) and shows in the order\'s timeline; a key\'s code is never in one.',
    '',
    '- **Body** of an order or complaint event: `{"eventId", "type", "orderId", "complaintId"?, "status", "at"}`; `status` is the order\'s (the complaint\'s for `complaint.*`). A stock event: `{"eventId", "type", "sku", "available", "at"}`.',
    "- **Signature**, two ways with the same secret (`STOREFRONT_WEBHOOK_SECRET`, or the storefront's own). [Standard Webhooks](https://www.standardwebhooks.com): `webhook-id` (the `eventId`), `webhook-timestamp` (unix seconds, when this attempt was sent) and `webhook-signature: v1,<base64 HMAC-SHA256 of \"<id>.<timestamp>.<body>\">`. Its libraries verify it, and refuse a timestamp more than 5 minutes off: give them the secret as `whsec_<base64>`, which is the secret itself when it is written so, else `whsec_` + the base64 of its UTF-8 bytes:",
    '',
    '  ```js',
    "  const { Webhook } = require('standardwebhooks');",
    "  const wh = new Webhook('whsec_' + Buffer.from(secret, 'utf8').toString('base64')); // or the whsec_ secret as it is",
    '  const event = wh.verify(rawBody, req.headers); // throws WebhookVerificationError',
    '  ```',
    "  And `X-Signature: sha256=<hex HMAC-SHA256 of the exact body bytes>`, keyed by the secret as written, for receivers built before (kept for one release). Verify either over the raw body before parsing it, in constant time:",
    '',
    '  ```js',
    "  const expected = 'sha256=' + crypto.createHmac('sha256', secret).update(rawBody).digest('hex');",
    "  const ok = header.length === expected.length && crypto.timingSafeEqual(Buffer.from(header), Buffer.from(expected));",
    '  ```',
    '  ```python',
    "  expected = 'sha256=' + hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()",
    '  ok = hmac.compare_digest(header, expected)',
    '  ```',
    '  docs/webhooks.md says more.',
    '- **Delivery**: answer 2xx once you have it. Any other answer, a timeout (`OUTBOUND_HTTP_TIMEOUT`) or a connection error is retried with backoff (up to 10 minutes apart) until a 2xx, for 3 days at most (then the outbox keeps it as `expired`, counted by `kamiflow_storefront_webhooks_expired`); a 4xx other than 408, 409, 425 and 429 says the event itself is wrong, so it is not retried (the outbox keeps it as `refused`, counted by `kamiflow_storefront_webhooks_refused`). An event may arrive more than once and events may arrive out of order: deduplicate by `eventId` and order by `at`, or read the order view.',
    '',
    '| type | sent when |',
    '|---|---|',
    ...WEBHOOK_EVENTS.map((e) => `| \`${e.type}\` | ${e.when} |`),
  ].join('\n');
}

/** The whole guide, shown at the top of /docs. */
export function apiGuide(): string {
  return [
    'Card-key orders and their complaints as durable Temporal workflows: every paid order ends with its keys delivered or its money back, exactly once.',
    '',
    '## Who calls what',
    '- **Staff** send `Authorization: Bearer <api key>` (keys from `API_KEYS`, `role:name:secret`; roles `admin`, `storefront`, `agent`, `ops`; admin may do everything). A storefront sees, cancels and is notified about only the orders it created.',
    "- **Buyers** have no key: they send `X-Order-Token: <orderToken>` (returned when their order was created). It opens that order and its complaints only. A page waiting for the keys asks `GET /v1/orders/{orderId}/keys?wait=20`, answered the moment they are delivered (or with 409 after 20 s), rather than polling the order.",
    '- **Payment providers** sign their notices (the generic notice: `X-Signature`, or Standard Webhooks headers; each rail its own scheme).',
    '- Each operation below says who may call it (`x-callers`), and lists every error it can answer with what causes it.',
    '',
    '## Errors',
    'Every error is `{"error": {"code", "message", "details": [{"path", "reason"}]}}` (a 409 may add fields, such as `rejectedKeys`). Bad input is never a 500. Before any route, the HTTP server answers 400 to a request that is not valid HTTP/1.1, 408 to one that does not arrive in time, and 431 to headers over 16 KB, in the same shape.',
    '',
    '| status | code | meaning |',
    '|---|---|---|',
    ...ERROR_CODES.map((e) => `| ${e.status} | \`${e.code}\` | ${e.meaning} |`),
    '',
    '## Retrying an action',
    `A human action (cancel, refund request and decision, filing a complaint and every step on it, a key import) may be sent again safely only under the same key. ${ACTION_RETRIES} Send a new key for each thing the person means to do, and reuse it only to retry that one request (a timeout, a lost answer, a 503). The console and \`npx kamiflow\` do so.`,
    '',
    '## Which order action fits which status',
    'Anything else answers 409 `conflict` naming the status, and changes nothing.',
    '',
    orderActionTable(),
    '',
    '## Which complaint action fits which status',
    complaintActionTable(),
    '',
    '## Webhooks to the storefront',
    webhookGuide(),
    '',
    '## Operations',
    '`GET /v1/ops/stuck` lists orders sitting in a working status, with the activity they wait on and its attempts; the Temporal UI filters orders by the search attributes `OrderStatus` and `Sku`. An order\'s live view is also its workflow\'s `orderView` query: `temporal workflow query --workflow-id order-<orderId> --type orderView`. `/metrics` is Prometheus text.',
    '',
    '## Configuration',
    configurationReference(),
  ].join('\n');
}
