// The agents' side: the complaint queue, one complaint beside its order, and refund requests.
import { html, useState, useCallback } from '/console/vendor/preact.js';
import { get, post, query } from './api.js';
import { money, when } from './i18n.js';
import { Loading, Notice, Sla, Status, refusal, useEvery, useI18n, useLoad } from './ui.js';

export const CATEGORIES = ['key_invalid', 'key_not_received', 'wrong_item', 'payment_issue', 'service', 'other'];
const STATUSES = ['OPEN', 'ACKNOWLEDGED', 'AWAITING_BUYER', 'ESCALATED', 'RESOLVED', 'CLOSED'];
const ACTIONS = ['acknowledge', 'request_info', 'resolve_replace', 'resolve_refund', 'reject', 'escalate'];

export function QueueView() {
  const { t, lang } = useI18n();
  const [filters, setFilters] = useState({ status: '', category: '', sku: '' });
  const [more, setMore] = useState({ items: [], next: undefined });
  const page = useLoad(() => get(`/v1/complaints${query({ ...filters, limit: 50 })}`), [filters.status, filters.category, filters.sku]);
  useEvery(30_000, page.reload);
  const loadMore = async () => {
    const cursor = more.next ?? page.data?.nextCursor;
    const next = await get(`/v1/complaints${query({ ...filters, limit: 50, cursor })}`);
    setMore((m) => ({ items: [...m.items, ...next.items], next: next.nextCursor }));
  };
  const set = (field) => (e) => {
    setMore({ items: [], next: undefined });
    setFilters({ ...filters, [field]: e.currentTarget.value.trim() });
  };
  const items = [...(page.data?.items ?? []), ...more.items];
  const hasMore = more.next !== undefined ? more.next : page.data?.nextCursor;
  return html`
    <section>
      <form class="filters" onSubmit=${(e) => e.preventDefault()}>
        <label>${t('status')}
          <select name="status" value=${filters.status} onChange=${set('status')}>
            <option value="">${t('all')}</option>
            ${STATUSES.map((s) => html`<option value=${s}>${s}</option>`)}
          </select></label>
        <label>${t('category')}
          <select name="category" value=${filters.category} onChange=${set('category')}>
            <option value="">${t('all')}</option>
            ${CATEGORIES.map((c) => html`<option value=${c}>${t(`cat_${c}`)}</option>`)}
          </select></label>
        <label>${t('sku')}<input name="sku" value=${filters.sku} onChange=${set('sku')} /></label>
        <button type="button" onClick=${page.reload}>${t('refresh')}</button>
      </form>
      <${Loading} state=${page} />
      ${page.data && items.length === 0 ? html`<p class="muted">${t('nothing')}</p>` : null}
      <ul class="cards queue">
        ${items.map(
          (c) => html`<li class="card" key=${c.complaintId} data-complaint=${c.complaintId}>
            <a class="card-link" href=${`#/complaints/${c.complaintId}`}>
              <div class="row"><${Status} value=${c.status} /> <strong>${t(`cat_${c.category}`)}</strong> <span class="muted">${c.sku}</span>
                ${c.escalated ? html`<span class="badge escalated">${t('escalated')}</span>` : null} <${Dispute} complaint=${c} /></div>
              <div class="row"><${Sla} complaint=${c} /> ${c.amount ? html`<span>${money(c.amount, lang)}</span>` : null}
                ${c.orderStatus ? html`<span class="muted">${t('order')}: ${c.orderStatus}</span>` : null}</div>
              <p class="excerpt">${c.description}</p>
              <div class="muted small">${c.complaintId} · ${when(c.createdAt, lang)}</div>
            </a>
          </li>`,
        )}
      </ul>
      ${hasMore ? html`<button type="button" onClick=${loadMore}>${t('more')}</button>` : null}
    </section>`;
}

export function ComplaintView({ id, role }) {
  const { t, lang } = useI18n();
  const complaint = useLoad(() => get(`/v1/complaints/${encodeURIComponent(id)}`), [id]);
  const orderId = complaint.data?.orderId;
  const order = useLoad(() => (orderId ? get(`/v1/orders/${encodeURIComponent(orderId)}`) : Promise.resolve(undefined)), [orderId]);
  const [note, setNote] = useState('');
  const [notice, setNotice] = useState(null);
  const [busy, setBusy] = useState(false);

  const refreshBoth = useCallback(() => {
    complaint.reload();
    order.reload();
  }, [complaint.reload, order.reload]);

  async function act(action) {
    setBusy(true);
    setNotice(null);
    try {
      const answer = await post(`/v1/complaints/${encodeURIComponent(id)}/actions`, { action, ...(note.trim() ? { note: note.trim() } : {}) });
      if (answer.status === 202) {
        setNotice({ kind: 'info', text: t('pending') });
        // Work that takes long (a refund paid out, a key checked): look again until it shows.
        for (const wait of [1000, 2000, 4000, 8000]) setTimeout(refreshBoth, wait);
      } else {
        complaint.set(answer.body);
        setNotice({ kind: 'ok', text: t('done', { status: answer.body.status }) });
        order.reload();
      }
      setNote('');
    } catch (err) {
      setNotice(refusal(t, err));
      // The state changed under the agent: show what it is now.
      if (err.status === 409) refreshBoth();
    } finally {
      setBusy(false);
    }
  }

  const c = complaint.data;
  const o = order.data;
  return html`
    <section class="complaint">
      <p><a href="#/queue">${t('back')}</a></p>
      <${Loading} state=${complaint} />
      ${c
        ? html`<div class="split">
            <article class="panel">
              <h2>${t('complaint')} <${Status} value=${c.status} /> ${c.escalated ? html`<span class="badge escalated">${t('escalated')}</span>` : null}</h2>
              <div class="row"><strong>${t(`cat_${c.category}`)}</strong> <span class="muted">${c.sku}</span> <${Sla} complaint=${c} /> <${Dispute} complaint=${c} /></div>
              <p class="muted small">${c.complaintId} · ${when(c.createdAt, lang)}${c.resolution ? ` · ${c.resolution}` : ''}</p>
              ${c.evidence.length ? html`<h3>${t('evidence')}</h3><ul>${c.evidence.map((e) => html`<li>${e}</li>`)}</ul>` : null}
              <h3>${t('messages')}</h3>
              <ol class="messages">
                ${c.messages.map((m) => html`<li class=${`msg from-${m.from}`}><span class="muted small">${m.from}${m.actor ? ` · ${m.actor}` : ''} · ${when(m.at, lang)}</span><p>${m.text}</p></li>`)}
              </ol>
              ${role === 'agent' || role === 'admin'
                ? html`<div class="actions">
                    <label class="grow">${t('note')}<textarea name="note" rows="3" maxlength="2000" value=${note} onInput=${(e) => setNote(e.currentTarget.value)}></textarea></label>
                    <div class="buttons">
                      ${ACTIONS.map((a) => html`<button type="button" data-action=${a} disabled=${busy || c.status === 'CLOSED'} onClick=${() => act(a)}>${t(`act_${a}`)}</button>`)}
                    </div>
                  </div>`
                : null}
              <${Notice} notice=${notice} />
            </article>
            <aside class="panel">
              <h2>${t('order')} ${o ? html`<${Status} value=${o.status} />` : null}</h2>
              <${Loading} state=${order} />
              ${o
                ? html`<p>${o.sku} × ${o.quantity} · ${money(o.amount, lang)}</p>
                  <p class="muted small">${o.orderId} · ${o.buyer.email}</p>
                  ${o.keys.length ? html`<p class="small">${o.keys.map((k) => k.masked).join(', ')}</p>` : null}
                  <h3>${t('timeline')}</h3>
                  <ol class="timeline">
                    ${o.timeline.map((e) => html`<li><span class="muted small">${when(e.at, lang)}</span> <strong>${e.type}</strong>${e.actor ? ` · ${e.actor}` : ''}${e.detail ? html`<br /><span class="small">${e.detail}</span>` : null}</li>`)}
                  </ol>`
                : null}
            </aside>
          </div>`
        : null}
    </section>`;
}

export function RefundsView() {
  const { t } = useI18n();
  const page = useLoad(() => get('/v1/orders?status=REFUND_REQUESTED&limit=50'), []);
  useEvery(30_000, page.reload);
  return html`
    <section>
      <div class="row"><button type="button" onClick=${page.reload}>${t('refresh')}</button></div>
      <${Loading} state=${page} />
      ${page.data && page.data.items.length === 0 ? html`<p class="muted">${t('nothing')}</p>` : null}
      <ul class="cards">${(page.data?.items ?? []).map((o) => html`<${RefundCard} key=${o.orderId} summary=${o} />`)}</ul>
    </section>`;
}

function RefundCard({ summary }) {
  const { t, lang } = useI18n();
  const view = useLoad(() => get(`/v1/orders/${encodeURIComponent(summary.orderId)}`), [summary.orderId]);
  const [note, setNote] = useState('');
  const [notice, setNotice] = useState(null);
  const [decided, setDecided] = useState(false);
  const [busy, setBusy] = useState(false);
  async function decide(approve) {
    setBusy(true);
    try {
      const answer = await post(`/v1/orders/${encodeURIComponent(summary.orderId)}/refund-decision`, { approve, ...(note.trim() ? { note: note.trim() } : {}) });
      setDecided(true);
      setNotice(answer.status === 202 ? { kind: 'info', text: t('pending') } : { kind: 'ok', text: t('decided', { status: answer.body.status }) });
    } catch (err) {
      setNotice(refusal(t, err));
      view.reload();
    } finally {
      setBusy(false);
    }
  }
  const refund = view.data?.refund;
  return html`<li class="card" data-order=${summary.orderId}>
    <div class="row"><${Status} value=${view.data?.status ?? summary.status} /> <strong>${summary.sku}</strong> <span>${money(summary.amount, lang)}</span></div>
    <p class="muted small">${summary.orderId}</p>
    ${refund ? html`<p><span class="muted">${t('reason')}:</span> ${refund.reason}</p><p class="muted small">${t('requested')} ${when(refund.requestedAt, lang)}</p>` : null}
    <label>${t('note')}<input name="note" maxlength="2000" value=${note} onInput=${(e) => setNote(e.currentTarget.value)} /></label>
    <div class="buttons">
      <button type="button" data-decision="approve" disabled=${busy || decided} onClick=${() => decide(true)}>${t('approve')}</button>
      <button type="button" data-decision="reject" class="secondary" disabled=${busy || decided} onClick=${() => decide(false)}>${t('reject')}</button>
    </div>
    <${Notice} notice=${notice} />
  </li>`;
}

/** A complaint that follows a provider's dispute says which, its id there, and how it ended. */
function Dispute({ complaint: c }) {
  const { t } = useI18n();
  if (!c.dispute) return null;
  const outcome = c.dispute.outcome ? ` · ${t(`outcome_${c.dispute.outcome}`)}` : ` · ${c.dispute.status}`;
  return html`<span class="badge dispute" data-dispute=${c.dispute.id}>${t(`src_${c.dispute.source}`)} ${c.dispute.id}${outcome}</span>`;
}
