import { createCipheriv, createSign, createVerify, randomBytes } from 'node:crypto';
import type { Money } from '../../../domain/money';
import { beijingTime } from '../../../payments/rails/clock';
import type { Recorded, Reply } from '../fakeServer';
import type { Answer } from '../http';
import { pemBody } from './alipay';
import { ProviderStandIn, randomId, rsaKeys, type NoticeOptions, type SignedNotice } from './standIn';

/**
 * WeChat Pay API v3 as documented: requests carry `WECHATPAY2-SHA256-RSA2048` signed with the
 * merchant's key; answers and notices are signed with the platform key (named by Wechatpay-Serial);
 * notices carry the transaction encrypted AEAD_AES_256_GCM with the APIv3 key.
 */
export class WechatPayStandIn extends ProviderStandIn {
  readonly method = 'wechatpay' as const;
  readonly refusedStatus = 401;
  readonly mchid = '1900000109';
  readonly appid = 'wxd678efh567hg6787';
  readonly merchant = rsaKeys();
  readonly merchantSerial = randomBytes(20).toString('hex').toUpperCase();
  readonly platform = rsaKeys();
  readonly platformSerial = `PUB_KEY_ID_${randomBytes(8).toString('hex')}`;
  readonly apiV3Key = randomBytes(16).toString('hex'); // 32 characters
  private readonly refundStatus = new Map<string, 'PROCESSING' | 'SUCCESS'>();
  /** 消费者投诉2.0 complaints as the merchant platform keeps them, by complaint_id. */
  readonly complaints = new Map<string, Record<string, any>>();
  /** What the merchant answered the buyers through WeChat Pay, and which complaints it completed. */
  readonly complaintResponses: Array<{ complaintId: string; text: string }> = [];
  readonly complaintsCompleted: string[] = [];
  /** Each complaint's negotiation history (协商历史) as the merchant API lists it. */
  readonly negotiations = new Map<string, Array<{ log_id: string; operator: string; operate_time: string; operate_type: string; operate_details: string }>>();
  /** Complaints whose replies and completion WeChat Pay refuses (400 INVALID_REQUEST: the buyer withdrew it). */
  readonly refusingReplies = new Set<string>();
  /** The next N replies or completions are taken, but answered only after slowReplyMs (past the product's timeout). */
  slowReplies = 0;
  slowReplyMs = 5_000;
  readonly badRequests: string[] = [];

  env(): Record<string, string> {
    return {
      WECHATPAY_MCHID: this.mchid,
      WECHATPAY_APPID: this.appid,
      WECHATPAY_SERIAL: this.merchantSerial,
      WECHATPAY_PRIVATE_KEY: this.merchant.privateKey,
      WECHATPAY_APIV3_KEY: this.apiV3Key,
      WECHATPAY_PLATFORM_PUBLIC_KEY: this.platform.publicKey,
      WECHATPAY_PLATFORM_SERIAL: this.platformSerial,
      WECHATPAY_BASE_URL: this.url,
    };
  }

  secrets(): string[] {
    return [pemBody(this.merchant.privateKey), this.apiV3Key];
  }

  protected newPaymentId(): string {
    return `4200${randomBytes(12).toString('hex').slice(0, 24)}`;
  }

  protected route(req: Recorded): Reply | Promise<Reply> {
    if (!this.authorized(req)) {
      this.badRequests.push(`${req.method} ${req.path}`);
      return this.answer(401, { code: 'SIGN_ERROR', message: 'signature does not verify' });
    }
    const byTradeNo = /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)$/.exec(req.path);
    const byRefundNo = /^\/v3\/refund\/domestic\/refunds\/([^/]+)$/.exec(req.path);
    if (req.method === 'POST' && req.path === '/v3/pay/transactions/native') {
      const b = req.body;
      if (b.mchid !== this.mchid || b.appid !== this.appid || !b.notify_url || !b.time_expire || b.amount?.currency !== 'CNY') {
        return this.answer(400, { code: 'PARAM_ERROR', message: 'missing or wrong field' });
      }
      this.trade(b.out_trade_no, { amount: b.amount.total, currency: 'CNY' });
      return this.answer(200, { code_url: `weixin://wxpay/bizpayurl?pr=${b.out_trade_no.slice(0, 8)}` });
    }
    const closing = /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)\/close$/.exec(req.path);
    if (req.method === 'POST' && closing) {
      const trade = this.trades.get(decodeURIComponent(closing[1]));
      if (req.body?.mchid !== this.mchid) return this.answer(400, { code: 'PARAM_ERROR', message: 'mchid' });
      if (!trade) return this.answer(404, { code: 'ORDER_NOT_EXIST', message: '订单不存在' });
      if (trade.paid) return this.answer(400, { code: 'ORDERPAID', message: '订单已支付' });
      this.closed.add(trade.orderId);
      return { status: 204, text: '', headers: this.signed('') };
    }
    if (req.method === 'GET' && byTradeNo) {
      const orderId = decodeURIComponent(byTradeNo[1]);
      this.lookups.push(orderId);
      if (req.query.get('mchid') !== this.mchid) return this.answer(400, { code: 'PARAM_ERROR', message: 'mchid' });
      const trade = this.trades.get(orderId);
      if (!trade) return this.answer(404, { code: 'ORDER_NOT_EXIST', message: '订单不存在' });
      return this.answer(200, {
        appid: this.appid, mchid: this.mchid, out_trade_no: orderId,
        trade_state: trade.paid ? 'SUCCESS' : 'NOTPAY',
        ...(trade.paidAt ? { success_time: beijingTime(trade.paidAt, 'T') } : {}),
        ...(trade.paid ? { transaction_id: trade.paymentId, amount: { total: trade.amount.amount, payer_total: trade.amount.amount, currency: 'CNY', payer_currency: 'CNY' } } : {}),
      });
    }
    if (req.method === 'POST' && req.path === '/v3/refund/domestic/refunds') {
      const b = req.body;
      const trade = [...this.trades.values()].find((t) => t.paymentId === b.transaction_id);
      const call = this.refundCall(b.out_refund_no, trade?.orderId ?? '', b.transaction_id, b.amount?.refund);
      if (call.answer === 'failed') return this.answer(500, { code: 'SYSTEM_ERROR', message: '系统繁忙' });
      if (call.answer === 'refused') return this.answer(403, { code: 'NOT_ENOUGH', message: '基本账户余额不足' });
      // Accepted first, settled a moment later (SUCCESS when asked by out_refund_no).
      const status = this.refundStatus.get(b.out_refund_no) ?? 'PROCESSING';
      this.refundStatus.set(b.out_refund_no, status === 'PROCESSING' && call.answer === 'replayed' ? 'SUCCESS' : status);
      return this.answer(200, { refund_id: randomId('50', 10), out_refund_no: b.out_refund_no, status, amount: b.amount });
    }
    if (req.method === 'GET' && byRefundNo) {
      const no = decodeURIComponent(byRefundNo[1]);
      if (!this.refundStatus.has(no)) return this.answer(404, { code: 'RESOURCE_NOT_EXISTS', message: '退款单不存在' });
      this.refundStatus.set(no, 'SUCCESS');
      return this.answer(200, { out_refund_no: no, status: 'SUCCESS' });
    }
    const complaintStep = /^\/v3\/merchant-service\/complaints-v2\/([^/]+)\/(response|complete)$/.exec(req.path);
    if (req.method === 'POST' && complaintStep) {
      const id = decodeURIComponent(complaintStep[1]);
      const found = this.complaints.get(id);
      if (!found) return this.answer(404, { code: 'RESOURCE_NOT_EXISTS', message: '投诉单不存在' });
      if (req.body?.complainted_mchid !== this.mchid) return this.answer(400, { code: 'PARAM_ERROR', message: 'complainted_mchid' });
      if (this.refusingReplies.has(id)) return this.answer(400, { code: 'INVALID_REQUEST', message: '投诉单已撤销，不可回复' });
      if (complaintStep[2] === 'response') {
        if (typeof req.body.response_content !== 'string' || !req.body.response_content || req.body.response_content.length > 200) return this.answer(400, { code: 'PARAM_ERROR', message: 'response_content' });
        this.complaintResponses.push({ complaintId: id, text: req.body.response_content });
        this.negotiate(id, '商户', 'MERCHANT_RESPONSE', req.body.response_content);
      } else {
        this.complaintsCompleted.push(id);
        this.negotiate(id, '商户', 'MERCHANT_CONFIRM_COMPLETE', '');
        found.complaint_state = 'PROCESSED';
      }
      const done: Reply = { status: 204, text: '', headers: this.signed('') };
      if (this.slowReplies === 0) return done;
      // Taken, and answered only after the caller has stopped waiting.
      this.slowReplies -= 1;
      return new Promise((resolve) => setTimeout(() => resolve(done), this.slowReplyMs));
    }
    const history = /^\/v3\/merchant-service\/complaints-v2\/([^/]+)\/negotiation-historys$/.exec(req.path);
    if (req.method === 'GET' && history) {
      const lines = this.negotiations.get(decodeURIComponent(history[1]));
      if (!lines) return this.answer(404, { code: 'RESOURCE_NOT_EXISTS', message: '投诉单不存在' });
      const limit = Number(req.query.get('limit') ?? 100);
      const offset = Number(req.query.get('offset') ?? 0);
      if (!Number.isInteger(limit) || limit < 1 || limit > 300 || !Number.isInteger(offset) || offset < 0) return this.answer(400, { code: 'PARAM_ERROR', message: 'limit/offset' });
      return this.answer(200, { data: lines.slice(offset, offset + limit), limit, offset, ...(offset === 0 ? { total_count: lines.length } : {}) });
    }
    const complaint = /^\/v3\/merchant-service\/complaints-v2\/([^/]+)$/.exec(req.path);
    if (req.method === 'GET' && complaint) {
      const found = this.complaints.get(decodeURIComponent(complaint[1]));
      return found ? this.answer(200, found) : this.answer(404, { code: 'RESOURCE_NOT_EXISTS', message: '投诉单不存在' });
    }
    return this.answer(404, { code: 'NOT_FOUND', message: 'no such route' });
  }

  /** A buyer complains to WeChat Pay about the order's payment (or the complaint moves on): the platform's record of it. */
  complain(orderId: string, fields: { state?: string; problemType?: string; detail?: string; otherMerchant?: boolean; id?: string } = {}): string {
    const trade = this.trade(orderId);
    const id = fields.id ?? `2000${randomBytes(10).toString('hex').slice(0, 20)}`;
    const earlier = this.complaints.get(id);
    if (!earlier) this.negotiate(id, '投诉人', 'USER_CREATE_COMPLAINT', fields.detail ?? '充值卡密无效');
    this.complaints.set(id, {
      ...earlier,
      complaint_id: id,
      complaint_time: earlier?.complaint_time ?? new Date().toISOString(),
      complaint_detail: fields.detail ?? earlier?.complaint_detail ?? '充值卡密无效',
      complaint_state: fields.state ?? earlier?.complaint_state ?? 'PENDING',
      payer_phone: 'encrypted-phone',
      complaint_order_info: [{ transaction_id: trade.paymentId, out_trade_no: orderId, amount: trade.amount.amount }],
      complaint_full_refunded: false,
      incoming_user_response: false,
      problem_description: '卡密无法使用',
      user_complaint_times: 1,
      problem_type: fields.problemType ?? earlier?.problem_type ?? 'SERVICE_NOT_WORK',
      complainted_mchid: fields.otherMerchant ? '1900000999' : this.mchid,
    });
    return id;
  }

  private negotiate(complaintId: string, operator: string, type: string, details: string): void {
    const lines = this.negotiations.get(complaintId) ?? [];
    lines.push({ log_id: randomId('3002', 10), operator, operate_time: new Date().toISOString(), operate_type: type, operate_details: details });
    this.negotiations.set(complaintId, lines);
  }

  /** The complaint notice WeChat Pay sends to the URL registered for complaints: it names the complaint and what happened. */
  complaintNotice(complaintId: string, actionType: string, options: NoticeOptions = {}): SignedNotice {
    const eventType = actionType === 'CREATE_COMPLAINT' ? 'COMPLAINT.CREATE' : 'COMPLAINT.STATE_CHANGE';
    return this.encryptedNotice(eventType, 'complaint', { complaint_id: complaintId, action_type: actionType }, options, '/v1/payments/wechatpay/complaints/notify');
  }

  /** The merchant's request signature, checked as WeChat Pay checks it. */
  private authorized(req: Recorded): boolean {
    const auth = String(req.headers.authorization ?? '');
    if (!auth.startsWith('WECHATPAY2-SHA256-RSA2048 ')) return false;
    const fields = Object.fromEntries([...auth.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (fields.mchid !== this.mchid || fields.serial_no !== this.merchantSerial) return false;
    const target = `${req.path}${[...req.query].length ? `?${req.query}` : ''}`;
    const message = `${req.method}\n${target}\n${fields.timestamp}\n${fields.nonce_str}\n${req.raw}\n`;
    return createVerify('RSA-SHA256').update(message).verify(this.merchant.publicKey, fields.signature ?? '', 'base64');
  }

  private signed(body: string, timestamp = Math.floor(Date.now() / 1000), key = this.platform.privateKey): Record<string, string> {
    const nonce = randomBytes(16).toString('hex');
    const signature = createSign('RSA-SHA256').update(`${timestamp}\n${nonce}\n${body}\n`).sign(key, 'base64');
    return { 'wechatpay-timestamp': String(timestamp), 'wechatpay-nonce': nonce, 'wechatpay-serial': this.platformSerial, 'wechatpay-signature': signature };
  }

  private answer(status: number, body: unknown): Reply {
    const text = JSON.stringify(body);
    return { status, text, headers: this.signed(text) };
  }

  /** A v3 notice: the resource encrypted with the APIv3 key, the whole signed with the platform key. */
  encryptedNotice(eventType: string, originalType: string, resource: unknown, options: NoticeOptions = {}, path = '/v1/payments/wechatpay/notify'): SignedNotice {
    const nonce = randomBytes(6).toString('hex');
    const associated = originalType;
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(this.apiV3Key), Buffer.from(nonce));
    cipher.setAAD(Buffer.from(associated));
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(resource)), cipher.final(), cipher.getAuthTag()]).toString('base64');
    const body = JSON.stringify({
      id: randomId('', 16),
      create_time: new Date().toISOString(),
      resource_type: 'encrypt-resource',
      event_type: eventType,
      summary: '支付成功',
      resource: { original_type: originalType, algorithm: 'AEAD_AES_256_GCM', ciphertext, associated_data: associated, nonce },
    });
    const timestamp = Math.floor(Date.now() / 1000) - (options.agedSeconds ?? 0);
    const headers = this.signed(body, timestamp, options.forged ? rsaKeys().privateKey : this.platform.privateKey);
    return { path, method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } };
  }

  paidNotice(orderId: string, options: NoticeOptions, amount: Money): SignedNotice {
    const trade = this.trade(orderId, amount);
    trade.paid = true;
    const total = options.amount ?? trade.amount.amount;
    return this.encryptedNotice(
      'TRANSACTION.SUCCESS',
      'transaction',
      {
        appid: this.appid,
        mchid: options.otherMerchant ? '1900000999' : this.mchid,
        out_trade_no: orderId,
        transaction_id: trade.paymentId,
        trade_type: 'NATIVE',
        trade_state: 'SUCCESS',
        trade_state_desc: '支付成功',
        success_time: new Date().toISOString(),
        amount: { total, payer_total: total, currency: 'CNY', payer_currency: 'CNY' },
      },
      options,
    );
  }

  tamper(notice: SignedNotice): SignedNotice {
    const event = JSON.parse(notice.body);
    event.event_type = 'TRANSACTION.SUCCESS';
    event.summary = 'changed';
    return { ...notice, body: JSON.stringify(event) };
  }

  acknowledged(answer: Answer): boolean {
    return answer.status === 204 || (answer.status === 200 && answer.body?.code === 'SUCCESS');
  }

  checkoutFits(checkout: Record<string, string>, order: { orderId: string; amount: Money }): void {
    expect(checkout.codeUrl).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=/);
    const created = this.server.requests.find((r) => r.path === '/v3/pay/transactions/native' && r.body?.out_trade_no === order.orderId);
    expect(created?.body).toMatchObject({ amount: { total: order.amount.amount, currency: 'CNY' }, mchid: this.mchid, appid: this.appid });
    expect(created?.body.notify_url).toMatch(/\/v1\/payments\/wechatpay\/notify$/);
    expect(created?.body.time_expire).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
  }
}
