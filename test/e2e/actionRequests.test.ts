import { randomUUID } from 'node:crypto';
import type { ApiClient } from '../support/http';
import { keyCodes, productWithShop, type PlacedOrder } from '../support/orders';

/*
 * Human actions are deduplicated by their Idempotency-Key and by nothing else. Without a key every
 * request is judged against the state at that moment, however like an earlier one it looks; with a
 * key, the same body answers the first outcome again and another body is 409 idempotency_key_reused.
 * Keyed requests leave a row in `action_requests` (the store, shared by every API process).
 */
describe('human actions: deduplicated by Idempotency-Key only', () => {
  const ctx = productWithShop();
  const sku = 'acts-card';
  const rows = () => ctx.product.store.actionRequests.countDocuments();

  beforeAll(async () => {
    await ctx.shop.product(sku, {}, keyCodes(12, 'ACTS'));
  });

  async function delivered(): Promise<PlacedOrder> {
    const order = await ctx.shop.order(sku);
    await ctx.shop.pay(order);
    await ctx.shop.waitFor(order.orderId, 'DELIVERED');
    return order;
  }

  async function complaintOn(order: PlacedOrder): Promise<string> {
    const filed = await order.buyer.post(`/v1/orders/${order.orderId}/complaints`, { category: 'service', description: 'The code page does not load.' });
    expect(filed.status).toBe(201);
    return filed.body.complaintId;
  }

  const keyed = (client: ApiClient, key: string) => client.with({ 'idempotency-key': key });

  describe('without a key, each request is judged afresh', () => {
    it('a buyer unsatisfied with two successive resolutions is heard both times', async () => {
      const { shop } = ctx;
      const order = await delivered();
      const complaintId = await complaintOn(order);
      const unsatisfied = () => order.buyer.post(`/v1/complaints/${complaintId}/confirm`, { satisfied: false });

      expect((await shop.agent.post(`/v1/complaints/${complaintId}/actions`, { action: 'reject', note: 'The page works for us.' })).status).toBe(200);
      const first = await unsatisfied();
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ status: 'ACKNOWLEDGED', reopenCount: 1 });

      expect((await shop.agent.post(`/v1/complaints/${complaintId}/actions`, { action: 'reject', note: 'Still works: try another browser.' })).status).toBe(200);
      const second = await unsatisfied();
      expect(second.status).toBe(200);
      expect(second.body).toMatchObject({ status: 'ACKNOWLEDGED', reopenCount: 2 });
      expect((await order.buyer.get(`/v1/complaints/${complaintId}`)).body).toMatchObject({ status: 'ACKNOWLEDGED', reopenCount: 2 });
    });

    it('an action repeated on a complaint that has closed since is a 409', async () => {
      const { shop } = ctx;
      const order = await delivered();
      const complaintId = await complaintOn(order);
      const acknowledge = () => shop.agent.post(`/v1/complaints/${complaintId}/actions`, { action: 'acknowledge' });

      expect((await acknowledge()).status).toBe(200);
      expect((await shop.agent.post(`/v1/complaints/${complaintId}/actions`, { action: 'reject', note: 'Works as sold.' })).status).toBe(200);
      expect((await order.buyer.post(`/v1/complaints/${complaintId}/confirm`, { satisfied: true })).status).toBe(200);

      const late = await acknowledge();
      expect(late.status).toBe(409);
      expect(late.body.error).toMatchObject({ code: 'conflict', message: expect.stringContaining('CLOSED') });
    });

    it('a second complaint on the same order, in the same words, is a 409 naming the open one', async () => {
      const order = await delivered();
      const complaintId = await complaintOn(order);
      const again = await order.buyer.post(`/v1/orders/${order.orderId}/complaints`, { category: 'service', description: 'The code page does not load.' });
      expect(again.status).toBe(409);
      expect(again.body.error.message).toContain(complaintId);
      expect((await ctx.shop.view(order.orderId)).complaints).toEqual([complaintId]);
    });

    it('writes no row', async () => {
      const order = await delivered();
      const before = await rows();
      expect((await order.buyer.post(`/v1/orders/${order.orderId}/refund-request`, { reason: 'Wrong region.' })).status).toBe(202);
      expect((await ctx.shop.agent.post(`/v1/orders/${order.orderId}/refund-decision`, { approve: false, note: 'Redeemed already.' })).status).toBe(200);
      expect(await rows()).toBe(before);
    });
  });

  describe('with a key', () => {
    it('the same key and body answer the first outcome again, racing or later, and act once', async () => {
      const { shop } = ctx;
      const order = await delivered();
      const buyer = keyed(order.buyer, randomUUID());
      const request = () => buyer.post(`/v1/orders/${order.orderId}/refund-request`, { reason: 'Bought the wrong region.' });
      const [first, racing] = await Promise.all([request(), request()]);
      expect([first.status, racing.status]).toEqual([202, 202]);
      expect(racing.body).toEqual(first.body);
      // The request is decided meanwhile; the retry still answers what the first request did.
      expect((await shop.agent.post(`/v1/orders/${order.orderId}/refund-decision`, { approve: false, note: 'Redeemed already.' })).status).toBe(200);
      const later = await request();
      expect(later).toEqual(first);
      const view = await shop.view(order.orderId);
      expect(view.status).toBe('DELIVERED');
      expect(view.timeline.filter((e) => e.type === 'status:REFUND_REQUESTED')).toHaveLength(1);
    });

    it('a refusal is the first outcome too; a new key is a new action', async () => {
      const { shop } = ctx;
      const order = await delivered();
      const decide = (key: string) => keyed(shop.agent, key).post(`/v1/orders/${order.orderId}/refund-decision`, { approve: true });
      const key = randomUUID();
      const refused = await decide(key);
      expect(refused.status).toBe(409);
      expect(refused.body.error.message).toMatch(/no refund request is pending/);

      expect((await order.buyer.post(`/v1/orders/${order.orderId}/refund-request`, { reason: 'Not what I ordered.' })).status).toBe(202);
      expect(await decide(key)).toEqual(refused);
      expect((await shop.view(order.orderId)).status).toBe('REFUND_REQUESTED');
      const fresh = await decide(randomUUID());
      expect(fresh.status).toBe(200);
      expect(fresh.body.status).toBe('REFUNDING');
    });

    it('the same key with another body is 409 idempotency_key_reused, and changes nothing', async () => {
      const { shop } = ctx;
      const order = await delivered();
      const complaintId = await complaintOn(order);
      const agent = keyed(shop.agent, randomUUID());
      const acknowledged = await agent.post(`/v1/complaints/${complaintId}/actions`, { action: 'acknowledge', note: 'Looking into it.' });
      expect(acknowledged.status).toBe(200);

      const reused = await agent.post(`/v1/complaints/${complaintId}/actions`, { action: 'reject', note: 'Works as sold.' });
      expect(reused.status).toBe(409);
      expect(reused.body.error).toEqual({
        code: 'idempotency_key_reused',
        message: expect.stringContaining('another body'),
        details: [{ path: 'Idempotency-Key', reason: 'was used with another body' }],
      });
      const view = (await shop.agent.get(`/v1/complaints/${complaintId}`)).body;
      expect(view.status).toBe('ACKNOWLEDGED');
      expect(view.messages.map((m: { text: string }) => m.text)).toEqual(['The code page does not load.', 'Looking into it.']);
    });

    it('a key belongs to its caller and route: the same key elsewhere is a key of its own', async () => {
      const { shop } = ctx;
      const order = await delivered();
      const key = randomUUID();
      const before = await rows();
      expect((await keyed(order.buyer, key).post(`/v1/orders/${order.orderId}/refund-request`, { reason: 'Changed my mind.' })).status).toBe(202);
      const decided = await keyed(shop.agent, key).post(`/v1/orders/${order.orderId}/refund-decision`, { approve: false, note: 'Outside policy.' });
      expect(decided.status).toBe(200);
      expect(decided.body.status).toBe('DELIVERED');
      expect(await rows()).toBe(before + 2);
    });
  });
});
