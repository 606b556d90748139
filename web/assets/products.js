// The admin's side: products and their keys. Imports go to the public key-import endpoint in
// batches, read from the file as a stream, so a large file never sits whole in the page.
import { html, useState } from '/console/vendor/preact.js';
import { get, post, put } from './api.js';
import { money } from './i18n.js';
import { Loading, Notice, refusal, useI18n, useLoad } from './ui.js';

const BATCH = 1000;
const EMPTY = { sku: '', name: '', amount: '', currency: 'CNY', refundWindow: '', complaintWindow: '', keyPattern: '', validationUrl: '', lowStockThreshold: '' };

export function ProductsView() {
  const { t, lang } = useI18n();
  const list = useLoad(() => get('/v1/products'), []);
  const [editing, setEditing] = useState(null);
  return html`
    <section>
      <div class="row">
        <button type="button" onClick=${() => setEditing({ ...EMPTY, isNew: true })}>${t('newProduct')}</button>
        <button type="button" class="secondary" onClick=${list.reload}>${t('refresh')}</button>
      </div>
      ${editing ? html`<${ProductForm} key=${editing.sku || 'new'} initial=${editing} onSaved=${() => list.reload()} />` : null}
      <${Loading} state=${list} />
      <ul class="cards">
        ${(list.data?.items ?? []).map(
          (p) => html`<li class="card" key=${p.sku} data-sku=${p.sku}>
            <div class="row"><strong>${p.sku}</strong> <span>${p.name}</span> <span class="muted">${money(p.price, lang)}</span>
              <span class="muted">${t('available')}: ${p.stock.available}</span></div>
            <div class="buttons">
              <button type="button" class="secondary" onClick=${() => setEditing(formOf(p))}>${t('edit')}</button>
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
    amount: String(p.price.amount),
    currency: p.price.currency,
    refundWindow: p.refundWindow,
    complaintWindow: p.complaintWindow,
    keyPattern: p.keyPattern ?? '',
    validationUrl: p.validationUrl ?? '',
    lowStockThreshold: String(p.lowStockThreshold),
  };
}

function ProductForm({ initial, onSaved }) {
  const { t } = useI18n();
  const [form, setForm] = useState(initial);
  const [notice, setNotice] = useState(null);
  const field = (name, label, attrs = {}) =>
    html`<label>${t(label)}<input name=${name} value=${form[name]} onInput=${(e) => setForm({ ...form, [name]: e.currentTarget.value })} ...${attrs} /></label>`;
  async function save(e) {
    e.preventDefault();
    const body = {
      name: form.name,
      price: { amount: Number(form.amount), currency: form.currency.trim().toUpperCase() },
      ...(form.refundWindow ? { refundWindow: form.refundWindow } : {}),
      ...(form.complaintWindow ? { complaintWindow: form.complaintWindow } : {}),
      ...(form.keyPattern ? { keyPattern: form.keyPattern } : {}),
      ...(form.validationUrl ? { validationUrl: form.validationUrl } : {}),
      ...(form.lowStockThreshold !== '' ? { lowStockThreshold: Number(form.lowStockThreshold) } : {}),
    };
    try {
      await put(`/v1/products/${encodeURIComponent(form.sku.trim())}`, body);
      setNotice({ kind: 'ok', text: t('saved') });
      setForm({ ...form, isNew: false });
      onSaved();
    } catch (err) {
      setNotice(refusal(t, err));
    }
  }
  return html`
    <div class="panel">
      <form class="product-form" onSubmit=${save}>
        ${field('sku', 'sku', { required: true, readOnly: !form.isNew })}
        ${field('name', 'name', { required: true })}
        ${field('amount', 'price', { required: true, inputMode: 'numeric' })}
        ${field('currency', 'currency', { required: true, maxLength: 3 })}
        ${field('refundWindow', 'refundWindow', { placeholder: '24h' })}
        ${field('complaintWindow', 'complaintWindow', { placeholder: '7d' })}
        ${field('keyPattern', 'keyPattern')}
        ${field('validationUrl', 'validationUrl')}
        ${field('lowStockThreshold', 'lowStockThreshold', { inputMode: 'numeric' })}
        <div class="buttons"><button type="submit">${t('save')}</button></div>
      </form>
      <${Notice} notice=${notice} />
      ${form.isNew ? null : html`<${KeyImport} sku=${form.sku} onDone=${onSaved} />`}
    </div>`;
}

/** Lines of a file as it is read, never the whole file at once. */
async function* fileLines(file, onBytes) {
  const reader = file.stream().pipeThrough(new TextDecoderStream()).getReader();
  let rest = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    onBytes(value.length);
    const parts = (rest + value).split(/\r?\n/);
    rest = parts.pop();
    yield* parts;
  }
  if (rest) yield rest;
}

function KeyImport({ sku, onDone }) {
  const { t } = useI18n();
  const [file, setFile] = useState(null);
  const [text, setText] = useState('');
  const [progress, setProgress] = useState(null);
  const [notice, setNotice] = useState(null);
  async function run(e) {
    e.preventDefault();
    const totals = { sent: 0, imported: 0, duplicates: 0, rejected: 0 };
    let read = 0;
    const size = file ? file.size : text.length;
    const lines = file ? fileLines(file, (n) => (read += n)) : text.split(/\r?\n/);
    setNotice(null);
    setProgress({ ...totals, fraction: 0 });
    let batch = [];
    const send = async () => {
      const answer = await post(`/v1/products/${encodeURIComponent(sku)}/keys`, { keys: batch });
      totals.sent += batch.length;
      for (const k of ['imported', 'duplicates', 'rejected']) totals[k] += answer.body[k];
      batch = [];
      setProgress({ ...totals, fraction: file ? read / Math.max(size, 1) : totals.sent / Math.max(1, lineCount) });
    };
    const lineCount = file ? 0 : lines.filter((l) => l.trim()).length;
    try {
      for await (const line of lines) {
        const code = line.trim();
        if (!code) continue;
        batch.push(code);
        if (batch.length === BATCH) await send();
      }
      if (batch.length) await send();
      setProgress({ ...totals, fraction: 1 });
      setNotice({ kind: 'ok', text: t('importDone') });
      onDone();
    } catch (err) {
      setNotice(refusal(t, err));
    }
  }
  return html`
    <form class="import" onSubmit=${run}>
      <h3>${t('importKeys')}</h3>
      <label>${t('importFile')}<input type="file" name="file" accept=".txt,.csv,text/plain" onChange=${(e) => setFile(e.currentTarget.files[0] ?? null)} /></label>
      <label>${t('importText')}<textarea name="codes" rows="4" value=${text} onInput=${(e) => setText(e.currentTarget.value)}></textarea></label>
      <div class="buttons"><button type="submit" disabled=${!file && !text.trim()}>${t('startImport')}</button></div>
      ${progress
        ? html`<progress max="1" value=${progress.fraction}></progress>
          <p class="small" data-import-progress>${t('importProgress', progress)}</p>`
        : null}
      <${Notice} notice=${notice} />
    </form>`;
}
