import { defaultPayloadConverter } from '@temporalio/common';
import { inventoryActivities } from '../../activities/inventory';
import { offerStockToWaitingOrders, type RestockDeps } from '../../activities/restock';
import { createLogger } from '../../config/logger';
import { orderWorkflowId } from '../../domain/order';
import { NO_PASS, type RestockPass } from '../../domain/restock';
import { eventually } from '../support/http';
import { expectKeysConserved } from '../support/invariants';
import { keyCodes, productWithShop, settledIntoStockWait } from '../support/orders';

/*
 * A product's restock owner (workflows/restock.ts): the import hands it the new stock and answers,
 * and the owner offers it to the orders waiting, oldest payment first, stopping once none is left;
 * an order the read model still lists but that no longer waits is counted, never a failure.
 */
describe("a product's restock owner", () => {
  const ctx = productWithShop(() => ({ RESTOCK_WAIT: '10m' }));

  function restockDeps(): RestockDeps {
    const { product } = ctx;
    const inventory = inventoryActivities({ store: product.store, vault: product.vault, config: product.config, logger: createLogger('silent') });
    return { store: product.store, client: () => product.client, countAvailableKeys: inventory.countAvailableKeys };
  }

  /** The passes the sku's restock workflow has completed, from its history. */
  async function passesOf(sku: string): Promise<RestockPass[]> {
    const history = await ctx.product.client.workflow.getHandle(`restock-${sku}`).fetchHistory();
    return (history.events ?? [])
      .map((e) => e.activityTaskCompletedEventAttributes?.result?.payloads?.[0])
      .filter((p) => p !== undefined && p !== null)
      .map((p) => defaultPayloadConverter.fromPayload<RestockPass>(p as never));
  }

  it('offers an import to the waiting orders in turn and stops when the stock runs out', async () => {
    const { shop, product } = ctx;
    const sku = 'owner-card';
    await shop.product(sku);
    const [first, second, third] = [await shop.order(sku), await shop.order(sku), await shop.order(sku)];
    await shop.payIntoStockOut([first, second, third]);
    await settledIntoStockWait(product, [first, second, third].map((o) => o.orderId));

    expect(await shop.importKeys(sku, keyCodes(1, 'OWN1'))).toMatchObject({ imported: 1, waitingOrders: 3, restockOffer: 'handed_over', restockWorkflowId: `restock-${sku}` });
    await shop.waitFor(first.orderId, 'DELIVERED');
    const [pass] = await eventually(async () => ((await passesOf(sku)).length === 1 ? passesOf(sku) : false), 'the first pass');
    // The first took the key; the second was not offered an empty shelf.
    expect(pass).toEqual({ ...NO_PASS, waiting: 3, offered: 1, resumed: 1, stockRanOut: true });

    // The next import goes to the same owner, still running: one workflow per product.
    expect(await shop.importKeys(sku, keyCodes(2, 'OWN2'))).toMatchObject({ imported: 2, waitingOrders: 2, restockOffer: 'handed_over' });
    await shop.waitFor(second.orderId, 'DELIVERED');
    await shop.waitFor(third.orderId, 'DELIVERED');
    const passes = await eventually(async () => ((await passesOf(sku)).length === 2 ? passesOf(sku) : false), 'the second pass');
    expect(passes[1]).toEqual({ ...NO_PASS, waiting: 2, offered: 2, resumed: 2 });
    const runs = await product.client.workflow.list({ query: `WorkflowId = 'restock-${sku}'` });
    let count = 0;
    for await (const run of runs) {
      expect(run.status.name).toBe('RUNNING');
      count += 1;
    }
    expect(count).toBe(1);
    expect(await expectKeysConserved(product.store, product.vault, sku)).toEqual({ available: 0, reserved: 0, delivered: 3, revoked: 0, invalid: 0 });
  });

  it('counts an order the read model still lists but that no longer waits, and takes nothing for it', async () => {
    const { shop, product } = ctx;
    const sku = 'stale-card';
    await shop.product(sku);
    // One running but not waiting for stock (unpaid: its validator refuses the offer), one closed.
    const [unpaid, closed] = [await shop.order(sku), await shop.order(sku)];
    // The workflow's own first row (seq 1 on), not the API's (seq 0): a later first step would overwrite the lag staged below.
    for (const o of [unpaid, closed]) await eventually(async () => ((await product.store.orderViews.findById(o.orderId).lean())?.seq ?? 0) >= 1, "the order's workflow in the read model");
    await product.client.workflow.getHandle(orderWorkflowId(closed.orderId)).terminate('gone before the offer');
    // The read model lagging its workflows: both rows still say they wait.
    await product.store.orderViews.updateMany({ _id: { $in: [unpaid.orderId, closed.orderId] } }, { $set: { status: 'OUT_OF_STOCK', paidAt: new Date() } });
    await shop.importKeys(sku, keyCodes(1, 'SPARE'));

    const pass = await offerStockToWaitingOrders(restockDeps(), sku);

    expect(pass).toEqual({ ...NO_PASS, waiting: 2, offered: 2, noLongerWaiting: 2 });
    expect(await shop.stock(sku)).toMatchObject({ available: 1, reserved: 0, delivered: 0 });
    expect((await ctx.product.client.workflow.getHandle(orderWorkflowId(unpaid.orderId)).describe()).status.name).toBe('RUNNING');
  });
});
