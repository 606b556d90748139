// The shop at a glance: sales, revenue, refunds and complaints by day, and what waits on someone.
import { html, useState } from '/console/vendor/preact.js';
import { get, query, seg } from './api.js';
import { DayChart } from './chart.js';
import { formatMoney, fractionDigits } from './money.js';
import { Loading, When, useI18n, useLoad } from './ui.js';

const PERIODS = [7, 30, 90];

/** The day `n` days before `day`, on the calendar (`2026-03-01`, 1 → `2026-02-28`). */
function daysBefore(day, n) {
  return new Date(Date.parse(`${day}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);
}

export function DashboardView({ me }) {
  const { t, lang } = useI18n();
  const [days, setDays] = useState(30);
  // The shop's today is the API's (SHOP_TIME_ZONE), not this browser's: learnt from the first answer.
  const [today, setToday] = useState(undefined);
  const sales = useLoad(async () => {
    // Without a period the API answers the 30 days to the shop's today.
    const report = await get(`/v1/reports/sales${today && days !== 30 ? query({ from: daysBefore(today, days - 1), to: today }) : ''}`);
    if (!today) setToday(report.byDay.at(-1).day);
    return report;
  }, [days]);
  const stuck = useLoad(() => get('/v1/ops/stuck'), []);
  const queue = useLoad(() => get('/v1/complaints?limit=100'), []);
  const incidents = useLoad(() => get('/v1/incidents?status=OPEN'), []);
  const s = sales.data;
  const currency = s?.totals.revenue.currency ?? 'CNY';
  const major = (m) => m.amount / 10 ** fractionDigits(m.currency);
  const yuan = (v) => formatMoney({ amount: Math.round(v * 10 ** fractionDigits(currency)), currency }, lang);
  const waiting = queue.data ? queue.data.items.filter((c) => c.waitingOn === 'agent').length : undefined;
  return html`
    <section class="dashboard">
      <div class="row" role="group">
        ${PERIODS.map((n) => html`<button type="button" class=${n === days ? '' : 'secondary'} aria-pressed=${n === days} data-days=${n} disabled=${!today} onClick=${() => setDays(n)}>${t(`days${n}`)}</button>`)}
      </div>
      <${Loading} state=${sales} />
      <dl class="figures">
        <div><dt>${t('needAttention')}</dt><dd data-figure="attention"><a href="#/stuck">${stuck.data ? stuck.data.items.length : '…'}</a></dd></div>
        <div><dt>${t('openComplaints')}</dt><dd data-figure="waiting"><a href="#/queue">${waiting === undefined ? '…' : `${waiting}${queue.data.nextCursor ? '+' : ''}`}</a></dd></div>
        <div><dt>${t('openIncidents')}</dt><dd data-figure="incidents"><a href="#/incidents">${incidents.data ? incidents.data.items.length : incidents.error ? '—' : '…'}</a></dd></div>
      </dl>
      ${incidents.data?.items.length
        ? html`<ul class="plain" data-open-incidents>${incidents.data.items.map(
            (i) => html`<li key=${i.incidentId}><a href=${`#/incidents/${seg(i.incidentId)}`} data-incident-link=${i.incidentId}>${i.title}</a> <span class="muted small">· <${When} at=${i.startedAt} /></span></li>`,
          )}</ul>`
        : null}
      ${s
        ? html`
          <dl class="figures" data-period=${`${s.byDay[0]?.day}/${s.byDay.at(-1)?.day}`}>
            <div><dt>${t('ordersTaken')}</dt><dd data-figure="orders">${s.totals.orders}</dd></div>
            <div><dt>${t('paidOrders')}</dt><dd data-figure="paid">${s.totals.paid}</dd></div>
            <div><dt>${t('revenue')}</dt><dd data-figure="revenue">${formatMoney(s.totals.revenue, lang)}</dd></div>
            <div><dt>${t('refundsCount')}</dt><dd data-figure="refunds">${s.totals.refunds}</dd></div>
            <div><dt>${t('refunded')}</dt><dd data-figure="refunded">${formatMoney(s.totals.refunded, lang)}</dd></div>
            <div><dt>${t('net')}</dt><dd data-figure="net">${formatMoney({ amount: s.totals.revenue.amount - s.totals.refunded.amount, currency }, lang)}</dd></div>
            <div><dt>${t('complaints')}</dt><dd data-figure="complaints">${s.totals.complaints}</dd></div>
          </dl>
          <p class="muted small">${t('dayNote', { zone: s.period.timeZone })}</p>
          ${s.otherCurrencies.length
            ? html`<p class="small">${t('otherCurrencies', { list: s.otherCurrencies.map((c) => formatMoney(c.revenue, lang)).join(', ') })}</p>`
            : null}
          <div class="charts">
            <${DayChart} name="revenue" title=${t('revenueByDay')} days=${s.byDay} format=${yuan} series=${[{ label: t('revenue'), value: (d) => major(d.revenue) }]} />
            <${DayChart} name="orders" title=${t('ordersByDay')} days=${s.byDay} series=${[{ label: t('ordersTaken'), value: (d) => d.orders }, { label: t('paidOrders'), value: (d) => d.paid }]} />
            <${DayChart} name="refunds" title=${t('refundsByDay')} days=${s.byDay} series=${[{ label: t('refundsCount'), value: (d) => d.refunds }]} />
            <${DayChart} name="complaints" title=${t('complaintsByDay')} days=${s.byDay} series=${[{ label: t('complaints'), value: (d) => d.complaints }]} />
          </div>`
        : null}
    </section>`;
}
