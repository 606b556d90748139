// The agents' side: the complaint queue, and one complaint beside its order.
import { html, useState, useCallback, useRef } from '/console/vendor/preact.js';
import { act, get, query, seg } from './api.js';
import { formatMoney } from './money.js';
import { Attachments } from './evidence.js';
import { OrderFacts, Timeline } from './orders.js';
import { COMPLAINT_ACTIONS, COMPLAINT_ACTION_FITS, COMPLAINT_CATEGORIES, COMPLAINT_CHANNELS, COMPLAINT_STATUSES } from '/console/rules.js';
import { Confirm, Loading, Notice, Sla, Status, When, useEvery, useI18n, useLoad, useSubmit } from './ui.js';

export function QueueView() {
  const { t, lang } = useI18n();
  const [filters, setFilters] = useState({ status: '', category: '', channel: '', sku: '' });
  const [more, setMore] = useState({ items: [], next: undefined });
  const page = useLoad(() => get(`/v1/complaints${query({ ...filters, limit: 50 })}`), [filters.status, filters.category, filters.channel, filters.sku]);
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
            ${COMPLAINT_STATUSES.map((s) => html`<option value=${s}>${t(`st_${s}`)}</option>`)}
          </select></label>
        <label>${t('category')}
          <select name="category" value=${filters.category} onChange=${set('category')}>
            <option value="">${t('all')}</option>
            ${COMPLAINT_CATEGORIES.map((c) => html`<option value=${c}>${t(`cat_${c}`)}</option>`)}
          </select></label>
        <label>${t('channel')}
          <select name="channel" value=${filters.channel} onChange=${set('channel')}>
            <option value="">${t('all')}</option>
            ${COMPLAINT_CHANNELS.map((c) => html`<option value=${c}>${t(`ch_${c}`)}</option>`)}
          </select></label>
        <label>${t('sku')}<input name="sku" value=${filters.sku} onChange=${set('sku')} /></label>
        <button type="button" onClick=${page.reload}>${t('refresh')}</button>
      </form>
      <${Loading} state=${page} />
      ${page.data && items.length === 0 ? html`<p class="muted">${t('nothing')}</p>` : null}
      <ul class="cards queue">
        ${items.map(
          (c) => html`<li class="card" key=${c.complaintId} data-complaint=${c.complaintId}>
            <a class="card-link" href=${`#/complaints/${seg(c.complaintId)}`}>
              <div class="row"><${Status} value=${c.status} /> <strong>${t(`cat_${c.category}`)}</strong> <span class="muted">${c.sku}</span>
                ${c.escalated ? html`<span class="badge kind-act">${t('escalated')}</span>` : null} <${Dispute} complaint=${c} /> <${Channel} complaint=${c} /></div>
              <div class="row"><${Sla} complaint=${c} /> ${c.amount ? html`<span>${formatMoney(c.amount, lang)}</span>` : null}
                ${c.orderStatus ? html`<span class="muted">${t('order')}:</span> <${Status} value=${c.orderStatus} />` : null}</div>
              <p class="excerpt">${c.description}</p>
              <div class="muted small">${c.complaintId} · <${When} at=${c.createdAt} /></div>
            </a>
          </li>`,
        )}
      </ul>
      ${hasMore ? html`<button type="button" onClick=${loadMore}>${t('more')}</button>` : null}
    </section>`;
}

export function ComplaintView({ id, role }) {
  const { t, lang } = useI18n();
  const complaint = useLoad(() => get(`/v1/complaints/${seg(id)}`), [id]);
  const orderId = complaint.data?.orderId;
  const order = useLoad(() => (orderId ? get(`/v1/orders/${seg(orderId)}`) : Promise.resolve(undefined)), [orderId]);
  const refreshBoth = useCallback(() => {
    complaint.reload();
    order.reload();
  }, [complaint.reload, order.reload]);

  const c = complaint.data;
  const o = order.data;
  return html`
    <section class="complaint">
      <p><a href="#/queue">${t('back')}</a></p>
      <${Loading} state=${complaint} />
      ${c
        ? html`<div class="split">
            <article class="panel">
              <h2>${t('complaint')} <${Status} value=${c.status} /> ${c.escalated ? html`<span class="badge kind-act">${t('escalated')}</span>` : null}</h2>
              <div class="row"><strong>${t(`cat_${c.category}`)}</strong> <span class="muted">${c.sku}</span> <${Sla} complaint=${c} /> <${Dispute} complaint=${c} /></div>
              <p class="muted small">${c.complaintId} · <${When} at=${c.createdAt} />${c.resolution ? ` · ${t(`res_${c.resolution}`)}` : ''}${c.resolvedBy ? ` · ${t('resolvedBy', { who: c.resolvedBy === 'system' ? t('from_system') : c.resolvedBy })}` : ''}</p>
              <p class="row"><${Channel} complaint=${c} always /> ${c.externalRef ? html`<span class="small" data-external-ref>${t('externalRef')}: <span class="mono">${c.externalRef}</span></span>` : null}
                ${c.filedBy ? html`<span class="muted small">${t('filedBy', { who: c.filedBy })}</span>` : null}</p>
              ${c.autoRecheck ? html`<p class=${`notice notice-${c.autoRecheck.verdict === 'invalid' ? 'ok' : 'info'}`} data-recheck=${c.autoRecheck.verdict}>${t(`recheck_${c.autoRecheck.verdict}`)} (<${When} at=${c.autoRecheck.at} />)</p>` : null}
              ${c.evidence.length ? html`<h3>${t('evidence')}</h3><ul>${c.evidence.map((e) => html`<li>${e}</li>`)}</ul>` : null}
              <${Attachments} complaint=${c} canAdd=${role === 'agent' || role === 'admin'} onAdded=${complaint.reload} />
              <h3>${t('messages')}</h3>
              <ol class="messages">
                ${c.messages.map((m) => html`<li class=${`msg from-${m.from}`}><span class="muted small">${t(`from_${m.from}`)}${m.actor ? ` · ${m.actor}` : ''} · <${When} at=${m.at} /></span><p>${m.text}</p></li>`)}
              </ol>
              ${role === 'agent' || role === 'admin' ? html`<${ComplaintActions} complaint=${c} order=${o} onAnswer=${complaint.set} onChanged=${refreshBoth} />` : null}
            </article>
            <aside class="panel">
              <h2>${t('order')} ${o ? html`<${Status} value=${o.status} />` : null}</h2>
              <${Loading} state=${order} />
              ${o
                ? html`<p><a href=${`#/orders/${seg(o.orderId)}`} class="mono small">${o.orderId}</a></p>
                  <${OrderFacts} order=${o} />
                  <h3>${t('timeline')}</h3>
                  <${Timeline} entries=${o.timeline} />`
                : null}
            </aside>
          </div>`
        : null}
    </section>`;
}

/**
 * The agent's actions on a complaint: only those the complaint's status takes (the table the API
 * refuses by), none while a remedy is under way. A refund asks first, naming the amount; a
 * rejection needs a note. The answer is said beside the buttons.
 */
function ComplaintActions({ complaint: c, order, onAnswer, onChanged }) {
  const { t, lang } = useI18n();
  const [note, setNote] = useState('');
  const [asking, setAsking] = useState(false);
  const noteRef = useRef(null);
  const remedyPending = c.remedy?.status === 'pending';
  const offered = remedyPending ? [] : COMPLAINT_ACTIONS.filter((a) => COMPLAINT_ACTION_FITS[a].includes(c.status));
  const amount = order ? formatMoney(order.amount, lang) : '';

  const { busy, notice, setNotice, submit: run } = useSubmit(
    async (action) => {
      setAsking(false);
      const answer = await act(`/v1/complaints/${seg(c.complaintId)}/actions`, { action, ...(note.trim() ? { note: note.trim() } : {}) });
      setNote('');
      if (answer.status === 202) {
        // Work that takes long (a refund paid out, a key checked): look again until it shows.
        for (const wait of [1000, 2000, 4000, 8000]) setTimeout(onChanged, wait);
        return { kind: 'info', text: t('pending') };
      }
      onAnswer(answer.body);
      onChanged();
      return { kind: 'ok', text: t('done', { status: t(`st_${answer.body.status}`) }) };
    },
    // Whatever changed under the agent, show what it is now.
    { refused: onChanged },
  );
  function click(action) {
    if (action === 'reject' && !note.trim()) {
      setNotice({ kind: 'error', text: t('noteRequired') });
      noteRef.current?.focus();
      return;
    }
    if (action === 'resolve_refund') {
      setNotice(null);
      setAsking(true);
      return;
    }
    run(action);
  }

  return html`<div class="actions">
    ${remedyPending ? html`<p class="notice notice-info">${t('remedyUnderWay')}</p>` : null}
    ${offered.length
      ? html`<label class="grow">${t('note')}<textarea ref=${noteRef} name="note" rows="3" maxlength="2000" value=${note} onInput=${(e) => setNote(e.currentTarget.value)}></textarea></label>
        <p class="muted small">${t('noteHint')}</p>
        <div class="buttons">
          ${offered.map((a) => html`<button type="button" data-action=${a} class=${a === 'resolve_refund' || a === 'reject' ? 'secondary' : ''} disabled=${busy || asking} onClick=${() => click(a)}>${t(`act_${a}`)}</button>`)}
        </div>`
      : remedyPending
        ? null
        : html`<p class="muted small" data-no-actions>${t('noActions')}</p>`}
    ${asking
      ? html`<${Confirm} question=${t('confirmRefundComplaint', { amount })} yes=${t('confirmRefundYes', { amount })} busy=${busy} onYes=${() => run('resolve_refund')} onNo=${() => setAsking(false)} />`
      : null}
    <${Notice} notice=${notice} />
  </div>`;
}

/** Where a complaint came in; the buyer's own (web) is not worth a badge in the queue. */
function Channel({ complaint: c, always }) {
  const { t } = useI18n();
  const channel = c.channel ?? 'web';
  if (channel === 'web' && !always) return null;
  return html`<span class="badge kind-wait" data-channel=${channel}>${t(`ch_${channel}`)}</span>`;
}

/** A complaint that follows a provider's dispute says which, its id there, and how it ended. */
function Dispute({ complaint: c }) {
  const { t } = useI18n();
  if (!c.dispute) return null;
  const outcome = c.dispute.outcome ? ` · ${t(`outcome_${c.dispute.outcome}`)}` : ` · ${c.dispute.status}`;
  return html`<span class="badge dispute" data-dispute=${c.dispute.id}>${t(`src_${c.dispute.source}`)} ${c.dispute.id}${outcome}</span>`;
}
