import { randomBytes } from 'node:crypto';
import { sign } from '../../security/signature';
import { ApiClient, TWO_STOREFRONTS, type Answer } from '../support/http';
import { productWithShop } from '../support/orders';
import { actingBodies, CALLERS, callerHeaders, fixtureIds, requestPath, routeFixture, RULES, expectedAnswer, type Caller, type RouteFixture } from '../support/routeRules';
import { fillPath, routeKey, routeSchemas, servedRoutes, type ServedRoute } from '../support/routeTable';
import { settledState, stateChanges, type ProductState } from '../support/state';

/*
 * Who may call what, for every route the API serves (read from express's route table) and every
 * kind of caller, through HTTP against the real worker, dev server and store. Each route states its
 * rule as the contract gives it (test/support/routeRules.ts); the answer each caller must get
 * follows from the rule. A route with no rule fails the test, so a new route cannot ship without one.
 *
 * A caller who may pass is sent a body the route must refuse (an unknown field), so passing shows as
 * a 400 naming that field and nothing changes; a caller who may not is sent a body the route would
 * act on, so only the refusal stands between it and a change. After the whole matrix the store and
 * every workflow's history are as they were.
 */

/** The field every probe of a caller who may pass carries: no route takes it, so each must name it in a 400. */
const PROBE_FIELD = 'matrixProbe';
/** Routes whose body is a file (evidence), not JSON. */
const FILE_ROUTES = ['POST /v1/complaints/:complaintId/attachments'];

describe('the role × route authorization matrix', () => {
  const ctx = productWithShop(() => ({ API_KEYS: TWO_STOREFRONTS }));
  let routes: ServedRoute[];
  let fixture: RouteFixture;

  beforeAll(async () => {
    routes = servedRoutes(ctx.product.api.app);
    fixture = await routeFixture(ctx.shop, 'matrix-card');
  });

  it('has a rule for every route the API serves, and serves every route it has a rule for', () => {
    const served = routes.map(routeKey);
    expect(served.filter((key) => !(key in RULES))).toEqual([]);
    expect(Object.keys(RULES).filter((key) => !served.includes(key))).toEqual([]);
  });

  it('sends acting bodies the routes would take, so a refusal is what keeps them out', () => {
    const schemas = routeSchemas();
    // Routes that take a file, not JSON: refused probes carry JSON, which they answer 415 (see below). DELETE takes no body.
    const writing = routes.filter((r) => r.method === 'POST' || r.method === 'PUT' || r.method === 'PATCH').map(routeKey).filter((key) => !FILE_ROUTES.includes(key));
    const bodies = actingBodies(fixture.sku, fixture.unpaid);
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
    const headers = callerHeaders(fixture);
    const http = new ApiClient(product.api.url);
    const bodies = actingBodies(fixture.sku, fixture.unpaid);
    const ids = fixtureIds(fixture);
    const missing = { sku: 'no-such-sku', orderId: `noSuchOrder${randomBytes(4).toString('hex')}`, complaintId: `noSuchComplaint${randomBytes(4).toString('hex')}`, attachmentId: `noSuchFile${randomBytes(4).toString('hex')}` };
    const send = (route: ServedRoute, caller: Caller, values: Record<string, string>, body: unknown): Promise<Answer> => {
      const path = requestPath(route, RULES[routeKey(route)], (p) => fillPath(p, values));
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
        } else if (FILE_ROUTES.includes(key)) {
          // A route that takes a file refuses the JSON probe for its type, naming it.
          const details: { path: string }[] = answer.body?.error?.details ?? [];
          if (answer.status !== 415 || !details.some((d) => d.path === 'Content-Type')) wrong.push(`${seen}; expected 415 naming Content-Type`);
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
