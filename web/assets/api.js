// Every call the pages make goes through here, to the public API, with the signed-in key.
// The key lives in sessionStorage only: it is gone when the browser tab closes.
const KEY = 'kamiflow.apiKey';

export const session = {
  key: () => sessionStorage.getItem(KEY),
  signIn: (key) => sessionStorage.setItem(KEY, key),
  signOut: () => sessionStorage.removeItem(KEY),
};

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
 * A call to the API. An action a person takes (`intent`) carries a fresh Idempotency-Key, made
 * when they click: a double click or a retry of that request is one action.
 */
export async function call(method, path, body, { auth = true, intent = false } = {}) {
  const headers = {};
  if (auth && session.key()) headers.authorization = `Bearer ${session.key()}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (intent) headers['idempotency-key'] = crypto.randomUUID();
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
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

export const get = (path, options) => call('GET', path, undefined, options).then((a) => a.body);
export const post = (path, body) => call('POST', path, body);
/** A person's action: one Idempotency-Key per click. */
export const act = (path, body) => call('POST', path, body, { intent: true });
export const put = (path, body) => call('PUT', path, body).then((a) => a.body);
export const patch = (path, body) => call('PATCH', path, body).then((a) => a.body);
export const remove = (path) => call('DELETE', path).then((a) => a.body);

/** A query string from the fields that have a value. */
export function query(fields) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** A path segment, escaped. */
export const seg = encodeURIComponent;
