import { complaintWorkflowId } from '../../../domain/complaint';
import { disputeWorkflowId } from '../../../domain/dispute';
import { eventually } from '../../support/http';
import { WechatPayStandIn } from '../../support/rails/wechatpay';
import { expectStatus, keyCodes, productWithShop, timelineTypes, type PlacedOrder } from '../../support/orders';

/**
 * WeChat Pay 消费者投诉2.0 end to end over HTTP: complaint notices signed with the platform key and
 * encrypted with the APIv3 key (as payment notices are), the complaint read from the stand-in's
 * merchant API (a real HTTP server checking our request signatures), the agents' queue, and the
 * provider's completion recorded.
 */
describe('WeChat Pay complaints become complaints', () => {
  const wechat = new WechatPayStandIn();
  beforeAll(() => wechat.start());
  afterAll(() => wechat.stop());
  const ctx = productWithShop(() => ({ ...wechat.env(), PUBLIC_BASE_URL: 'https://shop.example.test' }));
  const price = { amount: 3000, currency: 'CNY' };
  const SKU = 'card-wx-complaint';

  beforeAll(async () => {
    await ctx.shop.product(SKU, { price }, keyCodes(8, 'WXC'));
  });

  async function paidOrder(): Promise<PlacedOrder> {
    const answer = await ctx.shop.storefront.post('/v1/orders', { sku: SKU, buyer: { email: 'buyer@example.com' }, payment: { method: 'wechatpay' } });
    expectStatus(answer, 201, 'wechatpay order');
    const { orderId, orderToken, amount } = answer.body;
    expect(wechat.acknowledged(await wechat.send(ctx.shop.http, wechat.paidNotice(orderId, {}, amount)))).toBe(true);
    await ctx.shop.waitFor(orderId, 'DELIVERED');
    return { orderId, orderToken, amount, buyer: ctx.shop.http.buyer(orderToken) };
  }

  async function complaintsOn(orderId: string): Promise<any[]> {
    const open = await ctx.shop.agent.get('/v1/complaints?limit=100');
    const closed = await ctx.shop.agent.get('/v1/complaints?status=CLOSED&limit=100');
    return [...open.body.items, ...closed.body.items].filter((c: any) => c.orderId === orderId);
  }

  function queued(orderId: string, ready: (c: any) => boolean, what: string): Promise<any[]> {
    return eventually(async () => {
      const found = await complaintsOn(orderId);
      return found.length > 0 && ready(found[0]) ? found : false;
    }, what);
  }

  it('a complaint notice opens a complaint with the buyer problem; replays change nothing; a refund goes out once; the completion is recorded', async () => {
    const order = await paidOrder();
    const id = wechat.complain(order.orderId, { problemType: 'SERVICE_NOT_WORK', detail: '卡密提示已被使用' });
    const created = wechat.complaintNotice(id, 'CREATE_COMPLAINT');
    expect(wechat.acknowledged(await wechat.send(ctx.shop.http, created))).toBe(true);

    const [complaint] = await queued(order.orderId, () => true, 'the WeChat Pay complaint in the queue');
    expect(complaint).toMatchObject({
      source: 'wechatpay',
      external: { id },
      category: 'key_invalid',
      status: 'OPEN',
      dispute: { source: 'wechatpay', id, status: 'PENDING' },
      orderStatus: 'DELIVERED',
    });
    expect(complaint.description).toContain('卡密提示已被使用');
    // The product read the complaint with a signed request (the stand-in refuses others).
    expect(wechat.server.requests.some((r) => r.path === `/v3/merchant-service/complaints-v2/${id}`)).toBe(true);
    expect(wechat.badRequests).toEqual([]);

    // WeChat Pay retries the notice: the same bytes again add nothing.
    expect(wechat.acknowledged(await wechat.send(ctx.shop.http, created))).toBe(true);
    expect(await complaintsOn(order.orderId)).toHaveLength(1);

    // The agent's answer goes back to WeChat Pay, where the buyer complained.
    const ack = await ctx.shop.agent.post(`/v1/complaints/${complaint.complaintId}/actions`, { action: 'acknowledge', note: '您好，我们正在核实卡密，请稍候' });
    expect(ack.status).toBe(200);
    await eventually(async () => wechat.complaintResponses.some((r) => r.complaintId === id && r.text === '您好，我们正在核实卡密，请稍候'), 'the answer sent to WeChat Pay');

    // A WeChat Pay complaint does not hold the money: the agent refunds through the rail, once, and
    // the resolution goes back to WeChat Pay and completes the complaint there.
    const remedy = await ctx.shop.remedy(complaint.complaintId, 'resolve_refund');
    expect(remedy.status).toBe(200);
    await ctx.shop.waitFor(order.orderId, 'REFUNDED');
    expect(wechat.payouts(order.orderId)).toHaveLength(1);
    await eventually(async () => wechat.complaintsCompleted.includes(id), 'the complaint completed at WeChat Pay');
    expect(wechat.complaintResponses.filter((r) => r.complaintId === id)).toEqual([
      { complaintId: id, text: '您好，我们正在核实卡密，请稍候' },
      { complaintId: id, text: expect.stringMatching(/refunded/) },
    ]);
    expect(wechat.complaintsCompleted.filter((c) => c === id)).toHaveLength(1);
    expect(wechat.badRequests).toEqual([]);

    wechat.complain(order.orderId, { id, state: 'PROCESSED' });
    expect(wechat.acknowledged(await wechat.send(ctx.shop.http, wechat.complaintNotice(id, 'MERCHANT_CONFIRM_COMPLETE')))).toBe(true);
    await ctx.product.client.workflow.getHandle(disputeWorkflowId('wechatpay', id)).result();
    const [after] = await queued(order.orderId, (c) => c.dispute.outcome === 'completed', 'the completion recorded');
    expect(after).toMatchObject({ resolution: 'refunded', dispute: { outcome: 'completed', status: 'PROCESSED' } });
    expect(after.messages.at(-1).text).toMatch(/completed/);
    const view = await ctx.shop.view(order.orderId);
    expect(timelineTypes(view)).toEqual(expect.arrayContaining(['payment_disputed']));
    expect(wechat.payouts(order.orderId)).toHaveLength(1);
  });

  /** A WeChat Pay complaint opened on a fresh paid order, as the agents' queue shows it. */
  async function wechatComplaint(): Promise<{ order: PlacedOrder; id: string; complaintId: string }> {
    const order = await paidOrder();
    const id = wechat.complain(order.orderId, { problemType: 'SERVICE_NOT_WORK' });
    expect(wechat.acknowledged(await wechat.send(ctx.shop.http, wechat.complaintNotice(id, 'CREATE_COMPLAINT')))).toBe(true);
    const [complaint] = await queued(order.orderId, () => true, 'the WeChat Pay complaint in the queue');
    return { order, id, complaintId: complaint.complaintId };
  }

  async function act(complaintId: string, action: string, note: string): Promise<void> {
    expectStatus(await ctx.shop.agent.post(`/v1/complaints/${complaintId}/actions`, { action, note }), 200, action);
  }

  async function messages(complaintId: string): Promise<Array<{ from: string; text: string }>> {
    const seen = await ctx.shop.agent.get(`/v1/complaints/${complaintId}`);
    expectStatus(seen, 200, 'the complaint');
    return seen.body.messages;
  }

  /**
   * WeChat Pay closes its complaint (a closed complaint still records how its provider's ended), and
   * then the complaint's workflow ends: no reply holds it open.
   */
  async function ended(order: PlacedOrder, id: string, complaintId: string): Promise<void> {
    wechat.complain(order.orderId, { id, state: 'PROCESSED' });
    expect(wechat.acknowledged(await wechat.send(ctx.shop.http, wechat.complaintNotice(id, 'PLATFORM_SERVICE_FINISHED')))).toBe(true);
    await ctx.product.client.workflow.getHandle(disputeWorkflowId('wechatpay', id)).result();
    const handle = ctx.product.client.workflow.getHandle(complaintWorkflowId(complaintId));
    await eventually(async () => (await handle.describe()).status.name === 'COMPLETED', 'the complaint workflow completed', 20_000);
  }

  it('a reply WeChat Pay refuses (400) is not retried: the agents see why, and the complaint resolves and closes', async () => {
    const { order, id, complaintId } = await wechatComplaint();
    wechat.refusingReplies.add(id);

    await act(complaintId, 'acknowledge', '您好，我们正在核实');
    const refused = await eventually(async () => {
      const said = (await messages(complaintId)).filter((m) => m.from === 'system' && /WeChat Pay refused/.test(m.text));
      return said.length > 0 ? said : false;
    }, 'the refused reply told to the agents');
    expect(refused[0].text).toContain('您好，我们正在核实');
    expect(refused[0].text).toContain('400 INVALID_REQUEST');
    expect(refused[0].text).toMatch(/merchant console/);
    // Asked once: a refusal is final.
    const posts = () => wechat.server.requests.filter((r) => r.method === 'POST' && r.path.startsWith(`/v3/merchant-service/complaints-v2/${id}/`));
    expect(posts()).toHaveLength(1);

    // The agents carry on: the rejection resolves it (its reply and the completion refused too), the buyer closes it.
    await act(complaintId, 'reject', '卡密经核实有效，请按说明使用');
    await eventually(async () => (await messages(complaintId)).filter((m) => /WeChat Pay refused/.test(m.text)).length === 3, 'the rejection and the completion refused too');
    expectStatus(await order.buyer.post(`/v1/complaints/${complaintId}/confirm`, { satisfied: true }), 200, 'the buyer confirms');
    await ended(order, id, complaintId);
    const [closed] = await queued(order.orderId, (c) => c.status === 'CLOSED', 'the complaint closed');
    expect(closed).toMatchObject({ status: 'CLOSED', resolution: 'rejected' });
    expect(posts()).toHaveLength(3);
    expect(wechat.complaintResponses.filter((r) => r.complaintId === id)).toEqual([]);
  });

  it('a reply WeChat Pay took but answered too late is not sent again; the replies after it go on', async () => {
    const { order, id, complaintId } = await wechatComplaint();
    wechat.slowReplies = 1;

    await act(complaintId, 'acknowledge', '您好，卡密已在核实中');
    await act(complaintId, 'reject', '卡密有效，已发送使用说明');
    await eventually(async () => wechat.complaintsCompleted.includes(id), 'the complaint completed at WeChat Pay', 20_000);
    // The first reply's answer came after the product stopped waiting; its next attempt found it in
    // the complaint's negotiation history and posted nothing.
    expect(wechat.slowReplies).toBe(0);
    expect(wechat.complaintResponses.filter((r) => r.complaintId === id).map((r) => r.text)).toEqual(['您好，卡密已在核实中', '卡密有效，已发送使用说明']);
    expect(wechat.server.requests.some((r) => r.method === 'GET' && r.path === `/v3/merchant-service/complaints-v2/${id}/negotiation-historys`)).toBe(true);
    expect(wechat.complaintsCompleted.filter((c) => c === id)).toHaveLength(1);
    expect((await messages(complaintId)).filter((m) => /failed/.test(m.text))).toEqual([]);

    expectStatus(await order.buyer.post(`/v1/complaints/${complaintId}/confirm`, { satisfied: true }), 200, 'the buyer confirms');
    await ended(order, id, complaintId);
    expect(wechat.badRequests).toEqual([]);
  });

  it('forged and stale complaint notices are refused and open nothing; another merchant complaint opens nothing', async () => {
    const order = await paidOrder();
    const id = wechat.complain(order.orderId);
    const forged = await wechat.send(ctx.shop.http, wechat.complaintNotice(id, 'CREATE_COMPLAINT', { forged: true }));
    expect(forged.status).toBe(401);
    expect(forged.body).toMatchObject({ code: 'FAIL' });
    const stale = await wechat.send(ctx.shop.http, wechat.complaintNotice(id, 'CREATE_COMPLAINT', { agedSeconds: 600 }));
    expect(stale.status).toBe(401);
    const tampered = wechat.complaintNotice(id, 'CREATE_COMPLAINT');
    const changed = await wechat.send(ctx.shop.http, wechat.tamper(tampered));
    expect(changed.status).toBe(401);
    await expect(ctx.product.client.workflow.getHandle(disputeWorkflowId('wechatpay', id)).describe()).rejects.toThrow();

    const other = wechat.complain(order.orderId, { otherMerchant: true });
    expect(wechat.acknowledged(await wechat.send(ctx.shop.http, wechat.complaintNotice(other, 'CREATE_COMPLAINT')))).toBe(true);
    expect(await ctx.product.client.workflow.getHandle(disputeWorkflowId('wechatpay', other)).result()).toBeNull();
    expect(await complaintsOn(order.orderId)).toEqual([]);
    const view = await ctx.shop.view(order.orderId);
    expect(timelineTypes(view)).not.toContain('payment_disputed');
  });
});
