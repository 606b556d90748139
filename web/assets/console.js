// The console: sign in with an API key, then the views the key's role may use.
import { html, render, useEffect, useLayoutEffect, useState } from '/console/vendor/preact.js';
import { FIRST_SHOP, get, session } from './api.js';
import { ApiKeysView } from './apiKeys.js';
import { ComplaintView, QueueView } from './complaints.js';
import { CouponsView, CouponView } from './coupons.js';
import { DashboardView } from './dashboard.js';
import { currentLang, setLang, translate } from './i18n.js';
import { KeysView } from './keys.js';
import { MerchantSwitcher, MerchantsView, PlatformRankingView } from './merchants.js';
import { RankingView, StockView, StuckView } from './ops.js';
import { OrdersView, OrderView } from './orders.js';
import { ProductsView } from './products.js';
import { RefundsView } from './refunds.js';
import { ReportNotesView } from './reportNotes.js';
import { SettingsView } from './settings.js';
import { StatusBanner } from './statusBanner.js';
import { I18n, Notice, useI18n } from './ui.js';
import { IncidentsView, IncidentView } from './incidents.js';

/** Each tab, who sees it, and the page under it (`#/orders/<id>`) where it has one. */
const VIEWS = {
  // A platform key's own pages; on every other page it acts as the admin of the merchant it chose.
  merchants: { roles: ['platform'], view: MerchantsView },
  platform: { roles: ['platform'], view: PlatformRankingView },
  dashboard: { roles: ['ops', 'admin'], view: DashboardView },
  orders: { roles: ['agent', 'ops', 'admin'], view: OrdersView, one: OrderView },
  queue: { roles: ['agent', 'ops', 'admin'], view: QueueView },
  refunds: { roles: ['agent', 'admin'], view: RefundsView },
  stuck: { roles: ['ops', 'admin'], view: StuckView },
  incidents: { roles: ['ops', 'admin'], view: IncidentsView, one: IncidentView },
  stock: { roles: ['agent', 'ops', 'admin'], view: StockView },
  ranking: { roles: ['agent', 'ops', 'admin'], view: RankingView },
  products: { roles: ['admin'], view: ProductsView, one: KeysView },
  notes: { roles: ['admin'], view: ReportNotesView },
  apiKeys: { roles: ['admin'], view: ApiKeysView },
  settings: { roles: ['admin'], view: SettingsView },
  coupons: { roles: ['ops', 'admin'], view: CouponsView, one: CouponView },
};
/** Pages reached from a tab without being one: a complaint belongs under the queue. */
const BELONGS = { complaints: { tab: 'queue', one: ComplaintView } };

/** The role a key's views are chosen by: a platform key is the admin of the merchant it acts for. */
const viewRole = (role) => (role === 'platform' ? 'admin' : role);
const mayOpen = (me, v) => (VIEWS[v].roles.includes(me.role) || VIEWS[v].roles.includes(viewRole(me.role))) && (!VIEWS[v].firstShopOnly || me.merchantId === FIRST_SHOP);

/** Who the key is; a platform key whose chosen merchant is gone (404) falls back to the default one. */
async function whoAmI() {
  try {
    return await get('/v1/me');
  } catch (err) {
    if (err.status !== 404 || !session.merchant()) throw err;
    session.actFor(null);
    return get('/v1/me');
  }
}

function useHash() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash.replace(/^#\/?/, '').split('/');
}

function SignIn({ onSignedIn }) {
  const { t } = useI18n();
  const [key, setKey] = useState('');
  const [notice, setNotice] = useState(null);
  async function submit(e) {
    e.preventDefault();
    session.signIn(key.trim());
    try {
      onSignedIn(await get('/v1/me'));
    } catch (err) {
      session.signOut();
      setNotice({ kind: 'error', text: t('badKey', { message: err.message }) });
    }
  }
  return html`
    <form class="panel signin" onSubmit=${submit}>
      <label>${t('apiKey')}<input id="api-key" name="apiKey" type="password" autocomplete="off" required value=${key} onInput=${(e) => setKey(e.currentTarget.value)} /></label>
      <p class="muted small">${t('apiKeyHint')}</p>
      <div class="buttons"><button type="submit">${t('signIn')}</button></div>
      <${Notice} notice=${notice} />
    </form>`;
}

/** A key whose role has no view here (a storefront's) is told what the console is for, not refused with a code. */
function NotForThisKey({ me, onSignOut }) {
  const { t } = useI18n();
  return html`<section class="panel signin" data-not-for=${me.role}>
    <h2>${t('notForStorefronts')}</h2>
    <p>${t('notForStorefrontsMore', { name: me.name })}</p>
    <div class="buttons"><button type="button" onClick=${onSignOut}>${t('signOut')}</button></div>
  </section>`;
}

function App() {
  const [lang, setLangState] = useState(currentLang());
  const [me, setMe] = useState(null);
  const [checking, setChecking] = useState(Boolean(session.key()));
  const [name, ...rest] = useHash();
  const arg = rest.length ? decodeURIComponent(rest.join('/')) : undefined;
  const i18nValue = { lang, t: (key, vars, fallback) => translate(lang, key, vars, fallback) };
  const { t } = i18nValue;

  // Before the page paints in the new language, so what reads the page (a screen reader) never
  // meets text in one language marked as the other.
  useLayoutEffect(() => {
    setLang(lang);
    document.title = t('title');
  }, [lang]);
  useEffect(() => {
    if (!session.key()) return;
    whoAmI()
      .then(setMe, () => session.signOut())
      .finally(() => setChecking(false));
  }, []);
  const signOut = () => {
    session.signOut();
    setMe(null);
    location.hash = '';
  };

  const switchMerchant = async (merchantId) => {
    const before = session.merchant();
    const shown = location.hash;
    session.actFor(merchantId);
    try {
      setMe(await whoAmI());
    } catch {
      // Not switched (the network, or the key was revoked meanwhile): keep acting for the one shown.
      session.actFor(before);
      return;
    }
    // A page under a tab (an order, a complaint) is the previous merchant's: back to the tab itself,
    // unless the user has gone elsewhere while the switch was asked.
    if (arg !== undefined && location.hash === shown) location.hash = `#/${name}`;
  };

  const allowed = me ? Object.keys(VIEWS).filter((v) => mayOpen(me, v)) : [];
  const below = BELONGS[name];
  const current = below && allowed.includes(below.tab) ? below.tab : allowed.includes(name) ? name : allowed[0];
  let content;
  if (checking) content = html`<p class="muted">${t('loading')}</p>`;
  else if (!me) content = html`<${SignIn} onSignedIn=${setMe} />`;
  else if (allowed.length === 0) content = html`<${NotForThisKey} me=${me} onSignOut=${signOut} />`;
  else {
    const One = arg !== undefined ? (below ? below.one : name === current ? VIEWS[current].one : undefined) : undefined;
    const View = One ?? VIEWS[current].view;
    content = html`<${View} key=${`${me.merchantId}/${current}/${arg ?? ''}`} id=${arg} role=${viewRole(me.role)} me=${me} />`;
  }

  return html`<${I18n.Provider} value=${i18nValue}>
    <header class="top">
      <h1>${t('title')}</h1>
      <div class="row">
        <button type="button" class="link" data-lang-toggle onClick=${() => setLangState(lang === 'zh' ? 'en' : 'zh')}>${t('language')}</button>
        ${me
          ? html`${me.role === 'platform' ? html`<${MerchantSwitcher} current=${me.merchantId} onSwitch=${switchMerchant} />` : null}
            <span class="muted small" data-me=${me.role}>${t('signedInAs', { name: me.name, role: t(`role_${me.role}`) })}</span>
            <button type="button" class="link" onClick=${signOut}>${t('signOut')}</button>`
          : null}
      </div>
    </header>
    ${me && allowed.length
      ? html`<nav class="tabs" data-acting-for=${me.merchantId}>${allowed.map((v) => html`<a href=${`#/${v}`} class=${v === current ? 'active' : ''} data-tab=${v}>${t(v)}</a>`)}</nav>`
      : null}
    <main><${StatusBanner} lang=${lang} merchant=${me?.merchantId} />${content}</main>
  <//>`;
}

const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
