// Every call the pages make goes through here, to the public API, with the signed-in key.
// The key lives in sessionStorage only: it is gone when the browser tab closes.
const KEY = 'kamiflow.apiKey';
/** The merchant a platform key acts for (the X-Merchant header); none: the API's `default`. */
const MERCHANT = 'kamiflow.merchant';

/** The first shop: incidents are its alone in this release (the API answers 404 to other merchants). */
export const FIRST_SHOP = 'default';

export const session = {
  key: () => sessionStorage.getItem(KEY),
  signIn: (key) => {
    sessionStorage.removeItem(MERCHANT);
    sessionStorage.setItem(KEY, key);
  },
  signOut: () => {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(MERCHANT);
  },
  merchant: () => sessionStorage.getItem(MERCHANT),
  actFor: (merchantId) => (merchantId ? sessionStorage.setItem(MERCHANT, merchantId) : sessionStorage.removeItem(MERCHANT)),
};

/** The signed-in key and, for a platform key, the merchant it acts for. */
function authHeaders() {
  const headers = {};
  if (session.key()) headers.authorization = `Bearer ${session.key()}`;
  if (session.key() && session.merchant()) headers['x-merchant'] = session.merchant();
  return headers;
}

/** An answer other than 2xx, in the contract's error shape. */
export class ApiError extends Error {
  constructor(status, body) {
    const error = body && body.error ? body.error : { code: String(status), message: typeof body === 'string' ? body : `HTTP ${status}` };
    super(error.message);
    this.status = status;
    this.code = error.code;
    this.details = error.details || [];
  }
}

/**
 * A new Idempotency-Key. From getRandomValues, which every browser has; crypto.randomUUID exists only
 * in a secure context, and the console may be opened over plain http inside a shop's network.
 */
export function newIdempotencyKey() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A request under an Idempotency-Key that got no answer (the network) or a 503 is sent again after these pauses. */
const RESEND_AFTER_MS = [500, 1500];

export async function call(method, path, body, { auth = true, idempotencyKey, raw } = {}) {
  const headers = auth ? authHeaders() : {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (raw) headers['content-type'] = raw.type || 'application/octet-stream';
  if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
  const init = { method, headers, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)) };
  for (let attempt = 0; ; attempt++) {
    // Only a request with a key may be sent twice: the API answers the copy with the first outcome.
    const again = idempotencyKey && attempt < RESEND_AFTER_MS.length;
    let res;
    try {
      res = await fetch(path, init);
    } catch (err) {
      if (!again) throw err;
      await new Promise((r) => setTimeout(r, RESEND_AFTER_MS[attempt]));
      continue;
    }
    if (res.status === 503 && again) {
      await new Promise((r) => setTimeout(r, RESEND_AFTER_MS[attempt]));
      continue;
    }
    const text = await res.text();
    let data = text;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: keep the text */
    }
    if (!res.ok) throw new ApiError(res.status, data);
    return { status: res.status, body: data };
  }
}

/** POSTs under way, by what they ask: the same ask again before its answer is the same intent. */
const posting = new Map();

/**
 * A POST is one thing the person means to do: it goes under a fresh Idempotency-Key, kept for its
 * resends. The same path and body asked again while the first is under way (a double click) joins
 * it rather than acting twice; once answered, the same ask is a new intent with a new key.
 */
export function post(path, body) {
  const ask = `${path}\n${JSON.stringify(body)}`;
  const pending = posting.get(ask);
  if (pending) return pending;
  const sent = call('POST', path, body, { idempotencyKey: newIdempotencyKey() }).finally(() => posting.delete(ask));
  posting.set(ask, sent);
  return sent;
}

export const get = (path, options) => call('GET', path, undefined, options).then((a) => a.body);
/** A person's action (one click): a POST under its own Idempotency-Key (see post). */
export const act = post;
export const put = (path, body) => call('PUT', path, body).then((a) => a.body);
export const patch = (path, body) => call('PATCH', path, body).then((a) => a.body);
export const remove = (path) => call('DELETE', path).then((a) => a.body);

/** A file the API serves only to who may see it (evidence): fetched with the signed-in key, never by a bare link. */
export async function download(path) {
  const res = await fetch(path, { headers: authHeaders() });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
  return res.blob();
}

/** A file sent as the raw body, typed as the browser read it. */
export const upload = (path, file) => call('POST', path, undefined, { raw: file }).then((a) => a.body);

/** A query string from the fields that have a value. */
export function query(fields) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** A path segment, escaped. */
export const seg = encodeURIComponent;
