// The platform's side of the console (a platform key only): its merchants, created, suspended and
// resumed here; the merchant every other page acts for; and the merchants ranked by complaints.
import { html, useEffect, useState } from '/console/vendor/preact.js';
import { get, post, query, seg, session } from './api.js';
import { BarChart } from './chart.js';
import { percent } from './i18n.js';
import { ShownOnce } from './shownOnce.js';
import { Confirm, Loading, Notice, When, useI18n, useLoad, useSubmit } from './ui.js';

/** Told by the merchants page whenever the list changed, so the switcher in the header lists it as it is. */
const CHANGED = 'kamiflow:merchants';
const changed = () => dispatchEvent(new Event(CHANGED));

function MerchantStatus({ merchant: m }) {
  const { t } = useI18n();
  return html`<span class=${`badge kind-${m.status === 'ACTIVE' ? 'ok' : 'act'}`} data-merchant-status=${m.status}>${t(`ms_${m.status}`, {}, m.status)}</span>`;
}

/** The header's choice of merchant: every page but the platform's own then acts for it (X-Merchant). */
export function MerchantSwitcher({ current, onSwitch }) {
  const { t } = useI18n();
  const list = useLoad(() => get('/v1/merchants'), []);
  useEffect(() => {
    addEventListener(CHANGED, list.reload);
    return () => removeEventListener(CHANGED, list.reload);
  }, [list.reload]);
  const items = list.data?.items ?? [{ merchantId: current, name: current, status: 'ACTIVE' }];
  return html`<label class="switcher">${t('actingFor')}
    <select name="merchant" data-merchant-switcher value=${current} onChange=${(e) => onSwitch(e.currentTarget.value)}>
      ${items.map((m) => html`<option value=${m.merchantId}>${m.name} (${m.merchantId})${m.status === 'ACTIVE' ? '' : ` · ${t(`ms_${m.status}`)}`}</option>`)}
    </select></label>`;
}

export function MerchantsView() {
  const { t } = useI18n();
  const list = useLoad(() => get('/v1/merchants'), []);
  const [created, setCreated] = useState(null);
  const reload = () => {
    list.reload();
    changed();
  };
  return html`
    <section class="merchants">
      <${NewMerchant} onCreated=${(m) => { setCreated(m); reload(); }} />
      ${created
        ? html`<${ShownOnce} title=${t('adminKeyOf', { id: created.merchantId })} secret=${created.adminKey} onDismiss=${() => setCreated(null)} />`
        : null}
      <h3>${t('merchants')}</h3>
      <${Loading} state=${list} />
      ${list.data
        ? html`<table class="grid">
            <thead><tr><th>${t('merchantId')}</th><th>${t('merchantName')}</th><th>${t('status')}</th><th>${t('created')}</th><th></th></tr></thead>
            <tbody>${list.data.items.map((m) => html`<${MerchantRow} key=${m.merchantId} merchant=${m} onChanged=${reload} />`)}</tbody>
          </table>`
        : null}
    </section>`;
}

function NewMerchant({ onCreated }) {
  const { t } = useI18n();
  const empty = { merchantId: '', name: '', contactEmail: '' };
  const [form, setForm] = useState(empty);
  const field = (name, label, type = 'text') =>
    html`<label>${t(label)}<input name=${name} type=${type} required value=${form[name]} onInput=${(e) => setForm({ ...form, [name]: e.currentTarget.value })} /></label>`;
  const { busy, notice, submit: create } = useSubmit(async () => {
    const { body } = await post('/v1/merchants', { merchantId: form.merchantId.trim(), name: form.name.trim(), contactEmail: form.contactEmail.trim() });
    setForm(empty);
    onCreated(body);
    return { kind: 'ok', text: t('merchantCreated', { id: body.merchantId }) };
  });
  return html`<form class="panel coupon-form keyed-form" onSubmit=${create} data-new-merchant>
    <h3>${t('newMerchant')}</h3>
    ${field('merchantId', 'merchantId')}${field('name', 'merchantName')}${field('contactEmail', 'contactEmail', 'email')}
    <div class="buttons"><button type="submit" disabled=${busy}>${t('createMerchant')}</button></div>
    <${Notice} notice=${notice} />
  </form>`;
}

/** A merchant, and the one change its status allows: suspended with a reason, or resumed; each asked first. */
function MerchantRow({ merchant: m, onChanged }) {
  const { t } = useI18n();
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState('');
  const suspending = m.status === 'ACTIVE';
  const { busy, notice, submit: change } = useSubmit(async () => {
    await post(`/v1/merchants/${seg(m.merchantId)}/${suspending ? 'suspend' : 'resume'}`, suspending ? { reason: reason.trim() } : {});
    setAsking(false);
    setReason('');
    onChanged();
    return { kind: 'ok', text: t(suspending ? 'merchantSuspended' : 'merchantResumed', { id: m.merchantId }) };
  });
  return html`<tr data-merchant=${m.merchantId}>
    <td data-label=${t('merchantId')} class="mono">${m.merchantId}</td>
    <td data-label=${t('merchantName')}>${m.name}</td>
    <td data-label=${t('status')}><${MerchantStatus} merchant=${m} />${m.suspendedReason ? html`<p class="small" data-suspended-reason>${m.suspendedReason}</p>` : null}</td>
    <td data-label=${t('created')}><${When} at=${m.createdAt} /></td>
    <td class="grid-actions">
      <div class="buttons">
        ${!asking ? html`<button type="button" class=${suspending ? 'secondary' : ''} data-merchant-action=${suspending ? 'suspend' : 'resume'} onClick=${() => setAsking(true)}>${t(suspending ? 'suspend' : 'resume')}</button>` : null}
        <a class="button secondary" href=${`/report/${seg(m.merchantId)}`} target="_blank" rel="noopener">${t('publicReport')} ↗</a>
      </div>
      ${asking && suspending
        ? html`<label>${t('suspendReason')}<textarea name="reason" rows="2" maxlength="500" value=${reason} onInput=${(e) => setReason(e.currentTarget.value)}></textarea></label>`
        : null}
      ${asking
        ? html`<${Confirm} question=${t(suspending ? 'confirmSuspend' : 'confirmResume', { id: m.merchantId })} yes=${t(suspending ? 'suspend' : 'resume')} busy=${busy}
            onYes=${change} onNo=${() => setAsking(false)} />`
        : null}
      <${Notice} notice=${notice} />
    </td>
  </tr>`;
}

const day = (d) => d.toISOString().slice(0, 10);

/** The platform's complaint ranking (投诉排行榜) of its merchants: worst complaint rate first, over a chosen period. */
export function PlatformRankingView() {
  const { t } = useI18n();
  // Both days included: the API reads a date as that whole day.
  const [period, setPeriod] = useState(() => ({ from: day(new Date(Date.now() - 29 * 86_400_000)), to: day(new Date()) }));
  const ranking = useLoad(() => get(`/v1/platform/ranking${query(period)}`), [period.from, period.to]);
  const set = (field) => (e) => e.currentTarget.value && setPeriod({ ...period, [field]: e.currentTarget.value });
  const items = ranking.data?.items ?? [];
  const label = (m) => `${m.name} (${m.merchantId})`;
  // A merchant that sold nothing in the period has no rate: listed in the table, not drawn as 0.
  const rated = items.filter((m) => m.complaintRate !== null);
  return html`
    <section class="platform-ranking">
      <form class="filters" onSubmit=${(e) => e.preventDefault()}>
        <label>${t('from')}<input type="date" name="from" value=${period.from} onChange=${set('from')} /></label>
        <label>${t('to')}<input type="date" name="to" value=${period.to} onChange=${set('to')} /></label>
      </form>
      <${Loading} state=${ranking} />
      ${ranking.data && items.length === 0 ? html`<p class="muted">${t('nothing')}</p>` : null}
      ${items.length
        ? html`<table class="grid" data-ranking>
            <thead><tr><th>#</th><th>${t('merchant')}</th><th>${t('orders')}</th><th>${t('complaints')}</th><th>${t('complaintRateTotal')}</th>
              <th>${t('refundRate')}</th><th>${t('firstResponseOnTime')}</th><th>${t('resolutionOnTime')}</th><th>${t('satisfied')}</th></tr></thead>
            <tbody>${items.map((m, i) => html`<tr key=${m.merchantId} data-rank=${m.merchantId}>
              <td data-label="#">${i + 1}</td>
              <td data-label=${t('merchant')}>${m.name} <span class="muted mono small">${m.merchantId}</span></td>
              <td data-label=${t('orders')}>${m.orders}</td>
              <td data-label=${t('complaints')}>${m.complaints}</td>
              <td data-label=${t('complaintRateTotal')} data-figure="complaintRate">${percent(m.complaintRate)}</td>
              <td data-label=${t('refundRate')}>${percent(m.refundRate)}</td>
              <td data-label=${t('firstResponseOnTime')}>${percent(m.firstResponseOnTime)}</td>
              <td data-label=${t('resolutionOnTime')}>${percent(m.resolutionOnTime)}</td>
              <td data-label=${t('satisfied')}>${percent(m.satisfiedShare)}</td>
            </tr>`)}</tbody>
          </table>
          ${rated.length
            ? html`<div class="charts one-chart">
                <${BarChart} title=${t('complaintRateTotal')} items=${rated} label=${label} value=${(m) => m.complaintRate} format=${percent} />
              </div>`
            : null}`
        : null}
    </section>`;
}
