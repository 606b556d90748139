// What buyers said beyond complaints, and how the automatic re-check of reported keys did: shown
// beside the complaint ranking, for the same period.
import { html, useState } from '/console/vendor/preact.js';
import { get, query, seg } from './api.js';
import { percent } from './i18n.js';
import { Loading, When, useI18n, useLoad } from './ui.js';

/** The re-check's figures from the complaint report: resolved with no agent and how fast, and which went to the agents and why. */
export function AutoRecheck({ figures: r }) {
  const { t } = useI18n();
  const secs = (s) => (s === null ? '—' : t('seconds', { n: s }));
  return html`<section class="panel" data-auto-recheck>
    <h3>${t('autoRecheck')}</h3>
    <dl class="figures">
      <div><dt>${t('rechecked')}</dt><dd data-figure="rechecked">${r.rechecked}</dd></div>
      <div><dt>${t('resolvedBySystem')}</dt><dd data-figure="resolved">${r.resolved}</dd></div>
      <div><dt>${t('p50ToNewKey')}</dt><dd data-figure="median">${secs(r.medianSeconds)}</dd></div>
      <div><dt>${t('p95ToNewKey')}</dt><dd data-figure="p95">${secs(r.p95Seconds)}</dd></div>
      <div><dt>${t('reopenedAfter')}</dt><dd data-figure="reopened">${r.reopened}</dd></div>
    </dl>
    <h4>${t('toAgents')}</h4>
    <dl class="figures">
      ${Object.entries(r.toAgents).map(([why, n]) => html`<div><dt>${t(`toAgents_${why}`)}</dt><dd data-to-agents=${why}>${n}</dd></div>`)}
    </dl>
  </section>`;
}

/** Feedback per product, worst first, and what each buyer said (newest first, a product at a time when one is picked). */
export function FeedbackPanel({ period }) {
  const { t } = useI18n();
  const [sku, setSku] = useState('');
  const range = { from: `${period.from}T00:00:00Z`, to: `${period.to}T00:00:00Z` };
  const report = useLoad(() => get(`/v1/reports/feedback${query(range)}`), [period.from, period.to]);
  const [more, setMore] = useState({ items: [], next: undefined });
  const list = useLoad(() => {
    setMore({ items: [], next: undefined });
    return get(`/v1/feedback${query({ ...range, sku, limit: 20 })}`);
  }, [period.from, period.to, sku]);
  const loadMore = async () => {
    const next = await get(`/v1/feedback${query({ ...range, sku, limit: 20, cursor: more.next ?? list.data?.nextCursor })}`);
    setMore((m) => ({ items: [...m.items, ...next.items], next: next.nextCursor }));
  };
  const items = [...(list.data?.items ?? []), ...more.items];
  const hasMore = more.next !== undefined ? more.next : list.data?.nextCursor;
  return html`<section class="panel" data-feedback>
    <h3>${t('feedback')}</h3>
    <${Loading} state=${report} />
    ${report.data && report.data.bySku.length === 0 ? html`<p class="muted">${t('nothing')}</p>` : null}
    ${report.data?.bySku.length
      ? html`<table class="table" data-feedback-report>
          <thead><tr><th>${t('sku')}</th><th>${t('responses')}</th><th>${t('averageRating')}</th><th>${t('unclearInstructions')}</th></tr></thead>
          <tbody>${report.data.bySku.map(
            (s) => html`<tr data-sku=${s.sku}><td><button type="button" class="link" aria-pressed=${String(sku === s.sku)} onClick=${() => setSku(sku === s.sku ? '' : s.sku)}>${s.sku}</button></td>
              <td>${s.responses}</td><td>${s.averageRating.toFixed(2)}</td><td>${s.unclearInstructionsShare === null ? '—' : percent(s.unclearInstructionsShare)}</td></tr>`,
          )}</tbody>
        </table>`
      : null}
    <h4>${sku ? t('feedbackOn', { sku }) : t('latestFeedback')}</h4>
    <${Loading} state=${list} />
    <ul class="plain feedback-list">
      ${items.map(
        (f) => html`<li key=${f.orderId} data-feedback-order=${f.orderId}>
          <span class="stars" aria-label=${t('ratingOf', { n: f.rating })}>${'★'.repeat(f.rating)}${'☆'.repeat(5 - f.rating)}</span>
          <span class="muted small">${f.sku}</span>
          ${f.instructionsClear === false ? html`<span class="badge kind-act">${t('instructionsUnclear')}</span>` : f.instructionsClear ? html`<span class="badge kind-ok">${t('instructionsClear')}</span>` : null}
          ${f.comment ? html`<p>${f.comment}</p>` : null}
          <span class="muted small"><a href=${`#/orders/${seg(f.orderId)}`} class="mono">${f.orderId}</a> · <${When} at=${f.at} /></span>
        </li>`,
      )}
    </ul>
    ${list.data && items.length === 0 ? html`<p class="muted">${t('nothing')}</p>` : null}
    ${hasMore ? html`<button type="button" onClick=${loadMore}>${t('more')}</button>` : null}
  </section>`;
}
