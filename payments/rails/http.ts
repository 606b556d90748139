import { ApplicationFailure } from '@temporalio/common';

export interface RawAnswer {
  status: number;
  text: string;
  headers: Headers;
}

/**
 * One outbound call to a provider with a deadline. Unreachable or timed out is a retryable failure
 * naming where (never the query string: 易支付 puts its key there).
 */
export async function request(
  method: 'GET' | 'POST',
  url: string,
  timeoutMs: number,
  options: { headers?: Record<string, string>; body?: string } = {},
): Promise<RawAnswer> {
  let res: Response;
  try {
    res = await fetch(url, { method, headers: options.headers, body: options.body, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw ApplicationFailure.retryable(`${method} ${placeOf(url)} failed: ${(err as Error).name}`, 'OutboundUnreachable');
  }
  return { status: res.status, text: await res.text(), headers: res.headers };
}

export function jsonOf(text: string): any {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** Where we called, without query or credentials. */
export function placeOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}
