// The shop's public status as a banner (/report and the console): open incidents and those resolved
// in the last 30 days, with the notes the shop published. It reads /v1/public/status (one merchant's
// with `merchant`: its incidents and the platform-wide ones), which holds nothing private, and shows
// nothing when all is well.
import { html, useEffect, useState } from '/console/vendor/preact.js';
import { get, query } from './api.js';
import { when } from './i18n.js';

const WORDS = {
  zh: { open: '服务异常处理中', resolved: '近期已解决', since: '开始于', ended: '结束于' },
  en: { open: 'Ongoing incident', resolved: 'Resolved recently', since: 'since', ended: 'ended' },
};

export function StatusBanner({ lang, merchant }) {
  const [status, setStatus] = useState(null);
  useEffect(() => {
    // The banner is a courtesy: a page whose status cannot be read shows without it.
    get(`/v1/public/status${query({ merchant })}`, { auth: false }).then(setStatus, () => setStatus(null));
  }, [merchant]);
  if (!status || (status.open.length === 0 && status.resolved.length === 0)) return null;
  const w = WORDS[lang] ?? WORDS.en;
  const item = (i) => html`<li data-incident=${i.status}>
    <strong>${i.title}</strong>
    <span class="muted small"> ${w.since} ${when(i.startedAt, lang)}${i.endedAt ? html` · ${w.ended} ${when(i.endedAt, lang)}` : null}</span>
    <p>${i.publicNote}</p>
  </li>`;
  return html`<section class="status-banner" data-status-banner aria-live="polite">
    ${status.open.length
      ? html`<div class="notice notice-conflict" role="status"><h2>${w.open}</h2><ul>${status.open.map(item)}</ul></div>`
      : null}
    ${status.resolved.length
      ? html`<div class="notice notice-info"><h2>${w.resolved}</h2><ul>${status.resolved.map(item)}</ul></div>`
      : null}
  </section>`;
}
