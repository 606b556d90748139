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

export async function call(method, path, body, { auth = true } = {}) {
  const headers = {};
  if (auth && session.key()) headers.authorization = `Bearer ${session.key()}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
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
export const put = (path, body) => call('PUT', path, body).then((a) => a.body);

/** A query string from the fields that have a value. */
export function query(fields) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
