// Refund requests: the agents' queue of them, and the decision itself, which the order page uses too.
import { html, useState } from '/console/vendor/preact.js';
import { act, get, seg } from './api.js';
import { when } from './i18n.js';
import { formatMoney } from './money.js';
import { ORDER_ACTION_FITS } from '/console/rules.js';
import { Confirm, Loading, Notice, Status, When, useEvery, useI18n, useLoad, useSubmit } from './ui.js';

export const fits = (action, status) => ORDER_ACTION_FITS[action].includes(status);

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

/** One request: its order as it stands now, and the decision while one is still wanted. */
function RefundCard({ summary }) {
  const { t, lang } = useI18n();
  const view = useLoad(() => get(`/v1/orders/${seg(summary.orderId)}`), [summary.orderId]);
  const o = view.data;
  const refund = o?.refund;
  return html`<li class="card" data-order=${summary.orderId}>
    <div class="row"><${Status} value=${o?.status ?? summary.status} /> <a href=${`#/orders/${seg(summary.orderId)}`}><strong>${summary.sku}</strong></a> <span>${formatMoney(summary.amount, lang)}</span></div>
    <p class="muted small">${summary.orderId}</p>
    ${refund ? html`<${RefundFacts} refund=${refund} />` : null}
    ${o ? html`<${RefundDecision} order=${o} onDecided=${view.reload} />` : null}
  </li>`;
}

/** What a refund request says: why, when, and how it was decided. */
export function RefundFacts({ refund }) {
  const { t, lang } = useI18n();
  return html`<div class="refund" data-refund=${refund.status}>
    <div class="row"><${Status} of="refund" value=${refund.status} /> <span class="muted small">${t('requested')} <${When} at=${refund.requestedAt} /></span></div>
    <p><span class="muted">${t('reason')}:</span> ${refund.reason}</p>
    ${refund.decidedBy ? html`<p class="small">${t('decidedBy', { actor: refund.decidedBy })} · <${When} at=${refund.decidedAt} />${refund.note ? html` · ${refund.note}` : null}</p>` : null}
    ${refund.decisionDueAt && refund.status === 'REQUESTED' ? html`<p class="muted small">${t('decisionDue', { when: when(refund.decisionDueAt, lang) })}</p>` : null}
  </div>`;
}

/**
 * Approve or reject a pending refund request. Approving moves money, so it asks first, naming the
 * amount; rejecting needs a note for the buyer. What the API answered is said beside the buttons,
 * and the order is read again so its badge shows where it stands now.
 */
export function RefundDecision({ order, onDecided }) {
  const { t, lang } = useI18n();
  const [note, setNote] = useState('');
  const [asking, setAsking] = useState(false);
  const open = fits('refundDecision', order.status) && order.refund?.status === 'REQUESTED';
  const amount = formatMoney(order.amount, lang);

  const { busy, notice, setNotice, submit: decide } = useSubmit(
    async (approve) => {
      setAsking(false);
      const answer = await act(`/v1/orders/${seg(order.orderId)}/refund-decision`, { approve, ...(note.trim() ? { note: note.trim() } : {}) });
      const status = t(`st_${answer.body.status}`, {}, answer.body.status);
      setNote('');
      return answer.status === 202 ? { kind: 'info', text: t('pending') } : { kind: 'ok', text: t(approve ? 'approvedNow' : 'rejectedNow', { amount, status }) };
    },
    { after: onDecided },
  );
  function reject() {
    if (!note.trim()) {
      setNotice({ kind: 'error', text: t('noteRequired') });
      return;
    }
    decide(false);
  }

  if (!open) return html`<${Notice} notice=${notice} />`;
  return html`<div class="decision">
    <label>${t('note')}<input name="note" maxlength="2000" value=${note} onInput=${(e) => setNote(e.currentTarget.value)} /></label>
    <p class="muted small">${t('noteHint')}</p>
    <div class="buttons">
      <button type="button" data-decision="approve" disabled=${busy || asking} onClick=${() => setAsking(true)}>${t('approve')}</button>
      <button type="button" data-decision="reject" class="secondary" disabled=${busy || asking} onClick=${reject}>${t('reject')}</button>
    </div>
    ${asking
      ? html`<${Confirm} question=${t('confirmApprove', { amount, orderId: order.orderId })} yes=${t('confirmRefundYes', { amount })} busy=${busy} onYes=${() => decide(true)} onNo=${() => setAsking(false)} />`
      : null}
    <${Notice} notice=${notice} />
  </div>`;
}
