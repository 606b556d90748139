// Incidents: ops declare one, follow the orders it hurt, ask the provider about the payments it lost,
// make good with a coupon per buyer, and resolve it with a note the public reads.
import { html, useEffect, useRef, useState } from '/console/vendor/preact.js';
import { FIRST_SHOP, act, get, query, seg } from './api.js';
import { formatMoney, fractionDigits, parseMajor } from './money.js';
import { Timeline } from './orders.js';
import { INCIDENT_CAUSES } from '/console/rules.js';
import { Confirm, Loading, Notice, Status, When, useI18n, useLoad, useSubmit } from './ui.js';

/** An incident's status as a badge: open asks the shop to act, resolved is done. */
function IncidentStatus({ value }) {
  const { t } = useI18n();
  return html`<span class=${`badge kind-${value === 'OPEN' ? 'act' : 'ok'}`} data-status=${value}>${t(`inc_${value}`)}</span>`;
}

/** "12 orders · 9 buyers". */
const affectedText = (t, a) => t('affectedCounts', { orders: a.orders, buyers: a.buyers });

export function IncidentsView() {
  const { t } = useI18n();
  const [status, setStatus] = useState('OPEN');
  const [declaring, setDeclaring] = useState(false);
  const list = useLoad(() => get(`/v1/incidents${query({ status })}`), [status]);
  return html`
    <section class="incidents">
      <div class="row" role="group">
        ${['OPEN', 'RESOLVED', ''].map(
          (s) => html`<button type="button" class=${s === status ? '' : 'secondary'} aria-pressed=${s === status} data-filter=${s || 'all'} onClick=${() => setStatus(s)}>${s ? t(`inc_${s}`) : t('all')}</button>`,
        )}
        <button type="button" class="secondary" data-declare onClick=${() => setDeclaring(!declaring)}>${t('declareIncident')}</button>
      </div>
      ${declaring ? html`<${DeclareForm} />` : null}
      <${Loading} state=${list} />
      ${list.data && list.data.items.length === 0 ? html`<p class="muted" data-empty>${t('nothing')}</p>` : null}
      <ul class="cards">
        ${(list.data?.items ?? []).map(
          (i) => html`<li class="card" key=${i.incidentId} data-incident-card=${i.incidentId}>
            <a class="card-link" href=${`#/incidents/${seg(i.incidentId)}`}>
              <div class="row"><${IncidentStatus} value=${i.status} /> <strong>${i.title}</strong></div>
              <div class="row small">${t(`cause_${i.cause}`)} · <${When} at=${i.startedAt} />${i.endedAt ? html` – <${When} at=${i.endedAt} />` : null}</div>
              <div class="row small" data-affected>${affectedText(t, i.affected)}</div>
            </a>
          </li>`,
        )}
      </ul>
    </section>`;
}

/** A time typed in this browser's clock (datetime-local), sent as the instant it names. */
const instant = (local) => (local ? new Date(local).toISOString() : undefined);
/** Now as a datetime-local value, to the minute. */
function localNow() {
  const d = new Date();
  d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
  return d.toISOString().slice(0, 16);
}

/** Declaring an incident: what went wrong, since when, and what the public is told. */
function DeclareForm() {
  const { t } = useI18n();
  const [form, setForm] = useState({ title: '', cause: 'payment_provider', startedAt: localNow(), endedAt: '', publicNote: '' });
  const set = (name) => (e) => setForm({ ...form, [name]: e.currentTarget.value });
  const { busy, notice, submit: declare } = useSubmit(async () => {
    const body = { title: form.title, cause: form.cause, startedAt: instant(form.startedAt), ...(form.endedAt ? { endedAt: instant(form.endedAt) } : {}), publicNote: form.publicNote };
    const made = (await act('/v1/incidents', body)).body;
    location.hash = `#/incidents/${seg(made.incidentId)}`;
  });
  return html`<div class="panel">
    <form class="incident-form" onSubmit=${declare}>
      <label class="grow">${t('incidentTitle')}<input name="title" required maxlength="200" value=${form.title} onInput=${set('title')} /></label>
      <label>${t('cause')}
        <select name="cause" value=${form.cause} onChange=${set('cause')}>${INCIDENT_CAUSES.map((c) => html`<option value=${c}>${t(`cause_${c}`)}</option>`)}</select></label>
      <label>${t('startedAt')}<input name="startedAt" type="datetime-local" required value=${form.startedAt} onInput=${set('startedAt')} /></label>
      <label>${t('endedAt')}<input name="endedAt" type="datetime-local" value=${form.endedAt} onInput=${set('endedAt')} /></label>
      <label class="grow">${t('publicNote')}<textarea name="publicNote" rows="3" required maxlength="2000" value=${form.publicNote} onInput=${set('publicNote')}></textarea></label>
      <p class="muted small grow">${t('publicNoteHint')}</p>
      <div class="buttons grow"><button type="submit" disabled=${busy}>${t('declare')}</button></div>
    </form>
    <${Notice} notice=${notice} />
  </div>`;
}

/** How long the page asks again for the reconciliation's outcome before it leaves the refresh to the person. */
const RECONCILE_WATCH_MS = 60_000;

/** One incident: what it is, whom it hurt, what was done, and the actions that fit it now. */
export function IncidentView({ id, role, me }) {
  const { t } = useI18n();
  const incident = useLoad(() => get(`/v1/incidents/${seg(id)}`), [id]);
  const orders = useLoad(() => get(`/v1/incidents/${seg(id)}/orders`), [id]);
  const reload = () => Promise.all([incident.reload(), orders.reload()]);
  const i = incident.data;
  return html`
    <section class="incident">
      <p><a href="#/incidents">← ${t('incidents')}</a></p>
      <${Loading} state=${incident} />
      ${i
        ? html`<div class="split" data-incident-view=${i.incidentId}>
            <article class="panel">
              <h2>${i.title} <${IncidentStatus} value=${i.status} /></h2>
              <${IncidentFacts} incident=${i} />
              ${role === 'ops' || role === 'admin'
                ? mayAct(i, me)
                  ? html`<${IncidentActions} incident=${i} orders=${orders.data} onDone=${reload} />`
                  : html`<p class="muted small" data-platform-wide>${t('platformWideIncident')}</p>`
                : null}
              <h3>${t('affectedOrders')}</h3>
              <${Loading} state=${orders} />
              ${orders.data ? html`<${AffectedOrders} items=${orders.data.items} />` : null}
            </article>
            <aside class="panel">
              <h3>${t('timeline')}</h3>
              <${Timeline} entries=${i.timeline} />
            </aside>
          </div>`
        : null}
    </section>`;
}

/** A platform-wide incident (no merchant) is acted on by the platform and the first shop's own keys; a merchant's by its ops. */
const mayAct = (i, me) => Boolean(i.merchantId) || me?.role === 'platform' || me?.merchantId === FIRST_SHOP;

function IncidentFacts({ incident: i }) {
  const { t, lang } = useI18n();
  const c = i.compensation;
  return html`<dl class="facts">
    <div><dt>${t('cause')}</dt><dd data-cause=${i.cause}>${t(`cause_${i.cause}`)}</dd></div>
    <div><dt>${t('window')}</dt><dd data-window><${When} at=${i.startedAt} /> – ${i.endedAt ? html`<${When} at=${i.endedAt} />` : t('ongoing')}</dd></div>
    <div><dt>${t('affected')}</dt><dd data-affected>${affectedText(t, i.affected)}</dd></div>
    <div><dt>${t('openedBy')}</dt><dd>${i.openedBy === 'system' ? t('openedBySystem') : i.openedBy} · <${When} at=${i.openedAt} /></dd></div>
    <div><dt>${t('incidentScope')}</dt><dd data-scope=${i.merchantId ?? 'platform'}>${i.merchantId ? t('incidentOfMerchant', { id: i.merchantId }) : t('incidentPlatformWide')}</dd></div>
    ${i.resolvedAt ? html`<div><dt>${t('resolvedAt')}</dt><dd><${When} at=${i.resolvedAt} /></dd></div>` : null}
    <div class="wide-fact"><dt>${t('publicNote')}</dt><dd data-public-note>${i.publicNote}</dd></div>
    ${c
      ? html`<div class="wide-fact"><dt>${t('compensation')}</dt><dd data-compensation>${t('compensationIs', { n: c.coupons, what: termsText(t, c.terms, lang), by: c.by })} · ${t('validUntil')} <${When} at=${c.validUntil} /></dd></div>`
      : null}
  </dl>`;
}

/** What each coupon takes off, in the page's words. */
function termsText(t, terms, lang) {
  const off = terms.amountOff ? t('amountOffIs', { amount: formatMoney(terms.amountOff, lang) }) : t('percentOffIs', { percent: terms.percentOff });
  return `${off}${terms.minSpend ? ` · ${t('minSpendIs', { amount: formatMoney(terms.minSpend, lang) })}` : ''} · ${t('validForDays', { days: terms.validFor.replace(/d$/, '') })}`;
}

function AffectedOrders({ items }) {
  const { t, lang } = useI18n();
  if (items.length === 0) return html`<p class="muted" data-no-orders>${t('nothing')}</p>`;
  return html`<table class="grid">
    <thead><tr><th>${t('order')}</th><th>${t('why')}</th><th>${t('status')}</th><th>${t('sku')}</th><th>${t('amount')}</th><th>${t('created')}</th></tr></thead>
    <tbody>
      ${items.map(
        (o) => html`<tr key=${o.orderId} data-affected-order=${o.orderId} data-reason=${o.reason}>
          <td data-label=${t('order')}><a class="mono" href=${`#/orders/${seg(o.orderId)}`}>${o.orderId}</a></td>
          <td data-label=${t('why')}>${t(`ar_${o.reason}`)}</td>
          <td data-label=${t('status')}><${Status} value=${o.status} /></td>
          <td data-label=${t('sku')}>${o.sku}</td>
          <td data-label=${t('amount')}>${formatMoney(o.amount, lang)}</td>
          <td data-label=${t('created')}><${When} at=${o.createdAt} /></td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

/**
 * What ops may do with the incident now: reconcile its lost payments (any time the API still keeps
 * it), compensate its buyers once, resolve it while open. Compensating and resolving ask first.
 */
function IncidentActions({ incident: i, orders, onDone }) {
  const { t } = useI18n();
  // The watch below stops when the page is left, even mid-ask.
  const watching = useRef({ timer: null, left: false });
  useEffect(() => () => {
    watching.current.left = true;
    clearTimeout(watching.current.timer);
  }, []);
  const { busy, notice, setNotice, submit: run } = useSubmit((what) => what(), { after: onDone });

  const reconciledCount = (view) => view.timeline.filter((e) => e.type === 'reconciled').length;
  /** The reconciliation runs in the incident's workflow: the page asks again until its outcome is in the timeline. */
  function watchReconcile(before, since) {
    watching.current.timer = setTimeout(async () => {
      const now = await get(`/v1/incidents/${seg(i.incidentId)}`).catch(() => undefined);
      if (watching.current.left) return;
      if (now && reconciledCount(now) > before) {
        setNotice({ kind: 'ok', text: t('reconciledNow') });
        onDone();
      } else if (Date.now() - since < RECONCILE_WATCH_MS) watchReconcile(before, since);
      else setNotice({ kind: 'info', text: t('reconcileSlow') });
    }, 1_000);
  }
  const reconcile = () =>
    run(async () => {
      const before = reconciledCount(i);
      await act(`/v1/incidents/${seg(i.incidentId)}/reconcile`, {});
      watchReconcile(before, Date.now());
      return { kind: 'info', text: t('reconcileStarted') };
    });
  // Those still cancelled: one a reconciliation made good keeps its reason but is delivered now.
  const lost = orders?.items.filter((o) => o.reason === 'cancelled_without_notice' && o.status === 'CANCELLED').length;

  return html`<div class="actions-box">
    <h3>${t('actions')}</h3>
    <div class="buttons">
      <button type="button" class="secondary" data-incident-action="reconcile" disabled=${busy} onClick=${reconcile}>${t('reconcile')}</button>
    </div>
    ${orders ? html`<p class="muted small" data-reconcile-hint>${t('reconcileHint', { n: lost })}</p>` : null}
    ${i.compensation ? null : html`<${CompensateForm} incident=${i} busy=${busy} run=${run} />`}
    ${i.status === 'OPEN' ? html`<${ResolveForm} incident=${i} busy=${busy} run=${run} />` : null}
    <${Notice} notice=${notice} />
  </div>`;
}

/** A coupon for each affected buyer: amounts typed in yuan and sent in fen, validity in days. */
function CompensateForm({ incident: i, busy, run }) {
  const { t, lang } = useI18n();
  const [form, setForm] = useState({ kind: 'amount', off: '', currency: 'CNY', validDays: '30', minSpend: '' });
  const [asking, setAsking] = useState(null);
  const [problem, setProblem] = useState(null);
  const set = (name) => (e) => setForm({ ...form, [name]: e.currentTarget.value });
  const currency = form.currency.trim().toUpperCase() || 'CNY';
  const money = (text) => {
    const amount = parseMajor(text, currency);
    return amount === undefined ? undefined : { amount, currency };
  };
  function ask(e) {
    e.preventDefault();
    setProblem(null);
    const off = form.kind === 'amount' ? money(form.off) : undefined;
    const minSpend = form.minSpend ? money(form.minSpend) : undefined;
    if ((form.kind === 'amount' && !off) || (form.minSpend && !minSpend)) {
      setProblem({ kind: 'error', text: t('badPrice', { currency, digits: fractionDigits(currency) }) });
      return;
    }
    setAsking({
      ...(form.kind === 'amount' ? { amountOff: off } : { percentOff: Number(form.off) }),
      validFor: `${form.validDays.trim()}d`,
      ...(minSpend ? { minSpend } : {}),
    });
  }
  const compensate = (terms) =>
    run(async () => {
      setAsking(null);
      const answer = (await act(`/v1/incidents/${seg(i.incidentId)}/compensate`, terms)).body;
      return { kind: 'ok', text: t('couponsIssued', { n: answer.coupons }) };
    });
  return html`<form class="incident-form" data-compensate onSubmit=${ask}>
    <h4 class="grow">${t('compensate')}</h4>
    <label>${t('discountKind')}
      <select name="kind" value=${form.kind} onChange=${set('kind')}>
        <option value="amount">${t('amountOff')}</option>
        <option value="percent">${t('percentOff')}</option>
      </select></label>
    <label>${form.kind === 'amount' ? t('amountOffIn', { currency }) : t('percentOff')}<input name="off" required inputmode="decimal" placeholder=${form.kind === 'amount' ? '5.00' : '10'} value=${form.off} onInput=${set('off')} /></label>
    <label>${t('currency')}<input name="currency" required maxlength="3" value=${form.currency} onInput=${set('currency')} /></label>
    <label>${t('validForIn')}<input name="validDays" required inputmode="numeric" value=${form.validDays} onInput=${set('validDays')} /></label>
    <label>${t('minSpendIn', { currency })}<input name="minSpend" inputmode="decimal" placeholder="50.00" value=${form.minSpend} onInput=${set('minSpend')} /></label>
    <div class="buttons grow"><button type="submit" disabled=${busy || asking}>${t('compensate')}</button></div>
    ${asking
      ? html`<div class="grow"><${Confirm}
          question=${t('confirmCompensate', { what: termsText(t, asking, lang), buyers: i.affected.buyers })}
          yes=${t('confirmCompensateYes')}
          busy=${busy}
          onYes=${() => compensate(asking)}
          onNo=${() => setAsking(null)} /></div>`
      : null}
    <div class="grow"><${Notice} notice=${problem} /></div>
  </form>`;
}

/** Resolving publishes its note on the public status page (and /report): it asks first. */
function ResolveForm({ incident: i, busy, run }) {
  const { t } = useI18n();
  const [note, setNote] = useState('');
  const [asking, setAsking] = useState(false);
  const resolve = () =>
    run(async () => {
      setAsking(false);
      await act(`/v1/incidents/${seg(i.incidentId)}/resolve`, { publicNote: note });
      setNote('');
      return { kind: 'ok', text: t('resolvedNow') };
    });
  return html`<form class="incident-form" data-resolve onSubmit=${(e) => { e.preventDefault(); setAsking(true); }}>
    <h4 class="grow">${t('resolveIncident')}</h4>
    <label class="grow">${t('publicNote')}<textarea name="publicNote" rows="3" required maxlength="2000" value=${note} onInput=${(e) => setNote(e.currentTarget.value)}></textarea></label>
    <p class="muted small grow">${t('resolveHint')}</p>
    <div class="buttons grow"><button type="submit" disabled=${busy || asking}>${t('resolveIncident')}</button></div>
    ${asking
      ? html`<div class="grow"><${Confirm} question=${t('confirmResolve')} yes=${t('confirmResolveYes')} busy=${busy} onYes=${resolve} onNo=${() => setAsking(false)} /></div>`
      : null}
  </form>`;
}
