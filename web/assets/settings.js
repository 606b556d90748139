// A merchant's settings, for its admin (or the platform acting for it): the secret its payment
// notices are signed with, its storefront webhook, its payment rail accounts and its complaint
// deadlines. Each section is saved or removed on its own. Secrets are write-only: the page is shown
// only the mask, never puts it back, and a secret left empty keeps the stored one (sent as null).
import { html, useRef, useState } from '/console/vendor/preact.js';
import { PUBLIC_BASE_URL } from '/console/rules.js';
import { get, put, seg } from './api.js';
import { copyText } from './shownOnce.js';
import { Confirm, Loading, Notice, useI18n, useLoad, useSubmit } from './ui.js';

/**
 * Each rail's fields, as the API names them (domain/merchantSettings.ts): `secret` ones are write-only,
 * `pem` ones are key text, `optional` ones are left out when empty.
 */
const RAILS = {
  alipay: [{ key: 'appId' }, { key: 'privateKey', secret: true, pem: true }, { key: 'publicKey', pem: true }, { key: 'gateway', optional: true }],
  wechatpay: [
    { key: 'mchid' },
    { key: 'appid' },
    { key: 'serial' },
    { key: 'privateKey', secret: true, pem: true },
    { key: 'apiV3Key', secret: true },
    { key: 'platformPublicKey', pem: true },
    { key: 'platformSerial' },
    { key: 'platformKeys', pem: true, optional: true },
    { key: 'baseUrl', optional: true },
  ],
  stripe: [{ key: 'secretKey', secret: true }, { key: 'webhookSecret', secret: true }, { key: 'apiBase', optional: true }],
  epay: [{ key: 'url' }, { key: 'pid' }, { key: 'key', secret: true }],
};

/** A section's fields as sent: a secret left empty is null (the stored one is kept), an optional field left empty is left out. */
function sent(fields, values) {
  const out = {};
  for (const f of fields) {
    const value = values[f.key] ?? '';
    if (f.secret) out[f.key] = value === '' ? null : value;
    else if (value !== '' || !f.optional) out[f.key] = f.pem ? value : value.trim();
  }
  return out;
}

/** The other rails as stored: a rails change replaces them all, so they go back as they are, their secrets kept. */
function otherRails(stored, rail) {
  const others = {};
  for (const [name, shown] of Object.entries(stored || {})) {
    if (name === rail || !RAILS[name]) continue;
    others[name] = {};
    for (const f of RAILS[name]) {
      if (f.secret) others[name][f.key] = null;
      else if (shown[f.key] !== undefined) others[name][f.key] = shown[f.key];
    }
  }
  return others;
}

export function SettingsView({ me }) {
  const { t } = useI18n();
  const base = `/v1/merchants/${seg(me.merchantId)}/settings`;
  const settings = useLoad(() => get(base), [base]);
  const s = settings.data;
  // Where providers reach this product (PUBLIC_BASE_URL), else the address the console was opened at.
  const address = (path) => `${PUBLIC_BASE_URL ?? location.origin}${path}`;
  const common = { base, onSaved: settings.set };
  // Busy until the stored settings are in: screen readers wait, and so can a test.
  return html`<section class="settings" data-settings=${me.merchantId} aria-busy=${s ? 'false' : 'true'}>
    <h3>${t('settingsOf', { id: me.merchantId })}</h3>
    <p class="muted small">${t('settingsIntro')}</p>
    <${Loading} state=${settings} />
    ${s
      ? html`
          <${Section} ...${common} id="paymentWebhookSecret" title=${t('noticeSecretTitle')} stored=${s.paymentWebhookSecret !== undefined ? {} : undefined}
            fields=${[{ key: 'paymentWebhookSecret', secret: true }]} path=${() => 'paymentWebhookSecret'}
            body=${(v) => (v.paymentWebhookSecret ? { paymentWebhookSecret: v.paymentWebhookSecret } : null)} removal=${{ paymentWebhookSecret: null }}>
            <${Address} label=${t('paymentNoticeAddress')} value=${address(`/v1/payments/notify/${seg(me.merchantId)}`)} />
          <//>
          <${Section} ...${common} id="webhook" title=${t('webhookTitle')} stored=${s.webhook}
            fields=${[{ key: 'url' }, { key: 'secret', secret: true }]} path=${(k) => `webhook.${k}`}
            body=${(webhook) => ({ webhook })} removal=${{ webhook: null }} />
          <${Section} ...${common} id="complaintPolicy" title=${t('complaintPolicyTitle')} hint=${t('durationHint')} stored=${s.complaintPolicy}
            fields=${[{ key: 'firstResponse' }, { key: 'resolution' }]} path=${(k) => `complaintPolicy.${k}`}
            body=${(complaintPolicy) => ({ complaintPolicy })} removal=${{ complaintPolicy: null }} />
          ${Object.keys(RAILS).map((rail) => {
            const others = otherRails(s.rails, rail);
            return html`<${Section} ...${common} key=${rail} id=${`rails.${rail}`} title=${t('railTitle', { rail: t(`rail_${rail}`) })} stored=${s.rails?.[rail]}
              fields=${RAILS[rail]} path=${(k) => `rails.${rail}.${k}`}
              body=${(account) => ({ rails: { ...others, [rail]: account } })} removal=${{ rails: Object.keys(others).length ? others : null }}>
              <${Address} label=${t('railNoticeAddress')} value=${address(`/v1/rails/${rail}/notify/${seg(me.merchantId)}`)} />
            <//>`;
          })}`
      : null}
  </section>`;
}

/** An address to copy into a provider's dashboard. */
function Address({ label, value }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(null);
  const input = useRef(null);
  return html`<div class="notice-address" data-notice-address=${value}>
    <label>${label}<input ref=${input} class="mono" readonly value=${value} onFocus=${(e) => e.currentTarget.select()} /></label>
    <button type="button" class="secondary" data-copy onClick=${() => copyText(input.current).then(setCopied, () => setCopied(false))}>${t('copy')}</button>
    ${copied === true ? html`<span class="small" data-copied>${t('copied')}</span>` : null}
    ${copied === false ? html`<span class="small">${t('copyByHand')}</span>` : null}
  </div>`;
}

/**
 * One section of the settings: its fields (the stored values shown, secrets never), saved with the
 * body it makes, removed with `removal` once confirmed. A refusal's problems are shown beside the
 * fields they name, in the API's words.
 */
function Section({ id, title, hint, stored, fields, path, body, removal, base, onSaved, children }) {
  const { t } = useI18n();
  const shown = () => Object.fromEntries(fields.map((f) => [f.key, f.secret ? '' : (stored?.[f.key] ?? '')]));
  const [values, setValues] = useState(shown);
  const [problems, setProblems] = useState({});
  const [asking, setAsking] = useState(false);
  const { busy, notice, setNotice, submit } = useSubmit(
    async (what) => {
      setProblems({});
      if (what === 'remove') {
        setAsking(false);
        onSaved(await put(base, removal));
        setValues(Object.fromEntries(fields.map((f) => [f.key, ''])));
        return { kind: 'ok', text: t('sectionRemoved', { section: title }) };
      }
      const change = body(sent(fields, values));
      if (!change) return { kind: 'info', text: t('nothingToSave') };
      onSaved(await put(base, change));
      setValues((v) => ({ ...v, ...Object.fromEntries(fields.filter((f) => f.secret).map((f) => [f.key, ''])) }));
      return { kind: 'ok', text: t('sectionSaved', { section: title }) };
    },
    {
      refused: (err) => {
        const mine = Object.fromEntries(fields.map((f) => [path(f.key), f.key]));
        const named = (err.details || []).filter((d) => mine[d.path]);
        if (named.length === 0) return;
        setProblems(Object.fromEntries(named.map((d) => [mine[d.path], d.reason])));
        const rest = (err.details || []).filter((d) => !mine[d.path]).map((d) => t('fieldProblem', { field: t(`field_${d.path}`, {}, d.path), reason: d.reason }));
        setNotice({ kind: 'error', text: t('refused', { message: [t('seeFields'), ...rest].join('; ') }) });
      },
    },
  );
  const set = (key) => (e) => setValues({ ...values, [key]: e.currentTarget.value });
  return html`<form class="panel settings-section" data-section=${id} data-stored=${stored ? 'yes' : 'no'} onSubmit=${submit}>
    <h3>${title} <span class=${`badge kind-${stored ? 'ok' : 'end'}`}>${t(stored ? 'sectionSet' : 'sectionNotSet')}</span></h3>
    ${hint ? html`<p class="muted small">${hint}</p>` : null}
    ${children}
    ${fields.map((f) => {
      const name = path(f.key);
      const placeholder = f.secret ? t(stored ? 'secretKept' : 'secretNew') : f.optional ? t('optionalField') : '';
      const attrs = { name, value: values[f.key], placeholder, onInput: set(f.key), 'aria-invalid': problems[f.key] ? 'true' : undefined };
      return html`<label class=${f.pem ? 'grow' : ''}>${t(`field_${name}`, {}, name)}
        ${f.pem
          ? html`<textarea rows="4" class="mono" spellcheck="false" ...${attrs}></textarea>`
          : html`<input type=${f.secret ? 'password' : 'text'} autocomplete=${f.secret ? 'new-password' : 'off'} ...${attrs} />`}
        ${problems[f.key] ? html`<span class="field-problem" role="alert" lang="en" data-problem=${name}>${problems[f.key]}</span>` : null}
      </label>`;
    })}
    <div class="buttons">
      <button type="submit" disabled=${busy}>${t('save')}</button>
      ${stored && !asking ? html`<button type="button" class="secondary" data-remove-section onClick=${() => setAsking(true)}>${t('removeSection')}</button>` : null}
    </div>
    ${asking
      ? html`<${Confirm} question=${t('confirmRemoveSection', { section: title })} yes=${t('removeSection')} busy=${busy} onYes=${() => submit('remove')} onNo=${() => setAsking(false)} />`
      : null}
    <${Notice} notice=${notice} />
  </form>`;
}
