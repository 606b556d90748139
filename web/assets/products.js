// The admin's catalog: products found by sku or name, edited with prices in yuan, put on sale or
// taken off, each with a link to its keys.
import { html, useState } from '/console/vendor/preact.js';
import { get, patch, put, query, seg } from './api.js';
import { formatMoney, fractionDigits, majorText, parseMajor } from './money.js';
import { Loading, Notice, useI18n, useLoad, useSubmit } from './ui.js';

const EMPTY = { sku: '', name: '', price: '', currency: 'CNY', refundWindow: '', complaintWindow: '', keyPattern: '', validationUrl: '', lowStockThreshold: '', instructionsZh: '', instructionsEn: '' };
/** The API's limit on each language's usage instructions. */
const INSTRUCTIONS_MAX = 5000;

export function ProductsView() {
  const { t, lang } = useI18n();
  const [filter, setFilter] = useState({ q: '', active: '' });
  const [typed, setTyped] = useState('');
  const list = useLoad(() => get(`/v1/products${query({ ...filter, limit: 500 })}`), [filter.q, filter.active]);
  const [editing, setEditing] = useState(null);
  const { notice, submit: toggle } = useSubmit(
    async (p) => {
      const changed = await patch(`/v1/products/${seg(p.sku)}`, { active: !p.active });
      return { kind: 'ok', text: t(changed.active ? 'nowOn' : 'nowOff', { sku: p.sku }) };
    },
    { after: () => list.reload() },
  );
  return html`
    <section>
      <form class="filters" onSubmit=${(e) => { e.preventDefault(); setFilter({ ...filter, q: typed.trim() }); }}>
        <label>${t('search')}<input name="q" type="search" placeholder=${t('searchProducts')} value=${typed} onInput=${(e) => setTyped(e.currentTarget.value)} /></label>
        <label>${t('status')}
          <select name="active" value=${filter.active} onChange=${(e) => setFilter({ ...filter, active: e.currentTarget.value })}>
            <option value="">${t('all')}</option>
            <option value="true">${t('onSale')}</option>
            <option value="false">${t('offSale')}</option>
          </select></label>
        <div class="buttons">
          <button type="submit">${t('search')}</button>
          <button type="button" class="secondary" onClick=${() => setEditing({ ...EMPTY, isNew: true })}>${t('newProduct')}</button>
        </div>
      </form>
      ${editing ? html`<${ProductForm} key=${editing.sku || 'new'} initial=${editing} onSaved=${() => list.reload()} />` : null}
      <${Notice} notice=${notice} />
      <${Loading} state=${list} />
      ${list.data && list.data.items.length === 0 ? html`<p class="muted">${t('nothing')}</p>` : null}
      <ul class="cards">
        ${(list.data?.items ?? []).map(
          (p) => html`<li class=${`card ${p.active ? '' : 'off-sale'}`} key=${p.sku} data-sku=${p.sku} data-active=${String(p.active)}>
            <div class="row"><strong>${p.sku}</strong> <span class=${`badge kind-${p.active ? 'ok' : 'end'}`}>${t(p.active ? 'onSale' : 'offSale')}</span></div>
            <div class="row"><span>${p.name}</span> <span data-price>${formatMoney(p.price, lang)}</span> <span class="muted">${t('available')}: ${p.stock.available}</span></div>
            <div class="buttons">
              <button type="button" class="secondary" data-edit onClick=${() => setEditing(formOf(p))}>${t('edit')}</button>
              <a class="button secondary" href=${`#/products/${seg(p.sku)}`} data-keys-link>${t('keyList')}</a>
              <button type="button" class="secondary" data-toggle onClick=${() => toggle(p)}>${t(p.active ? 'takeOff' : 'putOn')}</button>
            </div>
          </li>`,
        )}
      </ul>
    </section>`;
}

function formOf(p) {
  return {
    sku: p.sku,
    name: p.name,
    price: majorText(p.price),
    currency: p.price.currency,
    refundWindow: p.refundWindow,
    complaintWindow: p.complaintWindow,
    keyPattern: p.keyPattern ?? '',
    validationUrl: p.validationUrl ?? '',
    lowStockThreshold: String(p.lowStockThreshold),
    instructionsZh: p.instructions?.zh ?? '',
    instructionsEn: p.instructions?.en ?? '',
  };
}

/** The usage instructions to send: each language that has any; none at all clears them (a PUT is the whole product). */
function instructionsOf(form) {
  const zh = form.instructionsZh.trim();
  const en = form.instructionsEn.trim();
  return zh || en ? { instructions: { ...(zh ? { zh } : {}), ...(en ? { en } : {}) } } : {};
}

/** A product's terms. The price is typed as the buyer pays it (68.00 yuan) and sent in minor units (6800 fen). */
function ProductForm({ initial, onSaved }) {
  const { t, lang } = useI18n();
  const [form, setForm] = useState(initial);
  const currency = form.currency.trim().toUpperCase() || 'CNY';
  const field = (name, label, attrs = {}) =>
    html`<label>${label}<input name=${name} value=${form[name]} onInput=${(e) => setForm({ ...form, [name]: e.currentTarget.value })} ...${attrs} /></label>`;
  // The buyer reads these with the keys and in the email: written in their language, so marked as such.
  const area = (name, label, lang) =>
    html`<label class="grow">${label}<textarea name=${name} lang=${lang} rows="4" maxlength=${INSTRUCTIONS_MAX} value=${form[name]} onInput=${(e) => setForm({ ...form, [name]: e.currentTarget.value })}></textarea></label>`;
  const { notice, submit: save } = useSubmit(async () => {
    const amount = parseMajor(form.price, currency);
    if (amount === undefined) return { kind: 'error', text: t('badPrice', { currency, digits: fractionDigits(currency) }) };
    const body = {
      name: form.name,
      price: { amount, currency },
      ...(form.refundWindow ? { refundWindow: form.refundWindow } : {}),
      ...(form.complaintWindow ? { complaintWindow: form.complaintWindow } : {}),
      ...(form.keyPattern ? { keyPattern: form.keyPattern } : {}),
      ...(form.validationUrl ? { validationUrl: form.validationUrl } : {}),
      ...(form.lowStockThreshold !== '' ? { lowStockThreshold: Number(form.lowStockThreshold) } : {}),
      ...instructionsOf(form),
    };
    const saved = await put(`/v1/products/${seg(form.sku.trim())}`, body);
    setForm({ ...form, price: majorText(saved.price), instructionsZh: saved.instructions?.zh ?? '', instructionsEn: saved.instructions?.en ?? '', isNew: false });
    onSaved();
    return { kind: 'ok', text: t('saved', { name: saved.name, price: formatMoney(saved.price, lang) }) };
  });
  return html`
    <div class="panel">
      <form class="product-form" onSubmit=${save}>
        ${field('sku', t('sku'), { required: true, readOnly: !form.isNew })}
        ${field('name', t('name'), { required: true })}
        ${field('price', t('priceIn', { currency }), { required: true, inputMode: 'decimal', placeholder: '68.00', 'aria-describedby': 'price-hint' })}
        ${field('currency', t('currency'), { required: true, maxLength: 3 })}
        ${field('refundWindow', t('refundWindow'), { placeholder: '24h' })}
        ${field('complaintWindow', t('complaintWindow'), { placeholder: '7d' })}
        ${field('keyPattern', t('keyPattern'))}
        ${field('validationUrl', t('validationUrl'))}
        ${field('lowStockThreshold', t('lowStockThreshold'), { inputMode: 'numeric' })}
        ${area('instructionsZh', t('instructionsZh'), 'zh')}
        ${area('instructionsEn', t('instructionsEn'), 'en')}
        <p class="muted small" id="price-hint">${t('priceHint', { currency })}</p>
        <p class="muted small">${t('instructionsHint')}</p>
        <div class="buttons"><button type="submit">${t('save')}</button>
          ${form.isNew ? null : html`<a class="button secondary" href=${`#/products/${seg(form.sku)}`}>${t('keyList')}</a>`}</div>
      </form>
      <${Notice} notice=${notice} />
    </div>`;
}

