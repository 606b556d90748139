import { OpenApiGeneratorV3, OpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import * as s from './schemas';

import { z } from './schemas';
type Method = RouteConfig['method'];

/** The API described from the same zod schemas the routes validate with. */
export function buildOpenApi(): object {
  return new OpenApiGeneratorV3(describeApi().definitions).generateDocument({
    openapi: '3.0.3',
    info: {
      title: 'kamiflow',
      version: '1.0.0',
      description: 'Card-key orders and disputes as durable Temporal workflows. Errors: {"error": {code, message, details}}.',
    },
  });
}

/** Each route with the zod schemas of its parameters, query and body (the tests fuzz routes from these). */
export function describeApi(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'apiKey', { type: 'http', scheme: 'bearer' });
  const orderToken = registry.registerComponent('securitySchemes', 'orderToken', { type: 'apiKey', in: 'header', name: 'X-Order-Token' });
  const signature = registry.registerComponent('securitySchemes', 'paymentSignature', { type: 'apiKey', in: 'header', name: 'X-Signature' });
  const staff = [{ [bearer.name]: [] }];
  const buyer = [{ [orderToken.name]: [] }];
  const errors = Object.fromEntries(
    [
      ['400', 'invalid request: details name each bad field'],
      ['401', 'no valid API key, order token or signature'],
      ['403', 'the caller may not do this'],
      ['404', 'no such resource'],
      ['409', 'the action does not fit the current state'],
      ['413', 'the body is larger than this route takes'],
      ['415', 'the body is not sent as application/json'],
      ['429', 'too many requests (or wrong order tokens) from this address'],
      ['503', 'Temporal or the database is unreachable'],
    ].map(([code, description]) => [code, { description, content: { 'application/json': { schema: s.ErrorBody } } }]),
  );
  const json = (schema: z.ZodTypeAny, description = 'OK') => ({ description, content: { 'application/json': { schema } } });
  const body = (schema: z.ZodTypeAny) => ({ body: { content: { 'application/json': { schema } } } });
  const skuParam = z.object({ sku: s.Sku });
  const orderParam = z.object({ orderId: s.OrderId });

  const route = (method: Method, path: string, summary: string, extra: Partial<RouteConfig>, ok: Record<string, unknown>) =>
    registry.registerPath({ method, path, summary, ...extra, responses: { ...ok, ...errors } as RouteConfig['responses'] });

  route('put', '/v1/products/{sku}', 'Create or change a product (admin)', { security: staff, request: { params: skuParam, ...body(s.ProductInput) } }, { 200: json(s.Product) });
  route('get', '/v1/me', 'Who the API key is: its role and name (any staff key)', { security: staff }, { 200: json(s.Me) });
  route('get', '/v1/products', 'Every product with its stock counts (admin, agent, ops)', { security: staff }, { 200: json(s.ProductList) });
  route('get', '/v1/products/{sku}', 'A product with its stock counts', { security: staff, request: { params: skuParam } }, { 200: json(s.Product) });
  route('post', '/v1/products/{sku}/keys', 'Import key codes; waiting orders are offered the new stock (admin)', { security: staff, request: { params: skuParam, ...body(s.KeyImport) } }, { 200: json(s.KeyImportResult) });
  route('post', '/v1/orders', 'Start an order (storefront); Idempotency-Key header supported', { security: staff, request: { ...body(s.CreateOrder), headers: z.object({ 'Idempotency-Key': z.string().optional() }) } }, { 201: json(s.OrderCreated, 'created'), 200: json(s.OrderCreated, 'the same order, replayed by Idempotency-Key') });
  route('get', '/v1/orders', "Orders, newest first, filtered by status, sku, buyer email and creation date; status=REFUND_REQUESTED is the agents' refund queue, oldest first; cursor pagination (storefront: its own orders; agent, ops, admin: all)", { security: staff, request: { query: s.OrderListQuery } }, { 200: json(s.OrderList) });
  route('get', '/v1/orders/{orderId}', 'The order view', { security: [...staff, ...buyer], request: { params: orderParam } }, { 200: json(s.OrderView) });
  route('get', '/v1/orders/{orderId}/keys', "The buyer's delivered key codes", { security: buyer, request: { params: orderParam } }, { 200: json(s.OrderKeys) });
  route('post', '/v1/orders/{orderId}/cancel', 'Cancel an unpaid order', { security: [...staff, ...buyer], request: { params: orderParam, ...body(s.CancelOrder) } }, { 200: json(s.StatusAnswer) });
  route('post', '/v1/orders/{orderId}/refund-request', 'The buyer asks for a refund inside the refund window', { security: buyer, request: { params: orderParam, ...body(s.RefundRequest) } }, { 202: json(s.StatusAnswer, 'accepted') });
  route('post', '/v1/orders/{orderId}/refund-decision', "An agent decides a pending refund request", { security: staff, request: { params: orderParam, ...body(s.RefundDecision) } }, { 200: json(s.StatusAnswer) });
  route('post', '/v1/payments/notify', 'Payment provider notice, signed with HMAC-SHA256 over the raw body', { security: [{ [signature.name]: [] }], request: body(s.PaymentNotice) }, { 200: json(z.object({ received: z.boolean() })) });
  route('get', '/v1/ops/stuck', 'Orders sitting in a working status longer than olderThan (ops, agent)', { security: staff, request: { query: s.StuckQuery } }, { 200: json(z.object({ items: z.array(s.StuckOrder) })) });
  const complaintParam = z.object({ complaintId: s.ComplaintId });
  route('post', '/v1/orders/{orderId}/complaints', 'The buyer files a complaint on a paid order inside its complaint window', { security: buyer, request: { params: orderParam, ...body(s.FileComplaint) } }, { 201: json(s.ComplaintFiled, 'filed') });
  route('get', '/v1/complaints', "The agents' queue, oldest deadline first; cursor pagination (agent, ops)", { description: 'Lists the complaints not yet CLOSED unless status=CLOSED asks for the closed ones.', security: staff, request: { query: s.ComplaintQueueQuery } }, { 200: json(s.ComplaintQueue) });
  route('get', '/v1/complaints/{complaintId}', 'The complaint view (agent, ops, or the buyer)', { security: [...staff, ...buyer], request: { params: complaintParam } }, { 200: json(s.ComplaintView) });
  route('post', '/v1/complaints/{complaintId}/actions', "An agent's action on a complaint", { security: staff, request: { params: complaintParam, ...body(s.ComplaintActionInput) } }, { 200: json(s.ComplaintView, 'done: the complaint view'), 202: json(s.RemedyPending, 'a remedy still under way at the order') });
  route('post', '/v1/complaints/{complaintId}/replies', "The buyer's reply", { security: buyer, request: { params: complaintParam, ...body(s.ComplaintReply) } }, { 200: json(s.ComplaintView) });
  route('post', '/v1/complaints/{complaintId}/confirm', 'The buyer confirms a resolution: satisfied closes it, not satisfied reopens it', { security: buyer, request: { params: complaintParam, ...body(s.ComplaintConfirm) } }, { 200: json(s.ComplaintView) });
  route('get', '/v1/reports/complaints', 'The complaint ranking for a period, worst first (agent, ops, admin)', { security: staff, request: { query: s.ReportQuery } }, { 200: json(s.ComplaintReport) });
  route('get', '/v1/public/complaint-report', "The month's complaint handling as the shop publishes it; no auth, limited per address; no order ids, emails or codes", { request: { query: s.PublicReportQuery } }, { 200: json(s.PublicComplaintReport) });
  route('post', '/v1/public/complaint-report/notes', "The shop's note on what it improved, published with that month's report (admin)", { security: staff, request: body(s.ReportNoteInput) }, { 201: json(s.ReportNote, 'added') });
  for (const [path, summary] of [['/healthz', 'The process is up'], ['/readyz', 'Temporal and the database answer'], ['/metrics', 'Prometheus metrics']]) {
    registry.registerPath({ method: 'get', path, summary, responses: { 200: { description: 'OK' }, 503: { description: 'not ready' } } });
  }

  return registry;
}
