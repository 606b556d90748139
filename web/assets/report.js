// The public complaint report (/report): what a shop publishes each month, for anyone to read.
// /report/<merchantId> is one merchant's; /report the platform's (every merchant's together).
import { html, render, useEffect, useLayoutEffect, useState } from '/console/vendor/preact.js';
import { get, query } from './api.js';
import { BarChart } from './chart.js';
import { currentLang, percent, setLang, translate, when } from './i18n.js';
import { StatusBanner } from './statusBanner.js';

const thisMonth = () => new Date().toISOString().slice(0, 7);
/** The merchant the path names (`/report/acme-cards`), or none. */
const merchant = (/^\/report\/([^/]+)\/?$/.exec(location.pathname) ?? [])[1];

function Report() {
  const [lang, setLangState] = useState(currentLang());
  const t = (key, vars) => translate(lang, key, vars);
  const [month, setMonth] = useState(new URLSearchParams(location.search).get('month') || thisMonth());
  const [report, setReport] = useState(null);
  const [error, setError] = useState(null);
  // Before the page paints in the new language, so what reads the page (a screen reader) never
  // meets text in one language marked as the other.
  useLayoutEffect(() => {
    setLang(lang);
    document.title = merchant ? `${t('reportTitle')} · ${merchant}` : t('reportTitle');
  }, [lang]);
  useEffect(() => {
    setError(null);
    get(`/v1/public/complaint-report${query({ month, merchant })}`, { auth: false }).then(setReport, setError);
  }, [month]);
  const r = report;
  const minutes = (n) => (n === null ? '—' : t('minutes', { n }));
  const hours = (n) => (n === null ? '—' : t('hours', { n }));
  return html`
    <header class="top">
      <h1>${t('reportTitle')}${merchant ? html` · <span data-merchant=${merchant}>${report?.merchant?.name ?? merchant}</span>` : null}</h1>
      <button type="button" class="link" data-lang-toggle onClick=${() => setLangState(lang === 'zh' ? 'en' : 'zh')}>${t('language')}</button>
    </header>
    <main class="report">
      <${StatusBanner} lang=${lang} merchant=${merchant} />
      <p class="muted">${t('reportIntro')}</p>
      <form class="filters" onSubmit=${(e) => e.preventDefault()}>
        <label>${t('month')}<input type="month" name="month" value=${month} onChange=${(e) => e.currentTarget.value && setMonth(e.currentTarget.value)} /></label>
      </form>
      ${error && error.status === 404 && merchant
        ? html`<section class="panel" data-not-found><h2>${t('noSuchMerchant')}</h2><p>${t('noSuchMerchantMore', { id: merchant })}</p><p><a href="/report">${t('platformReport')}</a></p></section>`
        : error ? html`<p class="notice notice-error" role="alert">${error.message}</p>` : null}
      ${r
        ? html`
          <dl class="figures" data-report=${r.month}>
            <div><dt>${t('orders')}</dt><dd data-figure="orders">${r.orders}</dd></div>
            <div><dt>${t('complaints')}</dt><dd data-figure="complaints">${r.complaints}</dd></div>
            <div><dt>${t('complaintRateTotal')}</dt><dd data-figure="complaintRate">${percent(r.complaintRate)}</dd></div>
            <div><dt>${t('firstResponseOnTime')}</dt><dd>${percent(r.firstResponseOnTime)}</dd></div>
            <div><dt>${t('resolutionOnTime')}</dt><dd>${percent(r.resolutionOnTime)}</dd></div>
            <div><dt>${t('medianFirstResponse')}</dt><dd>${minutes(r.medianFirstResponseMinutes)}</dd></div>
            <div><dt>${t('medianResolution')}</dt><dd>${hours(r.medianResolutionHours)}</dd></div>
            <div><dt>${t('responses')}</dt><dd>${r.satisfaction.responses}</dd></div>
            <div><dt>${t('satisfied')}</dt><dd>${percent(r.satisfaction.satisfiedShare)}</dd></div>
            <div><dt>${t('averageRating')}</dt><dd>${r.satisfaction.averageRating ?? '—'}</dd></div>
          </dl>
          <${BarChart} title=${t('byCategory')} items=${r.byCategory} label=${(c) => t(`cat_${c.category}`)} value=${(c) => c.complaints} format=${String} />
          <h2>${t('notesTitle')}</h2>
          ${r.notes.length
            ? html`<ul class="notes">${r.notes.map((n) => html`<li><span class="muted small">${when(n.at, lang)}</span><p>${n.text}</p></li>`)}</ul>`
            : html`<p class="muted">${t('noNotes')}</p>`}`
        : null}
    </main>`;
}

const root = document.getElementById('app');
root.textContent = '';
render(html`<${Report} />`, root);
