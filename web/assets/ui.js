// Pieces every view of the console uses: the language, loading, clocks, notices, badges, confirmations.
import { html, createContext, useContext, useEffect, useRef, useState, useCallback } from '/console/vendor/preact.js';
import { span, statusKind } from './i18n.js';

export const I18n = createContext({ lang: 'en', t: (k) => k });
export const useI18n = () => useContext(I18n);

/**
 * Run `load` now and whenever `deps` change; `reload` runs it again, keeping what was shown meanwhile.
 * Only the latest load's answer is shown: one asked for earlier (a filter changed twice quickly) may
 * answer last, and must not put the old filter's data back.
 */
export function useLoad(load, deps) {
  const [state, setState] = useState({ loading: true, data: undefined, error: undefined });
  const latest = useRef(0);
  const reload = useCallback(() => {
    const mine = ++latest.current;
    setState((s) => ({ ...s, loading: true }));
    return load().then(
      (data) => {
        if (mine === latest.current) setState({ loading: false, data, error: undefined });
      },
      (error) => {
        if (mine === latest.current) setState((s) => ({ ...s, loading: false, error }));
      },
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

/**
 * What to tell the person after a refused call, in the API's own words: what it said and, for a
 * bad field, which field and why. A 409 (the state does not allow it now) is shown apart from
 * other refusals, but says no more than the API did.
 */
export function refusal(t, err) {
  const details = (err.details || []).map((d) => t('fieldProblem', { field: t(`field_${d.path}`, {}, d.path), reason: d.reason })).join('; ');
  const message = details || err.message;
  return { kind: err.status === 409 ? 'conflict' : 'error', text: t('refused', { message }) };
}

/**
 * A form's or a button's action: `busy` while it runs, the last notice cleared when it starts and
 * set to what `action` answers (a notice, or nothing to leave it empty) or to the API's refusal.
 * `refused(err)` runs after a refusal, `after()` whichever way it ended. A form's submit event is not
 * let through to reload the page.
 */
export function useSubmit(action, { refused, after } = {}) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState(null);
  async function submit(...args) {
    if (args[0] instanceof Event && args[0].type === 'submit') args[0].preventDefault();
    setBusy(true);
    setNotice(null);
    try {
      const shown = await action(...args);
      if (shown) setNotice(shown);
    } catch (err) {
      setNotice(refusal(t, err));
      if (refused) refused(err);
    } finally {
      setBusy(false);
      if (after) after();
    }
  }
  return { busy, notice, setNotice, submit };
}

/** A notice, brought into view when it appears: on a phone the buttons' answer must not land below the fold. */
export function Notice({ notice }) {
  const ref = useRef(null);
  const shownAt = useRef(0);
  useEffect(() => {
    if (notice) shownAt.current = Date.now();
  }, [notice]);
  // Kept where the eye is while the page around it settles (the view refreshed after a refusal
  // grows above it): for a few seconds after it appears, not against the reader's own scrolling later.
  useEffect(() => {
    if (notice && ref.current && ref.current.scrollIntoView && Date.now() - shownAt.current < 3_000) ref.current.scrollIntoView({ block: 'nearest' });
  });
  if (!notice) return null;
  const live = notice.kind === 'ok' || notice.kind === 'info';
  return html`<p ref=${ref} class=${`notice notice-${notice.kind}`} role=${live ? 'status' : 'alert'} data-kind=${notice.kind}>${notice.text}</p>`;
}

export function Loading({ state }) {
  const { t } = useI18n();
  if (state.error) return html`<${Notice} notice=${refusal(t, state.error)} />`;
  if (state.loading && state.data === undefined) return html`<p class="muted">${t('loading')}</p>`;
  return null;
}

/**
 * A question before something that cannot be taken back (money moves): the action runs only from
 * its yes button. Shown in place, where the person clicked, and focused.
 */
export function Confirm({ question, yes, onYes, onNo, busy }) {
  const { t } = useI18n();
  const ref = useRef(null);
  useEffect(() => {
    const button = ref.current && ref.current.querySelector('button');
    if (button) {
      button.focus();
      if (ref.current.scrollIntoView) ref.current.scrollIntoView({ block: 'nearest' });
    }
  }, []);
  return html`<div ref=${ref} class="confirm" role="alertdialog" aria-label=${question}>
    <p>${question}</p>
    <div class="buttons">
      <button type="button" class="danger" data-confirm="yes" disabled=${busy} onClick=${onYes}>${yes}</button>
      <button type="button" class="secondary" data-confirm="no" onClick=${onNo}>${t('cancel')}</button>
    </div>
  </div>`;
}

/** The SLA clock a complaint is on: first response until an agent answers, then resolution. */
export function Sla({ complaint: c }) {
  const { t, lang } = useI18n();
  const now = useNow();
  if (c.status === 'CLOSED') return null;
  if (c.waitingOn === 'buyer' || c.status === 'AWAITING_BUYER' || c.status === 'RESOLVED') {
    return html`<span class="sla sla-wait">${t('waitingOnBuyer')}</span>`;
  }
  const first = !c.firstRespondedAt;
  const left = Date.parse(first ? c.firstResponseDueAt : c.resolutionDueAt) - now;
  const what = t(first ? 'firstResponse' : 'resolution');
  const kind = left < 0 ? 'sla-over' : left < 15 * 60_000 ? 'sla-soon' : 'sla-ok';
  return html`<span class=${`sla ${kind}`}>${t(left >= 0 ? 'dueIn' : 'overdue', { what, left: span(left, lang) })}</span>`;
}

/**
 * A status as a badge: its name in the page's language, colored by what it asks of the shop
 * (someone must act, work under way, waiting on the buyer, fine, over). `of` says whose status:
 * an order's or a complaint's (their names do not overlap), a refund's or a key's.
 */
export function Status({ value, of = 'status' }) {
  const { t } = useI18n();
  const prefix = { status: 'st_', refund: 'rf_', key: 'ks_' }[of];
  const kind = statusKind(of, value);
  return html`<span class=${`badge kind-${kind}`} data-status=${value} data-kind=${kind}>${t(`${prefix}${value}`, {}, value)}</span>`;
}

/** A time as the page's language writes it. */
export function When({ at }) {
  const { lang } = useI18n();
  if (!at) return null;
  return html`<time datetime=${at}>${new Date(at).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en', { dateStyle: 'short', timeStyle: 'short' })}</time>`;
}
