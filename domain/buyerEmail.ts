import escapeHtml from 'escape-html';
import type { ComplaintCategory } from './complaint';
import { formatMoney, type Money } from './money';

/*
 * The emails a buyer gets, as pure functions of what they are about: which events send one, in
 * which language, what each says (text and HTML), and the Message-ID that makes a resend of the
 * same event the same email. The activity that sends them (activities/email.ts) gathers the facts.
 */

export const BUYER_LOCALES = ['zh-CN', 'en'] as const;
export type BuyerLocale = (typeof BUYER_LOCALES)[number];
export const DEFAULT_BUYER_LOCALE: BuyerLocale = 'zh-CN';

export const BUYER_EMAIL_KINDS = ['keys_delivered', 'refund_paid', 'complaint_answered', 'complaint_needs_reply', 'complaint_resolved', 'coupon_granted'] as const;
export type BuyerEmailKind = (typeof BUYER_EMAIL_KINDS)[number];

/** What a workflow hands the email workflow: ids only, never an address or a code. */
export interface BuyerEmailEvent {
  /** Unique per event; the email's Message-ID and its record in `emails_sent` follow from it. */
  eventId: string;
  orderId: string;
  kind: BuyerEmailKind;
  /** On the complaint kinds. */
  complaintId?: string;
  /** The complaint's message said at this step (its place in the messages), quoted in the email. */
  messageIndex?: number;
  /** On coupon_granted: the grant the coupon was issued under (its code is read by it, never carried). */
  grantKey?: string;
}

/** The complaint steps (domain/complaintLife.ts) the buyer is emailed about, and as what. */
export const COMPLAINT_STEP_EMAILS: Partial<Record<string, BuyerEmailKind>> = {
  acknowledged: 'complaint_answered',
  info_requested: 'complaint_needs_reply',
  resolved: 'complaint_resolved',
};

/** A product's usage instructions, per language. */
export interface Instructions {
  zh?: string;
  en?: string;
}

/** The instructions in the buyer's language, else in the other one; undefined when there are none. */
export function instructionsFor(instructions: Instructions | undefined, locale: BuyerLocale): string | undefined {
  if (!instructions) return undefined;
  return locale === 'en' ? instructions.en ?? instructions.zh : instructions.zh ?? instructions.en;
}

/**
 * The Message-ID of an event's email: the same event, however often its step is retried, is the
 * same message, which mail servers and clients keep once. Characters a Message-ID may not hold are
 * replaced, so any event id makes a valid one.
 */
export function messageIdOf(eventId: string, fromAddress: string): string {
  const domain = fromAddress.slice(fromAddress.lastIndexOf('@') + 1) || 'localhost';
  return `<${eventId.replace(/[^A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]/g, '_')}.buyer-email@${domain}>`;
}

/** The facts one email is written from; the activity reads them from the store. */
export interface EmailFacts {
  orderId: string;
  sku: string;
  productName: string;
  quantity: number;
  /** Link to the buyer's order page (PUBLIC_BASE_URL set). */
  link?: string;
  /** keys_delivered: the codes, decrypted by the activity. */
  codes?: string[];
  instructions?: string;
  /** refund_paid: what was paid back. */
  refund?: Money;
  /** The complaint kinds. */
  complaint?: {
    complaintId: string;
    category: ComplaintCategory;
    resolution?: 'replaced' | 'refunded' | 'rejected';
    /** What the agents (or the system) said at this step, in their words. */
    said?: string;
  };
  /** coupon_granted: the coupon made out to the buyer, its code read by the activity. */
  coupon?: GrantedCoupon;
}

export interface GrantedCoupon {
  code: string;
  amountOff?: Money;
  percentOff?: number;
  minSpend?: Money;
  validUntil?: string;
}

/** When a coupon stops being valid, as a buyer reads it: to the minute, in UTC. */
const untilText = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

function couponTermsText(c: GrantedCoupon, locale: BuyerLocale): string {
  if (locale === 'en') {
    const off = c.amountOff ? `${formatMoney(c.amountOff)} off` : `${c.percentOff}% off`;
    return `${off} your next order${c.minSpend ? ` of at least ${formatMoney(c.minSpend)}` : ''}; single use${c.validUntil ? `, valid until ${untilText(c.validUntil)}` : ''}.`;
  }
  const off = c.amountOff ? `立减 ${formatMoney(c.amountOff)}` : `${c.percentOff}% 折扣`;
  return `${c.minSpend ? `满 ${formatMoney(c.minSpend)} ` : ''}下一单${off}；仅限使用一次${c.validUntil ? `，有效期至 ${untilText(c.validUntil)}` : ''}。`;
}

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

interface Words {
  subject: (f: EmailFacts) => string;
  lead: (f: EmailFacts) => string;
}

const CATEGORY: Record<BuyerLocale, Record<ComplaintCategory, string>> = {
  'zh-CN': { key_invalid: '卡密无效', key_not_received: '未收到卡密', wrong_item: '商品不符', payment_issue: '支付问题', service: '服务', other: '其他' },
  en: { key_invalid: 'invalid key', key_not_received: 'key not received', wrong_item: 'wrong item', payment_issue: 'payment issue', service: 'service', other: 'other' },
};

const RESOLUTION: Record<BuyerLocale, Record<'replaced' | 'refunded' | 'rejected', string>> = {
  'zh-CN': { replaced: '已为您更换新的卡密，请在订单页查看。', refunded: '已为您退款，卡密已作废。', rejected: '经核实，我们无法按您的要求处理，原因见下文。' },
  en: { replaced: 'We have delivered a new key: see it on your order page.', refunded: 'We have refunded your payment; the keys are no longer valid.', rejected: 'We could not do what you asked; the reason is below.' },
};

const WORDS: Record<BuyerLocale, Record<BuyerEmailKind, Words> & { labels: Record<string, string> }> = {
  'zh-CN': {
    keys_delivered: { subject: (f) => `您的卡密已发货：${f.productName}`, lead: (f) => `感谢购买！订单 ${f.orderId} 的 ${f.quantity} 个卡密如下：` },
    refund_paid: { subject: (f) => `退款已到账：订单 ${f.orderId}`, lead: (f) => `订单 ${f.orderId}（${f.productName}）已退款 ${f.refund ? formatMoney(f.refund) : ''}。` },
    complaint_answered: { subject: (f) => `客服已回复您的投诉：订单 ${f.orderId}`, lead: (f) => `我们已收到您关于“${CATEGORY['zh-CN'][f.complaint!.category]}”的投诉，正在处理。` },
    complaint_needs_reply: { subject: (f) => `请回复您的投诉：订单 ${f.orderId}`, lead: () => '处理您的投诉还需要更多信息，请在订单页回复。' },
    complaint_resolved: {
      subject: (f) => `您的投诉已处理：订单 ${f.orderId}`,
      lead: (f) => `${f.complaint?.resolution ? RESOLUTION['zh-CN'][f.complaint.resolution] : '您的投诉已处理。'}请在订单页确认是否满意。`,
    },
    coupon_granted: {
      subject: () => '致歉：送您一张优惠券',
      lead: (f) => `很抱歉，您的订单 ${f.orderId}（${f.productName}）受到了我们的服务故障影响。为表歉意，送您一张优惠券，下单时填写即可：`,
    },
    labels: { instructions: '使用说明', said: '客服留言', link: '查看订单', keys: '卡密', coupon: '优惠券', footer: '此邮件由系统自动发送，请勿直接回复。' },
  },
  en: {
    keys_delivered: { subject: (f) => `Your keys for ${f.productName}`, lead: (f) => `Thank you for your order! Here are the ${f.quantity} key(s) of order ${f.orderId}:` },
    refund_paid: { subject: (f) => `Refund paid: order ${f.orderId}`, lead: (f) => `We have refunded ${f.refund ? formatMoney(f.refund) : 'your payment'} for order ${f.orderId} (${f.productName}).` },
    complaint_answered: { subject: (f) => `We answered your complaint: order ${f.orderId}`, lead: (f) => `We have your complaint (${CATEGORY.en[f.complaint!.category]}) and are working on it.` },
    complaint_needs_reply: { subject: (f) => `Your reply is needed: order ${f.orderId}`, lead: () => 'We need a little more from you to settle your complaint: please reply on your order page.' },
    complaint_resolved: {
      subject: (f) => `Your complaint is resolved: order ${f.orderId}`,
      lead: (f) => `${f.complaint?.resolution ? RESOLUTION.en[f.complaint.resolution] : 'Your complaint is resolved.'} Please tell us on your order page whether you are satisfied.`,
    },
    coupon_granted: {
      subject: () => 'Our apologies: a coupon for you',
      lead: (f) => `We are sorry: your order ${f.orderId} (${f.productName}) was caught in a service problem on our side. To make up for it, here is a coupon; enter it when you order:`,
    },
    labels: { instructions: 'How to use', said: 'Our message', link: 'Your order', keys: 'Keys', coupon: 'Coupon', footer: 'This email was sent automatically; replies are not read.' },
  },
};

/** An event's email in the buyer's language, as plain text and as HTML carrying the same words. */
export function renderBuyerEmail(kind: BuyerEmailKind, locale: BuyerLocale, facts: EmailFacts): EmailContent {
  if (kind.startsWith('complaint_') && !facts.complaint) throw new Error(`a ${kind} email needs its complaint`);
  if (kind === 'keys_delivered' && !facts.codes?.length) throw new Error('a keys_delivered email needs the codes');
  if (kind === 'coupon_granted' && !facts.coupon) throw new Error('a coupon_granted email needs its coupon');
  const words = WORDS[locale];
  const { labels } = words;
  const lead = words[kind].lead(facts);
  const text: string[] = [lead, ''];
  const html: string[] = [`<p>${escapeHtml(lead)}</p>`];
  if (facts.codes?.length) {
    text.push(...facts.codes.map((code) => `  ${code}`), '');
    html.push(`<p><strong>${escapeHtml(labels.keys)}</strong></p>`, `<ul>${facts.codes.map((code) => `<li><code style="font-size:16px">${escapeHtml(code)}</code></li>`).join('')}</ul>`);
  }
  if (facts.coupon) {
    const terms = couponTermsText(facts.coupon, locale);
    text.push(`${labels.coupon}:`, `  ${facts.coupon.code}`, terms, '');
    html.push(`<p><strong>${escapeHtml(labels.coupon)}</strong></p>`, `<p><code style="font-size:16px">${escapeHtml(facts.coupon.code)}</code></p>`, `<p>${escapeHtml(terms)}</p>`);
  }
  if (facts.instructions) {
    text.push(`${labels.instructions}:`, facts.instructions, '');
    html.push(`<h3>${escapeHtml(labels.instructions)}</h3>`, `<p style="white-space:pre-wrap">${escapeHtml(facts.instructions)}</p>`);
  }
  if (facts.complaint?.said) {
    text.push(`${labels.said}:`, facts.complaint.said, '');
    html.push(`<h3>${escapeHtml(labels.said)}</h3>`, `<blockquote style="white-space:pre-wrap">${escapeHtml(facts.complaint.said)}</blockquote>`);
  }
  if (facts.link) {
    text.push(`${labels.link}: ${facts.link}`, '');
    html.push(`<p><a href="${escapeHtml(facts.link)}">${escapeHtml(labels.link)}</a></p>`);
  }
  text.push(labels.footer);
  html.push(`<p style="color:#888;font-size:12px">${escapeHtml(labels.footer)}</p>`);
  return {
    subject: words[kind].subject(facts),
    text: text.join('\n'),
    html: `<!doctype html><html lang="${locale}"><body style="font-family:sans-serif">${html.join('\n')}</body></html>`,
  };
}

/** The buyer's order page, when the shop says where it is served (PUBLIC_BASE_URL). */
export function orderPageUrl(publicBaseUrl: string | undefined, orderId: string): string | undefined {
  return publicBaseUrl ? `${publicBaseUrl}/orders/${encodeURIComponent(orderId)}` : undefined;
}
