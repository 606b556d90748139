// A secret the API shows once (a new merchant's admin key, a newly issued key): shown until the
// person dismisses it, selectable whole, with a copy button and the warning that it will not be shown again.
import { html, useRef, useState } from '/console/vendor/preact.js';
import { useI18n } from './ui.js';

/**
 * The clipboard API exists only in a secure context, and the console may be opened over plain http
 * inside a shop's network: there the text is selected and copied the older way.
 */
export async function copyText(input) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(input.value);
    return true;
  }
  input.select();
  return document.execCommand('copy');
}

export function ShownOnce({ title, secret, onDismiss }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(null);
  const input = useRef(null);
  const copy = () => copyText(input.current).then(setCopied, () => setCopied(false));
  return html`<div class="panel shown-once" role="status" data-shown-once>
    <h3>${title}</h3>
    <p class="notice notice-conflict">${t('shownOnceHint')}</p>
    <input ref=${input} class="mono" readonly value=${secret} data-secret aria-label=${title} onFocus=${(e) => e.currentTarget.select()} />
    <div class="buttons">
      <button type="button" data-copy onClick=${copy}>${t('copy')}</button>
      <button type="button" class="secondary" data-dismiss onClick=${onDismiss}>${t('savedIt')}</button>
    </div>
    ${copied === true ? html`<p class="small" data-copied>${t('copied')}</p>` : null}
    ${copied === false ? html`<p class="small">${t('copyByHand')}</p>` : null}
  </div>`;
}
