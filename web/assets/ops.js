// The ops side: orders that need attention (and why), stock levels, and the complaint ranking.
import { html, useState } from '/console/vendor/preact.js';
import { get, query, seg } from './api.js';
import { BarChart } from './chart.js';
import { percent, span } from './i18n.js';
import { AutoRecheck, FeedbackPanel } from './feedback.js';
import { formatMoney } from './money.js';
import { Loading, Status, When, useEvery, useI18n, useLoad } from './ui.js';

const AGES = ['5m', '30m', '2h', '24h'];

export function StuckView({ role }) {
  const { t, lang } = useI18n();
  const [olderThan, setOlderThan] = useState('30m');
  const [typed, setTyped] = useState('30m');
  const page = useLoad(() => get(`/v1/ops/stuck${query({ olderThan })}`), [olderThan]);
  useEvery(30_000, page.reload);
  return html`
    <section>
      <form class="filters" onSubmit=${(e) => { e.preventDefault(); typed.trim() === olderThan ? page.reload() : setOlderThan(typed.trim()); }}>
        <label>${t('olderThan')}
          <input name="olderThan" list="ages" value=${typed} onInput=${(e) => setTyped(e.currentTarget.value)} />
          <datalist id="ages">${AGES.map((a) => html`<option value=${a}></option>`)}</datalist></label>
        <button type="submit">${t('refresh')}</button>
      </form>
      <${Loading} state=${page} />
      ${page.data && page.data.items.length === 0 ? html`<p class="muted">${t('nothing')}</p>` : null}
      <ul class="cards">
        ${(page.data?.items ?? []).map(
          (o) => html`<li class=${`card why-${o.why}`} key=${o.orderId} data-order=${o.orderId} data-why=${o.why}>
            <div class="row"><${Status} value=${o.status} /> <strong>${o.sku}</strong>${o.quantity > 1 ? ` × ${o.quantity}` : ''} <span>${formatMoney(o.amount, lang)}</span></div>
            <p class="why">${t(`why_${o.why}`, { sku: o.sku })}</p>
            ${o.attention ? html`<p class="notice notice-conflict" data-attention lang="en">${o.attention.reason}</p>` : null}
            ${o.why === 'out_of_stock' && role === 'admin' ? html`<p><a href=${`#/products/${seg(o.sku)}`} data-import-link>${t('importFor', { sku: o.sku })}</a></p>` : null}
            <p class="small"><a href=${`#/orders/${seg(o.orderId)}`} class="mono">${o.orderId}</a></p>
            <p class="muted small">${t('since')} <${When} at=${o.since} /> (${span(Date.now() - Date.parse(o.since), lang)})</p>
            ${o.pendingActivity ? html`<p class="small">${t('pendingActivity')}: <strong lang="en">${o.pendingActivity}</strong>${o.attempts ? ` · ${o.attempts} ${t('attempts')}` : ''}</p>` : null}
            ${o.lastFailure ? html`<p class="small error-text" lang="en">${o.lastFailure}</p>` : null}
            <a class="temporal-link" href=${o.temporalUiUrl} target="_blank" rel="noopener noreferrer">${t('openInTemporal')} ↗</a>
          </li>`,
        )}
      </ul>
    </section>`;
}

export function StockView({ role }) {
  const { t } = useI18n();
  const page = useLoad(() => get('/v1/products?limit=500'), []);
  useEvery(30_000, page.reload);
  return html`
    <section>
      <div class="row"><button type="button" onClick=${page.reload}>${t('refresh')}</button></div>
      <${Loading} state=${page} />
      <ul class="cards">
        ${(page.data?.items ?? []).map((p) => {
          const level = p.stock.available === 0 ? 'out' : p.stock.available <= p.lowStockThreshold ? 'low' : 'ok';
          return html`<li class=${`card stock-${level}`} key=${p.sku} data-sku=${p.sku}>
            <div class="row"><strong>${role === 'admin' ? html`<a href=${`#/products/${seg(p.sku)}`}>${p.sku}</a>` : p.sku}</strong> <span class="muted">${p.name}</span>
              ${level !== 'ok' ? html`<span class=${`badge kind-${level === 'out' ? 'act' : 'wait'}`}>${t(level)}</span>` : null}
              ${p.active ? null : html`<span class="badge kind-end">${t('offSale')}</span>`}</div>
            <dl class="figures">
              <div><dt>${t('available')}</dt><dd>${p.stock.available}</dd></div>
              <div><dt>${t('reserved')}</dt><dd>${p.stock.reserved}</dd></div>
              <div><dt>${t('delivered')}</dt><dd>${p.stock.delivered}</dd></div>
              <div><dt>${t('threshold')}</dt><dd>${p.lowStockThreshold}</dd></div>
            </dl>
          </li>`;
        })}
      </ul>
    </section>`;
}

const day = (d) => d.toISOString().slice(0, 10);

export function RankingView() {
  const { t } = useI18n();
  const [period, setPeriod] = useState(() => ({ from: day(new Date(Date.now() - 30 * 86_400_000)), to: day(new Date(Date.now() + 86_400_000)) }));
  const report = useLoad(
    () => get(`/v1/reports/complaints${query({ from: `${period.from}T00:00:00Z`, to: `${period.to}T00:00:00Z` })}`),
    [period.from, period.to],
  );
  const r = report.data;
  const set = (field) => (e) => e.currentTarget.value && setPeriod({ ...period, [field]: e.currentTarget.value });
  return html`
    <section>
      <form class="filters" onSubmit=${(e) => e.preventDefault()}>
        <label>${t('from')}<input type="date" name="from" value=${period.from} onChange=${set('from')} /></label>
        <label>${t('to')}<input type="date" name="to" value=${period.to} onChange=${set('to')} /></label>
      </form>
      <${Loading} state=${report} />
      ${r
        ? html`
          <dl class="figures">
            <div><dt>${t('orders')}</dt><dd>${r.totals.orders}</dd></div>
            <div><dt>${t('complaints')}</dt><dd>${r.totals.complaints}</dd></div>
            <div><dt>${t('refundsCount')}</dt><dd>${r.totals.refunds}</dd></div>
            <div><dt>${t('firstResponseOnTime')}</dt><dd>${percent(r.sla.firstResponseOnTime)}</dd></div>
            <div><dt>${t('resolutionOnTime')}</dt><dd>${percent(r.sla.resolutionOnTime)}</dd></div>
            <div><dt>${t('satisfied')}</dt><dd>${percent(r.satisfaction.satisfiedShare)}</dd></div>
          </dl>
          <div class="charts">
            <${BarChart} title=${t('complaintRate')} items=${r.bySku.slice(0, 15)} label=${(s) => s.sku} value=${(s) => s.complaintRate ?? 0} format=${percent} />
            <${BarChart} title=${t('byCategory')} items=${r.byCategory} label=${(c) => t(`cat_${c.category}`)} value=${(c) => c.complaints} format=${String} />
            <${BarChart} title=${t('byChannel')} items=${r.byChannel} label=${(c) => t(`ch_${c.channel}`)} value=${(c) => c.complaints} format=${String} />
          </div>
          <${AutoRecheck} figures=${r.autoRecheck} />`
        : null}
      <${FeedbackPanel} period=${period} />
    </section>`;
}
