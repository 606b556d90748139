// The shop's notes on the public complaint report (/report): what it improved, month by month.
import { html, useState } from '/console/vendor/preact.js';
import { FIRST_SHOP, get, post, query } from './api.js';
import { Loading, Notice, When, useI18n, useLoad, useSubmit } from './ui.js';

const thisMonth = () => new Date().toISOString().slice(0, 7);

/** The merchant's own public report page; the first shop's stays at /report, as before merchants. */
const reportPage = (merchantId) => (merchantId === FIRST_SHOP ? '/report' : `/report/${encodeURIComponent(merchantId)}`);

export function ReportNotesView({ me }) {
  const { t } = useI18n();
  const [month, setMonth] = useState(thisMonth());
  const [text, setText] = useState('');
  const report = useLoad(() => get(`/v1/public/complaint-report${query({ month, merchant: me.merchantId })}`, { auth: false }), [month]);
  const { busy, notice, submit: publish } = useSubmit(async () => {
    await post('/v1/public/complaint-report/notes', { month, text: text.trim() });
    setText('');
    report.reload();
    return { kind: 'ok', text: t('notePublished') };
  });
  return html`
    <section class="report-notes">
      <p class="muted small">${t('notesIntro')}</p>
      <form class="panel" onSubmit=${publish}>
        <label>${t('month')}<input type="month" name="month" value=${month} onChange=${(e) => e.currentTarget.value && setMonth(e.currentTarget.value)} /></label>
        <label>${t('noteText')}<textarea name="noteText" rows="4" maxlength="2000" required value=${text} onInput=${(e) => setText(e.currentTarget.value)}></textarea></label>
        <div class="buttons">
          <button type="submit" disabled=${busy || !text.trim()}>${t('addNote')}</button>
          <a class="button secondary" href=${`${reportPage(me.merchantId)}?month=${month}`} target="_blank" rel="noopener">${t('openReport')} ↗</a>
        </div>
        <${Notice} notice=${notice} />
      </form>
      <h3>${t('notesTitle')}</h3>
      <${Loading} state=${report} />
      ${report.data
        ? report.data.notes.length
          ? html`<ul class="notes" data-notes=${month}>${report.data.notes.map((n) => html`<li><span class="muted small"><${When} at=${n.at} /></span><p>${n.text}</p></li>`)}</ul>`
          : html`<p class="muted">${t('noNotes')}</p>`
        : null}
    </section>`;
}
