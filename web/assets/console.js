// The console: sign in with an API key, then the views the key's role may use.
import { html, render, useEffect, useLayoutEffect, useState } from '/console/vendor/preact.js';
import { get, session } from './api.js';
import { ComplaintView, QueueView } from './complaints.js';
import { CouponsView, CouponView } from './coupons.js';
import { DashboardView } from './dashboard.js';
import { currentLang, setLang, translate } from './i18n.js';
import { KeysView } from './keys.js';
import { RankingView, StockView, StuckView } from './ops.js';
import { OrdersView, OrderView } from './orders.js';
import { ProductsView } from './products.js';
import { RefundsView } from './refunds.js';
import { ReportNotesView } from './reportNotes.js';
import { StatusBanner } from './statusBanner.js';
import { I18n, Notice, useI18n } from './ui.js';
import { IncidentsView, IncidentView } from './incidents.js';

/** Each tab, who sees it, and the page under it (`#/orders/<id>`) where it has one. */
const VIEWS = {
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
  coupons: { roles: ['ops', 'admin'], view: CouponsView, one: CouponView },
};
/** Pages reached from a tab without being one: a complaint belongs under the queue. */
const BELONGS = { complaints: { tab: 'queue', one: ComplaintView } };

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
    get('/v1/me')
      .then(setMe, () => session.signOut())
      .finally(() => setChecking(false));
  }, []);
  const signOut = () => {
    session.signOut();
    setMe(null);
    location.hash = '';
  };

  const allowed = me ? Object.keys(VIEWS).filter((v) => VIEWS[v].roles.includes(me.role)) : [];
  const below = BELONGS[name];
  const current = below && allowed.includes(below.tab) ? below.tab : allowed.includes(name) ? name : allowed[0];
  let content;
  if (checking) content = html`<p class="muted">${t('loading')}</p>`;
  else if (!me) content = html`<${SignIn} onSignedIn=${setMe} />`;
  else if (allowed.length === 0) content = html`<${NotForThisKey} me=${me} onSignOut=${signOut} />`;
  else {
    const One = arg !== undefined ? (below ? below.one : name === current ? VIEWS[current].one : undefined) : undefined;
    const View = One ?? VIEWS[current].view;
    content = html`<${View} key=${`${current}/${arg ?? ''}`} id=${arg} role=${me.role} />`;
  }

  return html`<${I18n.Provider} value=${i18nValue}>
    <header class="top">
      <h1>${t('title')}</h1>
      <div class="row">
        <button type="button" class="link" data-lang-toggle onClick=${() => setLangState(lang === 'zh' ? 'en' : 'zh')}>${t('language')}</button>
        ${me
          ? html`<span class="muted small" data-me=${me.role}>${t('signedInAs', { name: me.name, role: t(`role_${me.role}`) })}</span>
            <button type="button" class="link" onClick=${signOut}>${t('signOut')}</button>`
          : null}
      </div>
    </header>
    ${me && allowed.length
      ? html`<nav class="tabs">${allowed.map((v) => html`<a href=${`#/${v}`} class=${v === current ? 'active' : ''} data-tab=${v}>${t(v)}</a>`)}</nav>`
      : null}
    <main><${StatusBanner} lang=${lang} />${content}</main>
  <//>`;
}

const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
