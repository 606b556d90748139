import { ApplicationFailure } from '@temporalio/common';
import { createDecipheriv, createSign, createVerify, randomBytes, type KeyObject } from 'node:crypto';
import type { Config } from '../../config';
import type { RailsConfig } from '../../config/rails';
import type { ComplaintCategory } from '../../domain/complaint';
import type { DisputeFacts, DisputeNotice } from '../../domain/dispute';
import { PROVIDER_REPLY_REFUSED, replyContent, type NegotiationEntry } from '../../domain/providerReply';
import { beijingTime, providerPaidAt } from './clock';
import { jsonOf, request, type RawAnswer } from './http';
import { isRefusal } from '../../activities/http';
import { providerFailed, providerRefused, type NoticeOutcome, type NoticeRequest, type ProviderRail } from './rail';

type WechatSettings = NonNullable<RailsConfig['wechatpay']>;

/** WeChat Pay refuses a notice older than this, and so do we (a replayed one is stale). */
const NOTICE_TOLERANCE_S = 300;

/**
 * WeChat Pay API v3 with node:crypto (its maintained Node libraries fix the host, which the tests'
 * stand-in must move): requests signed WECHATPAY2-SHA256-RSA2048 with the merchant key, answers
 * and notices verified by their Wechatpay-Serial against the platform keys (certificates and the
 * newer 微信支付公钥 side by side, so a key switch-over does not fail), resources decrypted with
 * the APIv3 key.
 */
export function wechatpayRail(settings: WechatSettings, config: Config, notifyUrl = `${config.rails.publicBaseUrl}/v1/payments/wechatpay/notify`): ProviderRail & WechatApi {
  const timeout = config.outboundHttpTimeoutMs;

  /** A signed call; its answer's signature is checked before its body is believed. */
  async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const text = body === undefined ? '' : JSON.stringify(body);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(16).toString('hex');
    const signature = createSign('RSA-SHA256').update(`${method}\n${path}\n${timestamp}\n${nonce}\n${text}\n`).sign(settings.privateKey, 'base64');
    const authorization =
      `WECHATPAY2-SHA256-RSA2048 mchid="${settings.mchid}",nonce_str="${nonce}",signature="${signature}",` +
      `timestamp="${timestamp}",serial_no="${settings.serial}"`;
    const answer = await request(method, `${settings.baseUrl}${path}`, timeout, {
      headers: { authorization, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: text }),
    });
    if (answer.status >= 500) return { status: answer.status, body: jsonOf(answer.text) };
    if (!verifiedAnswer(answer)) return { status: 0, body: undefined }; // an answer we cannot trust is no answer
    return { status: answer.status, body: jsonOf(answer.text) };
  }

  function verifiedAnswer(answer: RawAnswer): boolean {
    const header = (name: string) => answer.headers.get(name) ?? undefined;
    return signatureOk(header, Buffer.from(answer.text, 'utf8'));
  }

  function signatureOk(header: (name: string) => string | undefined, raw: Buffer): boolean {
    const timestamp = header('wechatpay-timestamp');
    const nonce = header('wechatpay-nonce');
    const signature = header('wechatpay-signature');
    const key = settings.platformKeys.get(header('wechatpay-serial') ?? '');
    if (!timestamp || !nonce || !signature || !key) return false;
    return verify(key, Buffer.concat([Buffer.from(`${timestamp}\n${nonce}\n`), raw, Buffer.from('\n')]), signature);
  }

  function fresh(header: (name: string) => string | undefined): boolean {
    const timestamp = Number(header('wechatpay-timestamp'));
    return Number.isInteger(timestamp) && Math.abs(Date.now() / 1000 - timestamp) <= NOTICE_TOLERANCE_S;
  }

  /** A notice: signature over the raw bytes, then freshness, then the resource decrypted. */
  function openNotice(req: NoticeRequest): { ok: true; event: any; resource: any } | { ok: false; why: string } {
    if (!signatureOk(req.header, req.raw)) return { ok: false, why: 'Wechatpay-Signature does not verify with a platform key of that serial' };
    if (!fresh(req.header)) return { ok: false, why: 'Wechatpay-Timestamp is more than 5 minutes away' };
    const event = jsonOf(req.raw.toString('utf8'));
    const resource = event?.resource;
    if (resource?.algorithm !== 'AEAD_AES_256_GCM') return { ok: false, why: 'the resource is not AEAD_AES_256_GCM' };
    const plain = decrypt(settings.apiV3Key, resource);
    const decrypted = plain === undefined ? undefined : jsonOf(plain);
    if (decrypted === undefined) return { ok: false, why: 'the resource does not decrypt with the APIv3 key' };
    return { ok: true, event, resource: decrypted };
  }

  return {
    method: 'wechatpay',
    currencies: ['CNY'],
    openNotice,

    async checkout(order) {
      const answer = await call('POST', '/v3/pay/transactions/native', {
        appid: settings.appid,
        mchid: settings.mchid,
        description: order.subject.slice(0, 127),
        out_trade_no: order.orderId,
        time_expire: beijingTime(order.dueAt, 'T'),
        notify_url: notifyUrl,
        amount: { total: order.amount.amount, currency: 'CNY' },
      });
      if (answer.status !== 200 || typeof answer.body?.code_url !== 'string') {
        throw providerFailed('ProviderCheckoutFailed', `wechatpay native order answered ${answer.status} ${answer.body?.code ?? ''}`.trim());
      }
      return { checkout: { codeUrl: answer.body.code_url } };
    },

    async refund({ refundId, paymentId, amount, reason }) {
      const sent = await call('POST', '/v3/refund/domestic/refunds', {
        transaction_id: paymentId,
        out_refund_no: refundId,
        reason: reason.slice(0, 80),
        amount: { refund: amount.amount, total: amount.amount, currency: amount.currency },
      });
      const said = `wechatpay refund ${refundId} answered ${sent.status} ${sent.body?.code ?? ''}`.trim();
      // NOT_ENOUGH (the merchant's balance), PARAM_ERROR, NO_AUTH...: a person settles them in the merchant console.
      if (isRefusal(sent.status)) throw providerRefused(said);
      if (sent.status !== 200) throw providerFailed('ProviderRefundFailed', said);
      // PROCESSING first; refunded is SUCCESS, asked by our refund number until it is.
      let status = sent.body?.status;
      if (status !== 'SUCCESS') {
        const asked = await call('GET', `/v3/refund/domestic/refunds/${encodeURIComponent(refundId)}`);
        if (asked.status === 200) status = asked.body?.status;
      }
      if (status === 'SUCCESS') return;
      // ABNORMAL (the buyer's account cannot take it) and CLOSED end there: only a person moves them on.
      if (status === 'ABNORMAL' || status === 'CLOSED') throw providerRefused(`wechatpay refund ${refundId} is ${status}: needs a person in the merchant console`);
      throw providerFailed('ProviderRefundFailed', `wechatpay refund ${refundId} is ${status ?? 'unknown'}`);
    },

    async close({ orderId }) {
      const answer = await call('POST', `/v3/pay/transactions/out-trade-no/${encodeURIComponent(orderId)}/close`, { mchid: settings.mchid });
      // 204 closed; a 4xx (ORDERPAID, ORDER_CLOSED, ORDER_NOT_EXIST) leaves nothing to close.
      if (answer.status === 204 || (answer.status >= 400 && answer.status < 500)) return true;
      throw providerFailed('ProviderCloseFailed', `wechatpay close answered ${answer.status}`);
    },

    async findPayments({ orderId }) {
      const answer = await call('GET', `/v3/pay/transactions/out-trade-no/${encodeURIComponent(orderId)}?mchid=${encodeURIComponent(settings.mchid)}`);
      if (answer.status === 404) return [];
      if (answer.status !== 200) throw providerFailed('ProviderLookupFailed', `wechatpay order query answered ${answer.status} ${answer.body?.code ?? ''}`.trim());
      const t = answer.body;
      if (t?.trade_state !== 'SUCCESS' || t.mchid !== settings.mchid) return [];
      if (typeof t.transaction_id !== 'string' || !Number.isSafeInteger(t.amount?.total)) throw providerFailed('ProviderLookupFailed', 'wechatpay order query answered a paid order without transaction_id or amount');
      const paidAt = providerPaidAt(t.success_time);
      return [{ paymentId: t.transaction_id, status: 'succeeded', amount: { amount: t.amount.total, currency: t.amount.currency ?? 'CNY' }, ...(paidAt ? { paidAt } : {}) }];
    },

    /**
     * A 消费者投诉2.0 notice, verified and decrypted like a payment notice. It names only the
     * complaint and what happened (`action_type`); the complaint itself is read from the API.
     */
    verifyComplaintNotice(req): NoticeOutcome {
      const opened = openNotice(req);
      if (!opened.ok) return { kind: 'refused', why: opened.why };
      const { event, resource } = opened;
      if (typeof event.event_type !== 'string' || !event.event_type.startsWith('COMPLAINT.')) return { kind: 'ignored', why: `${event.event_type} on the complaint URL` };
      if (typeof resource.complaint_id !== 'string' || !resource.complaint_id || typeof event.id !== 'string') return { kind: 'refused', why: 'complaint_id or the notice id is missing' };
      return {
        kind: 'dispute',
        dispute: { eventId: `wechatpay:${event.id}`, source: 'wechatpay', externalId: resource.complaint_id, action: String(resource.action_type ?? event.event_type) },
      };
    },

    /** The complaint as WeChat Pay keeps it: its order (our out_trade_no), the buyer's problem, its state. */
    async readDispute(notice) {
      const answer = await call('GET', `/v3/merchant-service/complaints-v2/${encodeURIComponent(notice.externalId)}`);
      if (answer.status !== 200) throw providerFailed('ProviderDisputeLookupFailed', `wechatpay complaint ${notice.externalId} answered ${answer.status} ${answer.body?.code ?? ''}`.trim());
      const c = answer.body ?? {};
      const mine = c.complainted_mchid === undefined || c.complainted_mchid === settings.mchid;
      const order = Array.isArray(c.complaint_order_info) ? c.complaint_order_info.find((o: any) => typeof o?.out_trade_no === 'string') : undefined;
      const reason = [c.problem_description, c.complaint_detail].filter((t) => typeof t === 'string' && t.trim()).join(': ') || 'complaint at WeChat Pay';
      const status = typeof c.complaint_state === 'string' ? c.complaint_state : 'PENDING';
      return {
        orderId: mine && order ? order.out_trade_no : null,
        reason: reason.slice(0, 5000),
        status,
        ...(status === 'PROCESSED' ? { outcome: 'completed' as const } : {}),
        category: complaintCategory(c.problem_type),
      };
    },

    /**
     * An agent's words to the buyer, shown in the WeChat Pay complaint. A 4xx about the request (the
     * complaint closed there, a field it refuses) is refused for good; a 5xx or no answer is retried.
     * The API takes no request id: see complaintHistory for how a resend is avoided.
     */
    async answerComplaint(complaintId, text) {
      const answer = await call('POST', `${complaintPath(complaintId)}/response`, {
        complainted_mchid: settings.mchid,
        response_content: replyContent(text),
      });
      settled(answer, `wechatpay complaint ${complaintId} response`);
    },

    /** The merchant's handling is done: WeChat Pay asks the buyer and closes the complaint. */
    async completeComplaint(complaintId) {
      const answer = await call('POST', `${complaintPath(complaintId)}/complete`, { complainted_mchid: settings.mchid });
      settled(answer, `wechatpay complaint ${complaintId} complete`);
    },

    /** The complaint's negotiation history (the buyer's, the platform's and the merchant's lines), every page of it. */
    async complaintHistory(complaintId) {
      const entries: NegotiationEntry[] = [];
      for (let offset = 0; ; ) {
        const answer = await call('GET', `${complaintPath(complaintId)}/negotiation-historys?limit=${HISTORY_PAGE}&offset=${offset}`);
        if (answer.status !== 200) throw providerFailed('ProviderLookupFailed', `wechatpay complaint ${complaintId} history answered ${answer.status} ${answer.body?.code ?? ''}`.trim());
        const page: any[] = Array.isArray(answer.body?.data) ? answer.body.data : [];
        for (const e of page) entries.push({ type: String(e?.operate_type ?? ''), details: typeof e?.operate_details === 'string' ? e.operate_details : '' });
        offset += page.length;
        if (page.length < HISTORY_PAGE) return entries;
      }
    },

    verifyNotice(req): NoticeOutcome {
      const opened = openNotice(req);
      if (!opened.ok) return { kind: 'refused', why: opened.why };
      const { event, resource: t } = opened;
      if (t.mchid !== settings.mchid) return { kind: 'refused', why: `mchid ${t.mchid} is not this shop's` };
      // A refund's notice (no appid in its resource) is ours too: acknowledged, so it is not resent.
      if (event.event_type !== 'TRANSACTION.SUCCESS' || t.trade_state !== 'SUCCESS') return { kind: 'ignored', why: `${event.event_type} ${t.trade_state ?? t.refund_status ?? ''}`.trim() };
      if (t.appid !== settings.appid) return { kind: 'refused', why: `appid ${t.appid} is not this shop's` };
      if (typeof t.out_trade_no !== 'string' || typeof t.transaction_id !== 'string' || !Number.isSafeInteger(t.amount?.total) || t.amount.total < 0) {
        return { kind: 'refused', why: 'out_trade_no, transaction_id or amount.total is missing' };
      }
      return {
        kind: 'payment',
        notice: {
          eventId: `wechatpay:${t.transaction_id}`,
          orderId: t.out_trade_no,
          paymentId: t.transaction_id,
          status: 'succeeded',
          amount: { amount: t.amount.total, currency: typeof t.amount.currency === 'string' ? t.amount.currency : 'CNY' },
          method: 'wechatpay',
        },
      };
    },

    reply(outcome) {
      if (outcome.kind !== 'refused') return { status: 204 };
      return { status: 401, json: { code: 'FAIL', message: outcome.why } };
    },
  };
}

/** What the complaint channel (消费者投诉2.0) shares with payment notices. */
export interface WechatApi {
  openNotice(req: NoticeRequest): { ok: true; event: any; resource: any } | { ok: false; why: string };
  verifyComplaintNotice(req: NoticeRequest): NoticeOutcome;
  readDispute(notice: DisputeNotice): Promise<DisputeFacts>;
  answerComplaint(complaintId: string, text: string): Promise<void>;
  completeComplaint(complaintId: string): Promise<void>;
  complaintHistory(complaintId: string): Promise<NegotiationEntry[]>;
}

/** History lines per page: the most the API gives at once. */
const HISTORY_PAGE = 300;

function complaintPath(complaintId: string): string {
  return `/v3/merchant-service/complaints-v2/${encodeURIComponent(complaintId)}`;
}

/** A reply's answer: taken (204, 200), refused for good (a 4xx about the request), or worth asking again. */
function settled(answer: { status: number; body: any }, what: string): void {
  if (answer.status === 204 || answer.status === 200) return;
  const said = `${what} answered ${answer.status} ${answer.body?.code ?? ''} ${answer.body?.message ?? ''}`.trim();
  if (isRefusal(answer.status)) throw ApplicationFailure.nonRetryable(said, PROVIDER_REPLY_REFUSED);
  throw providerFailed('ProviderReplyFailed', said);
}

/** WeChat Pay's problem types, in the complaint categories agents know. */
function complaintCategory(problemType: unknown): ComplaintCategory {
  if (problemType === 'REFUND') return 'payment_issue';
  if (problemType === 'SERVICE_NOT_WORK') return 'key_invalid';
  return 'other';
}

function verify(key: KeyObject, message: Buffer, signature: string): boolean {
  try {
    return createVerify('RSA-SHA256').update(message).verify(key, signature, 'base64');
  } catch {
    return false;
  }
}

/** AEAD_AES_256_GCM: the ciphertext's last 16 bytes are the tag. */
function decrypt(key: Buffer, resource: { ciphertext?: unknown; nonce?: unknown; associated_data?: unknown }): string | undefined {
  if (typeof resource.ciphertext !== 'string' || typeof resource.nonce !== 'string') return undefined;
  try {
    const data = Buffer.from(resource.ciphertext, 'base64');
    if (data.length < 17) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(resource.nonce, 'utf8'));
    decipher.setAuthTag(data.subarray(data.length - 16));
    decipher.setAAD(Buffer.from(typeof resource.associated_data === 'string' ? resource.associated_data : '', 'utf8'));
    return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
