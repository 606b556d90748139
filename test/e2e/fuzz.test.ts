import fc from 'fast-check';
import type { ZodTypeAny } from 'zod';
import { sign } from '../../security/signature';
import { capturedLogs } from '../support/harness';
import { productWithShop } from '../support/orders';
import { sendRaw, type RawAnswer, type RawRequest } from '../support/rawHttp';
import { actingBodies, CALLERS, callerHeaders, expectedAnswer, fixtureIds, requestPath, routeFixture, RULES, type Caller, type RouteFixture } from '../support/routeRules';
import { routeKey, routeSchemas, servedRoutes, type RouteSchemas, type ServedRoute } from '../support/routeTable';
import { settledState, stateChanges } from '../support/state';

/*
 * Property-based fuzzing of every route the API serves (read from express's route table), through
 * real HTTP against the real worker, dev server and store. Each route is called as someone it lets
 * in, so the requests reach its validation, with generated hostile input: bodies of wrong types,
 * missing and unknown fields, prototype-pollution keys, huge strings and bodies, deep nesting,
 * unicode and control characters, numbers out of range, broken JSON and bytes; hostile query
 * strings and path ids; wrong, duplicated and oversized headers; bad and replayed signatures.
 * Every body is one the route's own schema refuses, so nothing may change.
 *
 * For each answer: never a 5xx, and every 4xx in the contract's shape, a 400 or 415 naming the
 * field. After all of them: the store and every workflow history exactly as before, no prototype
 * polluted, and the API still answering.
 */

/** Requests in all; KAMIFLOW_FUZZ_REQUESTS scales a local run up or down. */
const TOTAL = Number(process.env.KAMIFLOW_FUZZ_REQUESTS ?? 10_000);
/** Requests of one generated case, sent at once (the API sees them concurrently). */
const BATCH = 8;
const MB = 1024 * 1024;

// ── Hostile pieces, as JSON text (so `__proto__` stays a key and 1e999 stays a number) ──────────

const text = (s: string) => JSON.stringify(s);
const nested = (depth: number, open: string, close: string, inner = '1') => open.repeat(depth) + inner + close.repeat(depth);

const hostileStrings = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '\u0000',
      '\u0007\u001b[2J',
      '\r\n\r\nHTTP/1.1 200 OK',
      '\u202eRTL',
      '\ufeffBOM',
      '𝕏🙂👩‍👩‍👧',
      '卡密',
      '<script>alert(1)</script>',
      "' OR '1'='1",
      '{"$gt":""}',
      '$where',
      '__proto__',
      'constructor',
      '../../etc/passwd',
      'null',
      'NaN',
      'Infinity',
      '-0',
      '1e309',
      '2026-02-30',
      '9999-99',
      '0000-00-00T00:00:00Z',
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 2_001, max: 70_000 }).map((n) => 'x'.repeat(n)) },
);

const hostileNumbers = fc.oneof(
  fc.constantFrom('-0', '1e308', '-1e308', '1e999', '-1e999', '9007199254740993', '-9007199254740993', '0.5', '-1', '1e-300', '4294967296', '11', '0', '100001'),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => JSON.stringify(x)),
  fc.integer().map(String),
);

const hostileKeys = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__', '$gt', '$where', '', ' ', 'a.b', 'polluted'),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

/** A JSON value of any hostile kind, as text. */
const hostileJson: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: hostileStrings.map(text) },
  { weight: 3, arbitrary: hostileNumbers },
  { weight: 1, arbitrary: fc.constantFrom('true', 'false', 'null', '[]', '{}', '"\\ud800"', '"\\u0000"') },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null') },
  {
    weight: 1,
    arbitrary: fc
      .tuple(hostileKeys, fc.jsonValue({ maxDepth: 2 }))
      .map(([k, v]) => `{${text(k)}:${JSON.stringify(v) ?? 'null'},"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}`),
  },
  { weight: 1, arbitrary: fc.integer({ min: 10, max: 20_000 }).map((d) => nested(d, '[', ']')) },
  { weight: 1, arbitrary: fc.integer({ min: 10, max: 20_000 }).map((d) => nested(d, '{"a":', '}')) },
);

type Entries = [string, string][];
const objectText = (entries: Entries) => `{${entries.map(([k, v]) => `${text(k)}:${v}`).join(',')}}`;
const entriesOf = (body: object): Entries => Object.entries(body).map(([k, v]) => [k, JSON.stringify(v)]);

/** Bodies near a route's acting body: one field wrong, one unknown key, one field gone, or a nested field wrong. */
function nearBodies(base: Record<string, unknown>): fc.Arbitrary<string> {
  const entries = entriesOf(base);
  const keys = Object.keys(base);
  const objectKeys = keys.filter((k) => typeof base[k] === 'object' && base[k] !== null && !Array.isArray(base[k]));
  const choices: fc.Arbitrary<string>[] = [
    fc.tuple(fc.constantFrom(...keys), hostileJson).map(([key, value]) => objectText(entries.map(([k, v]) => [k, k === key ? value : v]))),
    fc.tuple(hostileKeys, hostileJson).map(([key, value]) => objectText([...entries, [key, value]])),
    fc.constantFrom(...keys).map((key) => objectText(entries.filter(([k]) => k !== key))),
    fc.tuple(hostileKeys, hostileJson).map(([key, value]) => `{${text(key)}:${value},${objectText(entries).slice(1)}`),
  ];
  if (objectKeys.length > 0) {
    choices.push(
      fc.tuple(fc.constantFrom(...objectKeys), hostileKeys, hostileJson).map(([outer, key, value]) =>
        objectText(entries.map(([k, v]) => [k, k === outer ? objectText([...entriesOf(base[outer] as object), [key, value]]) : v])),
      ),
    );
  }
  return fc.oneof(...choices);
}

/** The raw body: near the acting body, any hostile JSON, broken JSON, bytes, or something too big. */
function bodies(base: Record<string, unknown> | undefined): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: base ? 50 : 0, arbitrary: base ? nearBodies(base).map((t) => Buffer.from(t)) : fc.constant(Buffer.alloc(0)) },
    { weight: 20, arbitrary: hostileJson.map((t) => Buffer.from(t)) },
    { weight: 5, arbitrary: fc.constantFrom('{', '{"a":}', "{'a':1}", '{"a":1,}', 'undefined', 'NaN', '\u0000', '', ' ', '{"a":"\\x"}', '[1,2').map((t) => Buffer.from(t)) },
    { weight: 5, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)) },
    { weight: 5, arbitrary: fc.constantFrom(Buffer.from([0xff, 0xfe, 0x7b, 0x7d]), Buffer.from('{"a":"\xff\xfe"}', 'latin1')) },
    // Over every route's limit (256 kB; 8 MB for a key import).
    { weight: 1, arbitrary: fc.constantFrom(3 * MB, 9 * MB).map((n) => Buffer.from(`{"keys":[${text('K'.repeat(n))}]}`)) },
  );
}

/** Percent-encoded UTF-8 (lone surrogates become U+FFFD), or as it is when it is plain enough to send raw. */
const encoded = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9._~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0').toUpperCase()}`)).join('');
const brokenEncodings = fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '%2e%2e', '%2F', '%C0%AF', '%ff');

/** A path id: well-formed but unknown, too long, odd characters, or broken percent-encoding. */
const hostileIds = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/).map(encoded),
  hostileStrings.filter((s) => s.length < 3_000).map(encoded),
  fc.constantFrom('..', '.', '__proto__', 'constructor', 'x'.repeat(65)).map(encoded),
  brokenEncodings,
);

/** A query string of hostile pairs: the route's own keys with bad values, unknown and bracketed keys, repeats. */
function queries(schema: ZodTypeAny | undefined): fc.Arbitrary<string> {
  const own = schema && 'shape' in schema ? Object.keys((schema as unknown as { shape: object }).shape) : [];
  const keys = fc.oneof(
    ...(own.length ? [fc.constantFrom(...own), fc.constantFrom(...own).map((k) => `${k}[]`), fc.constantFrom(...own).map((k) => `${k}[$ne]`)] : []),
    fc.constantFrom('__proto__[polluted]', 'constructor[prototype][polluted]', '__proto__', 'a[b][c][d][e][f]', 'a[]', 'a[999999]'),
    hostileKeys.filter((k) => k.length > 0),
  );
  const values = fc.oneof(hostileStrings.filter((s) => s.length < 10_000), hostileNumbers);
  const pair = fc.oneof(
    { weight: 6, arbitrary: fc.tuple(keys, values).map(([k, v]) => `${encoded(k)}=${encoded(v)}`) },
    { weight: 1, arbitrary: fc.tuple(keys, brokenEncodings).map(([k, v]) => `${encoded(k)}=${v}`) },
    { weight: 1, arbitrary: keys.map(encoded) },
  );
  return fc.array(pair, { maxLength: 6 }).map((pairs) => (pairs.length ? `?${pairs.join('&')}` : ''));
}

/** Header values the client can send: Latin-1 without control characters. */
const headerValue = (s: string) => Buffer.from(s, 'utf8').toString('latin1').replace(/[\x00-\x08\x0a-\x1f\x7f]/g, '');

const contentTypes = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      undefined,
      '',
      'application/json; charset=utf-8',
      'application/json; charset=utf-16',
      'application/json; charset=bogus',
      'application/json; charset=latin1',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json, text/plain',
      '*/*',
      'application/vnd.api+json',
    ),
  },
);

/** Extra headers: repeated auth and tokens, bad idempotency keys and signatures, odd encodings, one too large. */
const extraHeaders = fc.array(
  fc.oneof(
    { weight: 15, arbitrary: fc.tuple(fc.constantFrom('x-order-token', 'authorization', 'x-signature', 'webhook-id', 'webhook-timestamp', 'webhook-signature', 'idempotency-key', 'x-forwarded-for', 'accept', 'cookie', 'content-type', 'x-http-method-override'), hostileStrings.filter((s) => s.length < 8_000)) },
    { weight: 5, arbitrary: fc.constantFrom<[string, string]>(['idempotency-key', 'k'.repeat(300)], ['authorization', 'Bearer'], ['authorization', 'Basic YTpi'], ['x-signature', 'sha256=' + '0'.repeat(64)], ['x-signature', 'SHA256=XYZ'], ['webhook-signature', `v1,${'A'.repeat(43)}=`], ['webhook-timestamp', '9'.repeat(30)]) },
    { weight: 5, arbitrary: fc.constantFrom<[string, string]>(['content-encoding', 'gzip'], ['content-encoding', 'deflate'], ['content-encoding', 'br'], ['content-encoding', 'x-bogus'], ['content-encoding', 'identity']) },
    { weight: 1, arbitrary: fc.constant<[string, string]>(['x-padding', 'p'.repeat(20_000)]) },
  ),
  { maxLength: 3 },
);

interface Target {
  route: ServedRoute;
  key: string;
  callers: Caller[];
  schemas: RouteSchemas;
  base?: Record<string, unknown>;
}

/** Why an answer breaks the contract, or undefined. */
function contractBreach(answer: RawAnswer): string | undefined {
  if (answer.status >= 500) return `a ${answer.status}`;
  if (answer.status < 400) return undefined;
  let body: any;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return `a ${answer.status} that is not JSON`;
  }
  const error = body?.error;
  if (typeof error?.code !== 'string' || typeof error?.message !== 'string' || !Array.isArray(error?.details)) return `a ${answer.status} not in the error shape`;
  if (!error.details.every((d: any) => typeof d?.path === 'string' && d.path !== '' && typeof d?.reason === 'string' && d.reason !== '')) return `a ${answer.status} with a detail naming no field or reason`;
  if ((answer.status === 400 || answer.status === 415) && error.details.length === 0) return `a ${answer.status} naming no field`;
  return undefined;
}

describe('fuzzing every route with hostile requests', () => {
  const ctx = productWithShop();
  let fixture: RouteFixture;
  let targets: Target[];

  beforeAll(async () => {
    fixture = await routeFixture(ctx.shop, 'fuzz-card');
    const schemas = routeSchemas();
    const acting = actingBodies(fixture.sku, fixture.unpaid);
    targets = servedRoutes(ctx.product.api.app).map((route) => {
      const key = routeKey(route);
      const rule = RULES[key];
      if (!rule) throw new Error(`${key} has no rule in test/support/routeRules.ts`);
      const let_in = CALLERS.filter((c) => expectedAnswer(rule, c) === 'pass');
      // The rails that are off let nobody in: they are fuzzed as anyone.
      return { route, key, callers: let_in.length ? let_in : ['anonymous'], schemas: schemas.get(key) ?? {}, base: acting[key] as Record<string, unknown> | undefined };
    });
  });

  it(`answers ${TOTAL} hostile requests over every route with no 5xx, every 4xx in the contract's shape, and changes nothing`, async () => {
    const { product } = ctx;
    const secret = product.config.paymentWebhookSecret;
    const headersOf = callerHeaders(fixture);
    const ids = fixtureIds(fixture);
    const logsBefore = capturedLogs.length;
    const before = await settledState(product.store, product.client, product.config.temporal.taskQueue);
    const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    let sent = 0;
    const statuses = new Map<number, number>();
    const runsPerRoute = Math.ceil(TOTAL / (targets.length * BATCH));

    for (const target of targets) {
      const { route, schemas, base } = target;
      const method = route.method === 'USE' ? 'GET' : route.method;
      // As the route reads it: no body is {}, a leading byte-order mark is dropped.
      const takes = (raw: Buffer): boolean => {
        if (!schemas.body) return false;
        try {
          return schemas.body.safeParse(raw.length === 0 ? {} : JSON.parse(raw.toString('utf8').replace(/^\ufeff/, ''))).success;
        } catch {
          return false;
        }
      };
      const requests: fc.Arbitrary<RawRequest & { caller: Caller }> = fc
        .record({
          caller: fc.constantFrom(...target.callers),
          params: fc.dictionary(fc.constantFrom(...Object.keys(ids)), hostileIds, { maxKeys: 1 }),
          query: queries(schemas.query),
          body: bodies(base).filter((raw) => !takes(raw)),
          contentType: contentTypes,
          extra: extraHeaders,
          signature: fc.constantFrom('signed', 'signed', 'signed', 'replayed', 'none'),
        })
        .map(({ caller, params, query, body, contentType, extra, signature }) => {
          const path = requestPath(route, RULES[target.key], (p) => p.replace(/:(\w+)/g, (_, name: string) => params[name] ?? encoded(ids[name])));
          const withBody = method !== 'GET';
          const headers: [string, string][] = Object.entries(headersOf[caller]);
          if (caller === 'provider' && signature !== 'none') {
            // A replayed signature: one the provider really sent, for other bytes.
            headers.push(['x-signature', sign(signature === 'signed' ? body : Buffer.from(JSON.stringify(base ?? {})), secret)]);
          }
          if (withBody && contentType !== undefined) headers.push(['content-type', contentType]);
          for (const [name, value] of extra) headers.push([name, headerValue(value)]);
          return { caller, method, target: `${path}${query}`, headers, ...(withBody ? { body } : {}) };
        });

      const run = await fc.check(
        fc.asyncProperty(fc.array(requests, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
          const answers = await Promise.all(batch.map((req) => sendRaw(product.api.url, req).catch((err: Error) => err)));
          sent += batch.length;
          for (const [i, answer] of answers.entries()) {
            const req = batch[i];
            const shown = `${req.method} ${req.target.slice(0, 300)} as ${req.caller}, headers ${JSON.stringify(req.headers.map(([k, v]) => [k, v.slice(0, 100)]))}, body ${req.body?.subarray(0, 300).toString('utf8')}`;
            if (answer instanceof Error) throw new Error(`no answer (${answer.message}) to ${shown}`);
            statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
            // Every body is one the route's schema refuses: a write taken (or refused for the order's state) passed it.
            const taken = schemas.body && method !== 'GET' && (answer.status < 300 || answer.status === 409);
            const breach = taken ? `a body the route's schema refuses was taken (${answer.status})` : contractBreach(answer);
            if (breach) throw new Error(`${breach}: ${answer.text.slice(0, 300)} for ${shown}`);
          }
        }),
        { numRuns: runsPerRoute, endOnFailure: true },
      );
      // The failing request alone (fast-check's own report prints the whole batch, megabytes of it).
      if (run.failed) throw new Error(`${target.key}: ${String((run.errorInstance as Error | undefined)?.message)} (seed ${run.seed})`);
    }

    expect(sent).toBeGreaterThanOrEqual(TOTAL);
    // Requests reached the routes' validation and their guards, not one kind of refusal only.
    expect(statuses.get(400)).toBeGreaterThan(TOTAL / 4);
    expect([...statuses.keys()].sort()).toEqual(expect.arrayContaining([200, 400, 401, 404, 413, 415]));
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Nothing failed on our side (a 5xx is logged as "request failed").
    expect(capturedLogs.slice(logsBefore).filter((line) => line.includes('request failed'))).toEqual([]);
    expect((await fetch(`${product.api.url}/healthz`)).status).toBe(200);
    const after = await settledState(product.store, product.client, product.config.temporal.taskQueue);
    expect(stateChanges(before, after)).toEqual([]);
    expect(after).toEqual(before);
  }, 600_000);

  describe('what fuzzing found, kept as plain cases', () => {
    const send = (req: RawRequest) => sendRaw(ctx.product.api.url, req);
    const admin: [string, string] = ['authorization', 'Bearer dev-admin-key'];
    const put = (headers: [string, string][], body: string) => send({ method: 'PUT', target: '/v1/products/fuzz-found', headers: [admin, ...headers], body: Buffer.from(body) });

    it('answers headers over 16 KB with 431 in the error shape, naming the headers', async () => {
      const answer = await send({ method: 'GET', target: '/healthz', headers: [['x-padding', 'p'.repeat(20_000)]] });
      expect(answer.status).toBe(431);
      expect(JSON.parse(answer.text).error).toMatchObject({ code: 'invalid_request', details: [{ path: 'headers', reason: expect.stringContaining('16 KB') }] });
    });

    it('answers a content encoding or a charset it does not take with 415 naming the header', async () => {
      const body = JSON.stringify({ name: 'x', price: { amount: 1, currency: 'CNY' } });
      const brotli = await put([['content-type', 'application/json'], ['content-encoding', 'br']], body);
      expect(brotli.status).toBe(415);
      expect(JSON.parse(brotli.text).error.details).toEqual([{ path: 'Content-Encoding', reason: 'must be gzip, deflate or identity (or absent)' }]);
      for (const charset of ['latin1', 'utf-16']) {
        const answer = await put([['content-type', `application/json; charset=${charset}`]], body);
        expect(answer.status).toBe(415);
        expect(JSON.parse(answer.text).error.details).toEqual([{ path: 'Content-Type', reason: `names the charset "${charset}"; only utf-8 is taken` }]);
      }
      expect((await put([['content-type', 'application/json; charset=UTF-8']], body)).status).toBe(200);
      // One byte "in UTF-16" decodes to nothing: it must not become an empty body (a cancel with no reason).
      const nul = await send({ method: 'POST', target: `/v1/orders/${fixture.delivered.orderId}/cancel`, headers: [['x-order-token', fixture.delivered.orderToken], ['content-type', 'application/json; charset=utf-16']], body: Buffer.from([0]) });
      expect(nul.status).toBe(415);
      const garbled = await put([['content-type', 'application/json'], ['content-encoding', 'gzip']], body);
      expect(garbled.status).toBe(400);
      expect(JSON.parse(garbled.text).error.details).toEqual([{ path: '(body)', reason: expect.any(String) }]);
    });

    it('names an unknown field whose name is empty', async () => {
      const answer = await put([['content-type', 'application/json']], JSON.stringify({ name: 'x', price: { amount: 1, currency: 'CNY' }, '': 1 }));
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.text).error.details).toEqual([{ path: '""', reason: 'is not a known field' }]);
    });

    it('creates nothing when anyone reads the report of a month nobody folded', async () => {
      const collections = async () => (await ctx.product.store.connection.db!.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
      const before = await collections();
      for (const month of ['1970-01', '2999-12', '0001-01']) {
        const answer = await send({ method: 'GET', target: `/v1/public/complaint-report?month=${month}`, headers: [] });
        expect({ month, status: answer.status }).toEqual({ month, status: 200 });
      }
      expect(await collections()).toEqual(before);
    });
  });
});
