// An agent files a complaint on the buyer's behalf, from the order: one that came in by phone,
// email, WeChat or a third party (a 12345 hotline case). The order's own rules apply (paid, inside
// its complaint window, one open at a time); a refusal is said in the API's words.
import { html, useState } from '/console/vendor/preact.js';
import { act } from './api.js';
import { AGENT_CHANNELS, COMPLAINT_CATEGORIES } from '/console/rules.js';
import { Notice, useI18n, useSubmit } from './ui.js';

const EMPTY = { channel: 'phone', externalRef: '', category: 'key_invalid', description: '' };

export function FileForBuyer({ order, onFiled }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState(EMPTY);
  const set = (field) => (e) => setForm({ ...form, [field]: e.currentTarget.value });
  const { busy, notice, submit } = useSubmit(async () => {
    const { body } = await act('/v1/complaints', {
      orderId: order.orderId,
      channel: form.channel,
      ...(form.externalRef.trim() ? { externalRef: form.externalRef.trim() } : {}),
      category: form.category,
      description: form.description.trim(),
    });
    setForm(EMPTY);
    setOpen(false);
    onFiled(body.complaintId);
  });
  if (!open) {
    return html`<div class="buttons"><button type="button" class="secondary" data-file-for-buyer onClick=${() => setOpen(true)}>${t('fileForBuyer')}</button></div>`;
  }
  return html`<form class="file-complaint" data-file-complaint onSubmit=${submit}>
    <h3>${t('fileForBuyer')}</h3>
    <label>${t('channel')}
      <select name="channel" value=${form.channel} onChange=${set('channel')}>
        ${AGENT_CHANNELS.map((c) => html`<option value=${c}>${t(`ch_${c}`)}</option>`)}
      </select></label>
    <label>${t('externalRef')}<input name="externalRef" maxlength="200" placeholder=${t('externalRefHint')} value=${form.externalRef} onInput=${set('externalRef')} /></label>
    <label>${t('category')}
      <select name="category" value=${form.category} onChange=${set('category')}>
        ${COMPLAINT_CATEGORIES.map((c) => html`<option value=${c}>${t(`cat_${c}`)}</option>`)}
      </select></label>
    <label class="grow">${t('whatBuyerSaid')}<textarea name="description" rows="3" maxlength="5000" required value=${form.description} onInput=${set('description')}></textarea></label>
    <div class="buttons">
      <button type="submit" disabled=${busy}>${t('fileComplaint')}</button>
      <button type="button" class="secondary" onClick=${() => setOpen(false)}>${t('cancel')}</button>
    </div>
    <${Notice} notice=${notice} />
  </form>`;
}
