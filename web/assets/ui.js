// Pieces every view of the console uses: the language, loading, clocks, notices.
import { html, createContext, useContext, useEffect, useState, useCallback } from '/console/vendor/preact.js';
import { span } from './i18n.js';

export const I18n = createContext({ lang: 'en', t: (k) => k });
export const useI18n = () => useContext(I18n);

/** Run `load` now and whenever `deps` change; `reload` runs it again, keeping what was shown meanwhile. */
export function useLoad(load, deps) {
  const [state, setState] = useState({ loading: true, data: undefined, error: undefined });
  const reload = useCallback(() => {
    setState((s) => ({ ...s, loading: true }));
    return load().then(
      (data) => setState({ loading: false, data, error: undefined }),
      (error) => setState((s) => ({ ...s, loading: false, error })),
    );
  }, deps);
  useEffect(() => {
    reload();
  }, [reload]);
  return { ...state, reload, set: (data) => setState({ loading: false, data, error: undefined }) };
}

/** The current time, ticking: countdowns re-render with it. */
export function useNow(everyMs = 1000) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  return now;
}

/** Call `fn` every `ms` while the view is shown. */
export function useEvery(ms, fn) {
  useEffect(() => {
    const id = setInterval(fn, ms);
    return () => clearInterval(id);
  }, [ms, fn]);
}

/** What to tell the person after a refused call: a 409 says the state changed under them. */
export function refusal(t, err) {
  const details = (err.details || []).map((d) => `${d.path}: ${d.reason}`).join('; ');
  const message = details ? `${err.message} (${details})` : err.message;
  return { kind: err.status === 409 ? 'conflict' : 'error', text: t(err.status === 409 ? 'conflict' : 'failed', { message }) };
}

export function Notice({ notice }) {
  if (!notice) return null;
  return html`<p class=${`notice notice-${notice.kind}`} role=${notice.kind === 'ok' || notice.kind === 'info' ? 'status' : 'alert'} data-kind=${notice.kind}>${notice.text}</p>`;
}

export function Loading({ state }) {
  const { t } = useI18n();
  if (state.error) return html`<${Notice} notice=${refusal(t, state.error)} />`;
  if (state.loading && state.data === undefined) return html`<p class="muted">${t('loading')}</p>`;
  return null;
}

/** The SLA clock a complaint is on: first response until an agent answers, then resolution. */
export function Sla({ complaint: c }) {
  const { t } = useI18n();
  const now = useNow();
  if (c.status === 'CLOSED') return null;
  if (c.waitingOn === 'buyer' || c.status === 'AWAITING_BUYER' || c.status === 'RESOLVED') {
    return html`<span class="sla sla-wait">${t('waitingOnBuyer')}</span>`;
  }
  const first = !c.firstRespondedAt;
  const left = Date.parse(first ? c.firstResponseDueAt : c.resolutionDueAt) - now;
  const what = t(first ? 'firstResponse' : 'resolution');
  const kind = left < 0 ? 'sla-over' : left < 15 * 60_000 ? 'sla-soon' : 'sla-ok';
  return html`<span class=${`sla ${kind}`}>${t(left >= 0 ? 'dueIn' : 'overdue', { what, left: span(left) })}</span>`;
}

export function Status({ value }) {
  return html`<span class=${`badge status-${String(value).toLowerCase()}`}>${value}</span>`;
}
