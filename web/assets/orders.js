// The orders grid (search by id or email, filter by status, sku and dates) and one order's page:
// what it is, where it stands, its timeline, and the actions that fit it.
import { html, useState } from '/console/vendor/preact.js';
import { act, get, query, seg } from './api.js';
import { FileForBuyer } from './fileComplaint.js';
import { timelineType } from './i18n.js';
import { formatMoney } from './money.js';
import { RefundDecision, RefundFacts, fits } from './refunds.js';
import { shopDayStart } from './shopDay.js';
import { ORDER_STATUSES, SHOP_TIME_ZONE } from '/console/rules.js';
import { Loading, Notice, Status, When, useI18n, useLoad, useSubmit } from './ui.js';

const EMPTY = { text: '', status: '', sku: '', from: '', to: '' };

/**
 * The API's filters from the form: the search box is an order id, or an email when it has an @.
 * Dates are the shop's days (as the sales dashboard's are), sent as the instants they begin and end.
 */
function filtersOf(form) {
  const text = form.text.trim();
  return {
    ...(text ? (text.includes('@') ? { email: text } : { orderId: text }) : {}),
    status: form.status,
    sku: form.sku.trim(),
    ...(form.from ? { from: shopDayStart(form.from) } : {}),
    ...(form.to ? { to: shopDayStart(form.to, 1) } : {}),
  };
}

export function OrdersView() {
  const { t, lang } = useI18n();
  const [form, setForm] = useState(EMPTY);
  const [filters, setFilters] = useState({});
  const [more, setMore] = useState({ items: [], next: undefined });
  const page = useLoad(() => get(`/v1/orders${query({ ...filters, limit: 50 })}`), [JSON.stringify(filters)]);
  const apply = (next) => {
    setMore({ items: [], next: undefined });
    setFilters(filtersOf(next));
  };
  const field = (name) => (e) => setForm({ ...form, [name]: e.currentTarget.value });
  const loadMore = async () => {
    const cursor = more.next ?? page.data?.nextCursor;
    const next = await get(`/v1/orders${query({ ...filters, limit: 50, cursor })}`);
    setMore((m) => ({ items: [...m.items, ...next.items], next: next.nextCursor }));
  };
  const items = [...(page.data?.items ?? []), ...more.items];
  const hasMore = more.next !== undefined ? more.next : page.data?.nextCursor;
  return html`
    <section>
      <p class="muted small">${t('ordersIntro')}</p>
      <form class="filters" onSubmit=${(e) => { e.preventDefault(); apply(form); }}>
        <label class="wide">${t('search')}<input name="q" type="search" placeholder=${t('searchHint')} value=${form.text} onInput=${field('text')} /></label>
        <label>${t('status')}
          <select name="status" value=${form.status} onChange=${(e) => { const next = { ...form, status: e.currentTarget.value }; setForm(next); apply(next); }}>
            <option value="">${t('all')}</option>
            ${ORDER_STATUSES.map((s) => html`<option value=${s}>${t(`st_${s}`)}</option>`)}
          </select></label>
        <label>${t('sku')}<input name="sku" value=${form.sku} onInput=${field('sku')} /></label>
        <label>${t('from')}<input name="from" type="date" value=${form.from} onInput=${field('from')} /></label>
        <label>${t('to')}<input name="to" type="date" value=${form.to} onInput=${field('to')} /></label>
        <p class="muted small" data-shop-zone=${SHOP_TIME_ZONE}>${t('ordersDayNote', { zone: SHOP_TIME_ZONE })}</p>
        <div class="buttons">
          <button type="submit">${t('search')}</button>
          <button type="button" class="secondary" onClick=${() => { setForm(EMPTY); apply(EMPTY); }}>${t('clear')}</button>
        </div>
      </form>
      <${Loading} state=${page} />
      ${page.data && items.length === 0 ? html`<p class="muted" data-empty>${filters.orderId ? t('noOrder') : t('nothing')}</p>` : null}
      ${items.length
        ? html`<table class="grid">
            <thead><tr><th>${t('created')}</th><th>${t('order')}</th><th>${t('sku')}</th><th>${t('amount')}</th><th>${t('status')}</th><th>${t('refund')}</th><th>${t('complaints')}</th></tr></thead>
            <tbody>
              ${items.map(
                (o) => html`<tr key=${o.orderId} data-order=${o.orderId}>
                  <td data-label=${t('created')}><${When} at=${o.createdAt} /></td>
                  <td data-label=${t('order')}><a href=${`#/orders/${seg(o.orderId)}`} class="mono">${o.orderId}</a></td>
                  <td data-label=${t('sku')}>${o.sku}${o.quantity > 1 ? ` × ${o.quantity}` : ''}</td>
                  <td data-label=${t('amount')}>${formatMoney(o.amount, lang)}</td>
                  <td data-label=${t('status')}><${Status} value=${o.status} /></td>
                  <td data-label=${t('refund')}>${o.refund ? html`<${Status} of="refund" value=${o.refund.status} />` : null}</td>
                  <td data-label=${t('complaints')}>${o.complaints.length || null}</td>
                </tr>`,
              )}
            </tbody>
          </table>`
        : null}
      ${hasMore ? html`<button type="button" onClick=${loadMore}>${t('more')}</button>` : null}
    </section>`;
}

/** One order: its facts, refund, complaints, the actions that fit its status for this role, and its timeline. */
export function OrderView({ id, role }) {
  const { t, lang } = useI18n();
  const order = useLoad(() => get(`/v1/orders/${seg(id)}`), [id]);
  const o = order.data;
  return html`
    <section class="order">
      <p><a href="#/orders">${t('back')}</a></p>
      ${order.error?.status === 404 ? html`<p class="notice notice-error" role="alert">${t('noOrder')}</p>` : html`<${Loading} state=${order} />`}
      ${o
        ? html`<div class="split" data-order-view=${o.orderId}>
            <article class="panel">
              <h2>${t('order')} <${Status} value=${o.status} /></h2>
              <p class="mono small">${o.orderId}</p>
              <${OrderFacts} order=${o} />
              ${o.attention ? html`<p class="notice notice-conflict" data-attention>${t('attention')}: <span lang="en">${o.attention.reason}</span> (<${When} at=${o.attention.since} />)</p>` : null}
              ${o.refund ? html`<h3>${t('refund')}</h3><${RefundFacts} refund=${o.refund} />` : null}
              ${o.complaints.length
                ? html`<h3>${t('complaints')}</h3><ul class="plain">${o.complaints.map((c) => html`<li><a href=${`#/complaints/${seg(c)}`} data-complaint-link=${c}>${t('openComplaint', { id: c })}</a></li>`)}</ul>`
                : null}
              <${OrderActions} order=${o} role=${role} onDone=${order.reload} />
              ${(role === 'agent' || role === 'admin') && o.paidAt ? html`<${FileForBuyer} order=${o} onFiled=${(id) => (location.hash = `#/complaints/${seg(id)}`)} />` : null}
            </article>
            <aside class="panel">
              <h3>${t('timeline')}</h3>
              <${Timeline} entries=${o.timeline} />
            </aside>
          </div>`
        : null}
    </section>`;
}

/** What an order is: product, money, buyer (masked), keys (masked) and its dates. */
export function OrderFacts({ order: o }) {
  const { t, lang } = useI18n();
  return html`<dl class="facts">
    <div><dt>${t('sku')}</dt><dd>${o.sku} × ${o.quantity}</dd></div>
    <div><dt>${t('amount')}</dt><dd data-amount>${formatMoney(o.amount, lang)}</dd></div>
    ${o.coupon ? html`<div data-coupon><dt>${t('coupon')}</dt><dd><a class="mono" href=${`#/coupons/${encodeURIComponent(o.coupon)}`}>${o.coupon}</a> · ${t('listPrice')} ${formatMoney(o.listPrice, lang)} − ${formatMoney(o.discount, lang)}</dd></div>` : null}
    <div><dt>${t('buyer')}</dt><dd>${o.buyer.email}</dd></div>
    <div><dt>${t('created')}</dt><dd><${When} at=${o.createdAt} /></dd></div>
    ${o.paidAt ? html`<div><dt>${t('paidAt')}</dt><dd><${When} at=${o.paidAt} /></dd></div>` : null}
    ${o.deliveredAt ? html`<div><dt>${t('deliveredAt')}</dt><dd><${When} at=${o.deliveredAt} /></dd></div>` : null}
    ${o.refundWindowEndsAt ? html`<div><dt>${t('refundWindowEnds')}</dt><dd><${When} at=${o.refundWindowEndsAt} /></dd></div>` : null}
    ${o.keys.length ? html`<div><dt>${t('keys')}</dt><dd class="mono">${o.keys.map((k) => k.masked).join(', ')}</dd></div>` : null}
  </dl>`;
}

/** The order's timeline, each entry in the page's language. */
export function Timeline({ entries }) {
  const { lang } = useI18n();
  return html`<ol class="timeline">
    ${entries.map(
      (e) => html`<li data-type=${e.type}><span class="muted small"><${When} at=${e.at} /></span> <strong>${timelineType(lang, e.type)}</strong>${e.actor ? html` · <span class="small">${e.actor}</span>` : null}${e.detail ? html`<br /><span class="small muted" lang="en">${e.detail}</span>` : null}</li>`,
    )}
  </ol>`;
}

/** Staff actions on an order: offered only where the status fits (the API's own table) and the role may act. */
function OrderActions({ order, role, onDone }) {
  const { t } = useI18n();
  const canDecide = (role === 'agent' || role === 'admin') && fits('refundDecision', order.status);
  const canCancel = role === 'admin' && fits('cancel', order.status);
  const { busy, notice, submit: cancel } = useSubmit(
    async () => {
      await act(`/v1/orders/${seg(order.orderId)}/cancel`, {});
      return { kind: 'ok', text: t('cancelled') };
    },
    { after: onDone },
  );
  // Kept once there is a refund, so what the decision's answer said stays after the order moves on.
  const decides = (role === 'agent' || role === 'admin') && order.refund;
  if (!decides && !canCancel && !notice) return null;
  return html`<div class="actions-box">
    ${canDecide || canCancel ? html`<h3>${t('actions')}</h3>` : null}
    ${decides ? html`<${RefundDecision} order=${order} onDecided=${onDone} />` : null}
    ${canCancel ? html`<div class="buttons"><button type="button" class="secondary" data-order-action="cancel" disabled=${busy} onClick=${cancel}>${t('cancelOrder')}</button></div>` : null}
    <${Notice} notice=${notice} />
  </div>`;
}
