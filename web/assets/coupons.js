// Coupons: the admin makes them (amounts typed in yuan), ops and admins see each one's redemptions.
import { html, useState } from '/console/vendor/preact.js';
import { act, get, query, seg } from './api.js';
import { formatMoney, fractionDigits, parseMajor } from './money.js';
import { Loading, Notice, useI18n, useLoad, When, useSubmit } from './ui.js';

const EMPTY = { code: '', kind: 'amount', off: '', currency: 'CNY', minSpend: '', maxRedemptions: '', validFrom: '', validUntil: '', firstOrderOnly: false, buyerEmail: '' };
const REDEMPTION_KIND = { held: 'wait', redeemed: 'ok', released: 'end' };

/** What a coupon takes off, in the page's words: "¥20.00 off" or "15% off", and its minimum spend. */
function Terms({ coupon: c }) {
  const { t, lang } = useI18n();
  const off = c.amountOff ? t('amountOffIs', { amount: formatMoney(c.amountOff, lang) }) : t('percentOffIs', { percent: c.percentOff });
  return html`<span data-terms>${off}${c.minSpend ? ` · ${t('minSpendIs', { amount: formatMoney(c.minSpend, lang) })}` : ''}${c.firstOrderOnly ? ` · ${t('firstOrderOnly')}` : ''}</span>`;
}

export function CouponsView({ role }) {
  const { t } = useI18n();
  const [cursor, setCursor] = useState(null);
  const list = useLoad(() => get(`/v1/coupons${query({ limit: 50, cursor })}`), [cursor]);
  const [creating, setCreating] = useState(false);
  return html`
    <section>
      ${role === 'admin'
        ? html`<div class="buttons"><button type="button" class="secondary" data-new-coupon onClick=${() => setCreating(!creating)}>${t('newCoupon')}</button></div>`
        : null}
      ${creating ? html`<${CouponForm} onMade=${() => { setCursor(null); list.reload(); }} />` : null}
      <${Loading} state=${list} />
      ${list.data && list.data.items.length === 0 ? html`<p class="muted">${t('nothing')}</p>` : null}
      <ul class="cards">
        ${(list.data?.items ?? []).map(
          (c) => html`<li class="card" key=${c.code} data-coupon=${c.code}>
            <a class="card-link" href=${`#/coupons/${seg(c.code)}`}>
              <div class="row"><strong class="mono">${c.code}</strong> ${c.granted ? html`<span class="badge kind-work">${t('granted')}</span>` : null}</div>
              <div class="row"><${Terms} coupon=${c} /></div>
              <div class="row small" data-counts>${t('couponCounts', { redeemed: c.counts.redeemed, held: c.counts.held, remaining: c.remaining ?? t('noLimit') })}</div>
              ${c.validUntil ? html`<div class="row small muted">${t('validUntil')}: <${When} at=${c.validUntil} /></div>` : null}
            </a>
          </li>`,
        )}
      </ul>
      ${list.data?.nextCursor ? html`<button type="button" onClick=${() => setCursor(list.data.nextCursor)}>${t('more')}</button>` : null}
    </section>`;
}

/** A new coupon: amounts typed as the buyer pays them (20.00 yuan) and sent in minor units (2000 fen). */
function CouponForm({ onMade }) {
  const { t, lang } = useI18n();
  const [form, setForm] = useState(EMPTY);
  const currency = form.currency.trim().toUpperCase() || 'CNY';
  const set = (name) => (e) => setForm({ ...form, [name]: e.currentTarget.type === 'checkbox' ? e.currentTarget.checked : e.currentTarget.value });
  const field = (name, label, attrs = {}) => html`<label>${label}<input name=${name} value=${form[name]} onInput=${set(name)} ...${attrs} /></label>`;
  const money = (text) => {
    const amount = parseMajor(text, currency);
    return amount === undefined ? undefined : { amount, currency };
  };
  const { notice, submit: make } = useSubmit(async () => {
    const off = form.kind === 'amount' ? money(form.off) : undefined;
    const minSpend = form.minSpend ? money(form.minSpend) : undefined;
    if ((form.kind === 'amount' && !off) || (form.minSpend && !minSpend)) {
      return { kind: 'error', text: t('badPrice', { currency, digits: fractionDigits(currency) }) };
    }
    const body = {
      ...(form.code.trim() ? { code: form.code.trim() } : {}),
      ...(form.kind === 'amount' ? { amountOff: off } : { percentOff: Number(form.off) }),
      ...(minSpend ? { minSpend } : {}),
      ...(form.maxRedemptions ? { maxRedemptions: Number(form.maxRedemptions) } : {}),
      ...(form.validFrom ? { validFrom: new Date(form.validFrom).toISOString() } : {}),
      ...(form.validUntil ? { validUntil: new Date(form.validUntil).toISOString() } : {}),
      ...(form.firstOrderOnly ? { firstOrderOnly: true } : {}),
      ...(form.buyerEmail.trim() ? { buyerEmail: form.buyerEmail.trim() } : {}),
    };
    const made = (await act('/v1/coupons', body)).body;
    const what = made.amountOff ? t('amountOffIs', { amount: formatMoney(made.amountOff, lang) }) : t('percentOffIs', { percent: made.percentOff });
    setForm(EMPTY);
    onMade();
    return { kind: 'ok', text: t('couponMade', { code: made.code, what }) };
  });
  return html`
    <div class="panel">
      <form class="coupon-form" onSubmit=${make}>
        ${field('code', t('couponCode'), { placeholder: t('couponCodeHint') })}
        <label>${t('discountKind')}
          <select name="kind" value=${form.kind} onChange=${set('kind')}>
            <option value="amount">${t('amountOff')}</option>
            <option value="percent">${t('percentOff')}</option>
          </select></label>
        ${field('off', form.kind === 'amount' ? t('amountOffIn', { currency }) : t('percentOff'), { required: true, inputMode: 'decimal', placeholder: form.kind === 'amount' ? '20.00' : '15' })}
        ${field('currency', t('currency'), { required: true, maxLength: 3 })}
        ${field('minSpend', t('minSpendIn', { currency }), { inputMode: 'decimal', placeholder: '100.00' })}
        ${field('maxRedemptions', t('maxRedemptions'), { inputMode: 'numeric' })}
        ${field('validFrom', t('validFrom'), { type: 'datetime-local' })}
        ${field('validUntil', t('validUntil'), { type: 'datetime-local' })}
        ${field('buyerEmail', t('issuedTo'), { type: 'email', placeholder: t('issuedToHint') })}
        <label class="check"><input type="checkbox" name="firstOrderOnly" checked=${form.firstOrderOnly} onChange=${set('firstOrderOnly')} /> ${t('firstOrderOnly')}</label>
        <div class="buttons"><button type="submit">${t('makeCoupon')}</button></div>
      </form>
      <${Notice} notice=${notice} />
    </div>`;
}

/** One coupon: its terms, counts and the orders that used it. */
export function CouponView({ id }) {
  const { t, lang } = useI18n();
  const coupon = useLoad(() => get(`/v1/coupons/${seg(id)}`), [id]);
  const c = coupon.data;
  return html`
    <section class="coupon">
      <p><a href="#/coupons">← ${t('coupons')}</a></p>
      <${Loading} state=${coupon} />
      ${c
        ? html`<div class="panel">
            <h2 class="mono" data-code>${c.code}</h2>
            <dl class="facts">
              <div><dt>${t('discountKind')}</dt><dd><${Terms} coupon=${c} /></dd></div>
              <div><dt>${t('maxRedemptions')}</dt><dd>${c.maxRedemptions ?? t('noLimit')}</dd></div>
              <div><dt>${t('remaining')}</dt><dd data-remaining>${c.remaining ?? t('noLimit')}</dd></div>
              ${c.overLimit ? html`<div><dt>${t('overLimit')}</dt><dd data-over-limit-count><span class="badge kind-act">${c.overLimit}</span></dd></div>` : null}
              ${c.validFrom ? html`<div><dt>${t('validFrom')}</dt><dd><${When} at=${c.validFrom} /></dd></div>` : null}
              ${c.validUntil ? html`<div><dt>${t('validUntil')}</dt><dd><${When} at=${c.validUntil} /></dd></div>` : null}
              ${c.issuedTo ? html`<div><dt>${t('issuedTo')}</dt><dd>${c.issuedTo}</dd></div>` : null}
              <div><dt>${t('created')}</dt><dd><${When} at=${c.createdAt} /> · ${c.createdBy}</dd></div>
            </dl>
          </div>
          ${c.overLimit ? html`<p class="notice notice-conflict" data-over-limit-note>${t('overLimitNote', { n: c.overLimit, max: c.maxRedemptions })}</p>` : null}
          <h3>${t('redemptions')}</h3>
          ${c.redemptions.length === 0 ? html`<p class="muted">${t('nothing')}</p>` : null}
          ${c.redemptions.length
            ? html`<table class="grid">
                <thead><tr><th>${t('order')}</th><th>${t('buyer')}</th><th>${t('listPrice')}</th><th>${t('discount')}</th><th>${t('amount')}</th><th>${t('status')}</th><th>${t('heldAt')}</th></tr></thead>
                <tbody>
                  ${c.redemptions.map(
                    (r) => html`<tr key=${r.orderId} data-redemption=${r.orderId} data-state=${r.state} data-over-limit=${r.overLimit ? 'true' : null}>
                      <td data-label=${t('order')}><a href=${`#/orders/${seg(r.orderId)}`} class="mono">${r.orderId}</a></td>
                      <td data-label=${t('buyer')}>${r.buyer}</td>
                      <td data-label=${t('listPrice')}>${formatMoney(r.listPrice, lang)}</td>
                      <td data-label=${t('discount')}>${formatMoney(r.discount, lang)}</td>
                      <td data-label=${t('amount')} data-paid>${formatMoney(r.amount, lang)}</td>
                      <td data-label=${t('status')}><span class=${`badge kind-${REDEMPTION_KIND[r.state]}`}>${t(`rd_${r.state}`)}${r.releasedBecause ? ` · ${t(`rb_${r.releasedBecause}`)}` : ''}</span>${r.overLimit ? html` <span class="badge kind-act" data-past-limit>${t('pastLimit')}</span>` : null}</td>
                      <td data-label=${t('heldAt')}><${When} at=${r.heldAt} /></td>
                    </tr>`,
                  )}
                </tbody>
              </table>`
            : null}`
        : null}
    </section>`;
}
