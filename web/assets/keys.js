// One product's keys: listed masked with where each stands, unsold ones removed, and imports with
// what became of each code. Imports go to the public key-import endpoint in batches, read from the
// file as a stream, so a large file never sits whole in the page.
import { html, useRef, useState } from '/console/vendor/preact.js';
import { get, post, query, remove, seg } from './api.js';
import { formatMoney } from './money.js';
import { KEY_STATUSES } from '/console/rules.js';
import { Confirm, Loading, Notice, Status, When, useI18n, useLoad, useSubmit } from './ui.js';

const BATCH = 1000;

export function KeysView({ id: sku }) {
  const { t, lang } = useI18n();
  const product = useLoad(() => get(`/v1/products/${seg(sku)}`), [sku]);
  const [status, setStatus] = useState('');
  const [more, setMore] = useState({ items: [], next: undefined });
  const keys = useLoad(() => get(`/v1/products/${seg(sku)}/keys${query({ status, limit: 100 })}`), [sku, status]);
  const reload = () => {
    setMore({ items: [], next: undefined });
    keys.reload();
    product.reload();
  };
  const loadMore = async () => {
    const cursor = more.next ?? keys.data?.nextCursor;
    const next = await get(`/v1/products/${seg(sku)}/keys${query({ status, limit: 100, cursor })}`);
    setMore((m) => ({ items: [...m.items, ...next.items], next: next.nextCursor }));
  };
  const items = [...(keys.data?.items ?? []), ...more.items];
  const hasMore = more.next !== undefined ? more.next : keys.data?.nextCursor;
  const p = product.data;
  return html`
    <section class="keys">
      <p><a href="#/products">${t('back')}</a></p>
      <${Loading} state=${product} />
      ${p
        ? html`<div class="panel">
            <h2>${p.sku} <span class=${`badge kind-${p.active ? 'ok' : 'end'}`}>${t(p.active ? 'onSale' : 'offSale')}</span></h2>
            <div class="row"><span>${p.name}</span> <span>${formatMoney(p.price, lang)}</span></div>
            <dl class="figures" data-stock>
              ${KEY_STATUSES.map((s) => html`<div><dt>${t(`ks_${s}`)}</dt><dd data-count=${s}>${p.stock[s]}</dd></div>`)}
            </dl>
          </div>
          <${KeyImport} sku=${sku} onDone=${reload} />`
        : null}
      <h3>${t('keyList')}</h3>
      <form class="filters" onSubmit=${(e) => e.preventDefault()}>
        <label>${t('status')}
          <select name="keyStatus" value=${status} onChange=${(e) => { setMore({ items: [], next: undefined }); setStatus(e.currentTarget.value); }}>
            <option value="">${t('all')}</option>
            ${KEY_STATUSES.map((s) => html`<option value=${s}>${t(`ks_${s}`)}</option>`)}
          </select></label>
      </form>
      <${Loading} state=${keys} />
      ${keys.data && items.length === 0 ? html`<p class="muted">${t('nothing')}</p>` : null}
      ${items.length
        ? html`<table class="grid">
            <thead><tr><th>${t('maskedCode')}</th><th>${t('status')}</th><th>${t('imported')}</th><th>${t('heldBy')}</th><th></th></tr></thead>
            <tbody>${items.map((k) => html`<${KeyRow} key=${k.keyId} sku=${sku} item=${k} onRemoved=${reload} />`)}</tbody>
          </table>`
        : null}
      ${hasMore ? html`<button type="button" onClick=${loadMore}>${t('more')}</button>` : null}
    </section>`;
}

/** A key: its last characters only, where it stands, and (unsold) a way out of stock. */
function KeyRow({ sku, item: k, onRemoved }) {
  const { t } = useI18n();
  const [asking, setAsking] = useState(false);
  const { notice, submit: removeKey } = useSubmit(async () => {
    setAsking(false);
    await remove(`/v1/products/${seg(sku)}/keys/${seg(k.keyId)}`);
    onRemoved();
    return { kind: 'ok', text: t('removed', { masked: k.masked }) };
  });
  return html`<tr data-key=${k.keyId} data-key-status=${k.status}>
    <td data-label=${t('maskedCode')} class="mono">${k.masked}</td>
    <td data-label=${t('status')}><${Status} of="key" value=${k.status} /></td>
    <td data-label=${t('imported')}><${When} at=${k.importedAt} /></td>
    <td data-label=${t('heldBy')}>${k.orderId ? html`<a href=${`#/orders/${seg(k.orderId)}`} class="mono">${k.orderId}</a>` : null}</td>
    <td>
      ${k.status === 'available' && !asking ? html`<button type="button" class="secondary" data-remove onClick=${() => setAsking(true)}>${t('removeKey')}</button>` : null}
      ${asking ? html`<${Confirm} question=${t('confirmRemove', { masked: k.masked })} yes=${t('removeKey')} onYes=${removeKey} onNo=${() => setAsking(false)} />` : null}
      <${Notice} notice=${notice} />
    </td>
  </tr>`;
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

/** The codes of one source (a file, or what was pasted), each trimmed, blank lines left out. */
async function* codesOf(lines) {
  for await (const line of lines) {
    const code = line.trim();
    if (code) yield code;
  }
}

/**
 * Import codes from a file, from what was pasted, or both (the file first). Once done the form is
 * emptied, so the next import sends only what is chosen or pasted then. The answer says what was
 * stored, each code that was not (masked) and why, and whether waiting orders took the new keys.
 */
function KeyImport({ sku, onDone }) {
  const { t } = useI18n();
  const fileInput = useRef(null);
  const [file, setFile] = useState(null);
  const [text, setText] = useState('');
  const [progress, setProgress] = useState(null);
  const [result, setResult] = useState(null);
  const { busy, notice, submit: run } = useSubmit(async () => {
    const totals = { sent: 0, imported: 0, duplicates: 0, rejected: 0, resumedOrders: 0, offerPending: false, details: [] };
    let read = 0;
    const pasted = text.split(/\r?\n/).filter((l) => l.trim());
    const size = (file ? file.size : 0) + pasted.join('\n').length;
    setResult(null);
    setProgress({ ...totals, fraction: 0 });
    let batch = [];
    const send = async () => {
      const answer = await post(`/v1/products/${seg(sku)}/keys`, { keys: batch });
      for (const k of ['imported', 'duplicates', 'rejected', 'resumedOrders']) totals[k] += answer.body[k] ?? 0;
      // The waiting orders are offered the new keys by the product's restock owner, after the import answers.
      totals.offerPending ||= Boolean(answer.body.offerPending) || (answer.body.restockOffer === 'handed_over' && answer.body.waitingOrders > 0);
      // The API numbers a code by its place in the batch; the page by its place in the whole import.
      totals.details.push(...(answer.body.details ?? []).map((d) => ({ ...d, line: totals.sent + d.index + 1 })));
      totals.sent += batch.length;
      batch = [];
      setProgress({ ...totals, fraction: Math.min(1, read / Math.max(size, 1)) });
    };
    const sources = [...(file ? [fileLines(file, (n) => (read += n))] : []), ...(pasted.length ? [pasted] : [])];
    for (const lines of sources) {
      for await (const code of codesOf(lines)) {
        if (lines === pasted) read += code.length + 1;
        batch.push(code);
        if (batch.length === BATCH) await send();
      }
    }
    if (batch.length) await send();
    setProgress({ ...totals, fraction: 1 });
    setResult(totals);
    setFile(null);
    setText('');
    if (fileInput.current) fileInput.current.value = '';
    onDone();
    return { kind: 'ok', text: t('importDone', totals) };
  });
  return html`
    <form class="import panel" onSubmit=${run}>
      <h3>${t('importKeys')}</h3>
      <label>${t('importFile')}<input ref=${fileInput} type="file" name="file" accept=".txt,.csv,text/plain" onChange=${(e) => setFile(e.currentTarget.files[0] ?? null)} /></label>
      <label>${t('importText')}<textarea name="codes" rows="4" value=${text} onInput=${(e) => setText(e.currentTarget.value)}></textarea></label>
      <div class="buttons"><button type="submit" disabled=${busy || (!file && !text.trim())}>${t('startImport')}</button></div>
      ${progress
        ? html`<progress max="1" value=${progress.fraction}></progress>
          <p class="small" data-import-progress>${t('importProgress', progress)}</p>`
        : null}
      <${Notice} notice=${notice} />
      ${result && result.resumedOrders > 0 ? html`<p class="notice notice-ok" data-resumed=${result.resumedOrders}>${t('resumed', { n: result.resumedOrders })}</p>` : null}
      ${result && result.offerPending ? html`<p class="notice notice-info" data-offer-pending>${t('resumedPending')}</p>` : null}
      ${result && result.details.length
        ? html`<h4>${t('notStored')}</h4>
          <table class="grid" data-import-details>
            <thead><tr><th>${t('line')}</th><th>${t('code')}</th><th>${t('outcome')}</th><th>${t('why')}</th></tr></thead>
            <tbody>${result.details.map((d) => html`<tr data-outcome=${d.outcome}>
              <td data-label=${t('line')}>${d.line}</td><td data-label=${t('code')} class="mono">${d.key}</td>
              <td data-label=${t('outcome')}>${t(`oc_${d.outcome}`)}</td><td data-label=${t('why')}>${d.reason}</td></tr>`)}</tbody>
          </table>`
        : null}
    </form>`;
}
