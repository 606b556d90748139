import { sign } from '../../security/signature';

export interface Answer<T = any> {
  status: number;
  body: T;
}

/** Speak to the API as a storefront, an agent, ops, or a buyer with their order token. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  as(secret: string): ApiClient {
    return new ApiClient(this.baseUrl, { authorization: `Bearer ${secret}` });
  }

  buyer(orderToken: string): ApiClient {
    return new ApiClient(this.baseUrl, { 'x-order-token': orderToken });
  }

  with(headers: Record<string, string>): ApiClient {
    return new ApiClient(this.baseUrl, { ...this.headers, ...headers });
  }

  get<T = any>(path: string): Promise<Answer<T>> {
    return this.send('GET', path);
  }
  post<T = any>(path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
    return this.send('POST', path, body, headers);
  }
  put<T = any>(path: string, body?: unknown): Promise<Answer<T>> {
    return this.send('PUT', path, body);
  }
  patch<T = any>(path: string, body?: unknown): Promise<Answer<T>> {
    return this.send('PATCH', path, body);
  }
  delete<T = any>(path: string): Promise<Answer<T>> {
    return this.send('DELETE', path);
  }

  async send<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
    const raw = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { ...(raw !== undefined ? { 'content-type': 'application/json' } : {}), ...this.headers, ...headers },
      body: raw,
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body: parsed as T };
  }

  /** The payment provider's signed notice, exactly as a provider would send it (to a merchant's own address when `merchantId` is given). */
  notifyPayment(notice: object, secret: string, merchantId?: string): Promise<Answer> {
    const raw = JSON.stringify(notice);
    return this.send('POST', merchantId ? `/v1/payments/notify/${merchantId}` : '/v1/payments/notify', raw, { 'x-signature': sign(raw, secret) });
  }
}

export const DEV = {
  admin: 'dev-admin-key',
  storefront: 'dev-storefront-key',
  agent: 'dev-agent-key',
  ops: 'dev-ops-key',
};

/** A second storefront's key, for tests of what one storefront may see of another's orders. */
export const OTHER_SHOP_KEY = 'other-shop-key-0123456789';
/** API_KEYS of the dev keys plus that second storefront, `other-shop`. */
export const TWO_STOREFRONTS = [
  `admin:dev-admin:${DEV.admin}`,
  `storefront:dev-shop:${DEV.storefront}`,
  `storefront:other-shop:${OTHER_SHOP_KEY}`,
  `agent:dev-agent:${DEV.agent}`,
  `ops:dev-ops:${DEV.ops}`,
].join(',');

/** Poll until `check` returns a value; fails with the last seen value after the deadline. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
