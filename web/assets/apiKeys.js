// A merchant's API keys, for its admin (or the platform acting for it): who holds which role, when
// each was last used, a new key issued (its secret shown once) and a key revoked at once.
import { html, useState } from '/console/vendor/preact.js';
import { FIRST_SHOP, get, post, remove, seg } from './api.js';
import { ShownOnce } from './shownOnce.js';
import { Confirm, Loading, Notice, When, useI18n, useLoad, useSubmit } from './ui.js';

const ROLES = ['admin', 'storefront', 'agent', 'ops'];
/** The merchant whose keys API_KEYS also holds: those are configured, not issued, and not listed. */

export function ApiKeysView({ me }) {
  const { t } = useI18n();
  const base = `/v1/merchants/${seg(me.merchantId)}/keys`;
  const keys = useLoad(() => get(base), [base]);
  const [issued, setIssued] = useState(null);
  const [revoked, setRevoked] = useState(null);
  const onRevoked = (k) => {
    setRevoked({ kind: 'ok', text: t('keyRevoked', { name: k.name }) });
    keys.reload();
  };
  return html`
    <section class="api-keys">
      <${IssueKey} base=${base} onIssued=${(k) => { setIssued(k); keys.reload(); }} />
      ${issued ? html`<${ShownOnce} title=${t('newKeyOf', { name: issued.name })} secret=${issued.secret} onDismiss=${() => setIssued(null)} />` : null}
      <h3>${t('apiKeysOf', { id: me.merchantId })}</h3>
      ${me.merchantId === FIRST_SHOP ? html`<p class="muted small">${t('configuredKeysNotListed')}</p>` : null}
      <${Notice} notice=${revoked} />
      <${Loading} state=${keys} />
      ${keys.data && keys.data.items.length === 0 ? html`<p class="muted">${t('nothing')}</p>` : null}
      ${keys.data?.items.length
        ? html`<table class="grid">
            <thead><tr><th>${t('keyName')}</th><th>${t('keyRole')}</th><th>${t('created')}</th><th>${t('lastUsed')}</th><th></th></tr></thead>
            <tbody>${keys.data.items.map((k) => html`<${ApiKeyRow} key=${k.keyId} base=${base} item=${k} onRevoked=${onRevoked} />`)}</tbody>
          </table>`
        : null}
    </section>`;
}

function IssueKey({ base, onIssued }) {
  const { t } = useI18n();
  const [role, setRole] = useState('agent');
  const [name, setName] = useState('');
  const { busy, notice, submit: issue } = useSubmit(async () => {
    const { body } = await post(base, { role, name: name.trim() });
    onIssued({ ...body, name: name.trim() });
    setName('');
    return { kind: 'ok', text: t('keyIssued', { name: name.trim(), role: t(`role_${role}`) }) };
  });
  return html`<form class="panel coupon-form keyed-form" onSubmit=${issue} data-issue-key>
    <h3>${t('issueKey')}</h3>
    <label>${t('keyRole')}<select name="role" value=${role} onChange=${(e) => setRole(e.currentTarget.value)}>
      ${ROLES.map((r) => html`<option value=${r}>${t(`role_${r}`)}</option>`)}
    </select></label>
    <label>${t('keyName')}<input name="keyName" required maxlength="100" value=${name} onInput=${(e) => setName(e.currentTarget.value)} /></label>
    <div class="buttons"><button type="submit" disabled=${busy}>${t('issueKey')}</button></div>
    <${Notice} notice=${notice} />
  </form>`;
}

function ApiKeyRow({ base, item: k, onRevoked }) {
  const { t } = useI18n();
  const [asking, setAsking] = useState(false);
  const { notice, submit: revoke } = useSubmit(async () => {
    setAsking(false);
    await remove(`${base}/${seg(k.keyId)}`);
    onRevoked(k);
  });
  return html`<tr data-api-key=${k.keyId} data-role=${k.role}>
    <td data-label=${t('keyName')}>${k.name}</td>
    <td data-label=${t('keyRole')}>${t(`role_${k.role}`)}</td>
    <td data-label=${t('created')}><${When} at=${k.createdAt} /></td>
    <td data-label=${t('lastUsed')} data-last-used=${k.lastUsedAt ?? ''}>${k.lastUsedAt ? html`<${When} at=${k.lastUsedAt} />` : html`<span class="muted">${t('neverUsed')}</span>`}</td>
    <td>
      ${!asking ? html`<button type="button" class="secondary" data-revoke onClick=${() => setAsking(true)}>${t('revokeKey')}</button>` : null}
      ${asking ? html`<${Confirm} question=${t('confirmRevoke', { name: k.name, role: t(`role_${k.role}`) })} yes=${t('revokeKey')} onYes=${revoke} onNo=${() => setAsking(false)} />` : null}
      <${Notice} notice=${notice} />
    </td>
  </tr>`;
}
