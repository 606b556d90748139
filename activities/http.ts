import { ApplicationFailure, Context } from '@temporalio/activity';
import { placeOf } from '../payments/rails/http';

export interface HttpAnswer {
  status: number;
  body: unknown;
}

/**
 * One outbound JSON call with a deadline. A network error or timeout throws a retryable failure
 * (the activity's retry policy backs off); the caller decides what a non-2xx answer means.
 * While it waits it heartbeats; with no heartbeat timeout on the proxies that call it (see
 * workflows/activities.ts) the beats detect nothing: a worker that dies mid-call is noticed at the
 * attempt's startToCloseTimeout. They show ops a live attempt (its last heartbeat in `describe`).
 */
export async function callJson(
  method: 'GET' | 'POST',
  url: string,
  timeoutMs: number,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  const beat = setInterval(heartbeat, 1_000);
  try {
    return await send(method, url, timeoutMs, body, headers);
  } finally {
    clearInterval(beat);
  }
}

async function send(
  method: string,
  url: string,
  timeoutMs: number,
  body: unknown,
  headers: Record<string, string>,
): Promise<HttpAnswer> {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: payload,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw ApplicationFailure.retryable(`${method} ${safeUrl(url)} failed: ${(err as Error).name}`, 'OutboundUnreachable');
  }
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed };
}

export function heartbeat(): void {
  try {
    Context.current().heartbeat();
  } catch {
    // Not inside an activity (a script or test calling directly): nobody to tell.
  }
}

/** Which attempt of its activity this is (1 outside an activity: a script or test calling directly). */
export function attempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}

/** Errors carry where we called, never the query string or body (which may hold a code). */
export const safeUrl = placeOf;

/** A 4xx that says the request itself is wrong; 408, 409, 425 and 429 are about timing and are retried. */
export function isRefusal(status: number): boolean {
  return status >= 400 && status < 500 && ![408, 409, 425, 429].includes(status);
}

export function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}
