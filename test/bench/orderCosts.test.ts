import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OrderCosts } from '../../scripts/order-costs';
import { runScript } from '../support/processes';

/*
 * `npm run order-costs` on the test stack, small: the capacity model's per-order figures
 * (docs/capacity.md) can be measured again after the order workflow changes.
 */
describe('the order cost measurement', () => {
  it('runs orders to their end and reports what each cost Temporal and the store', async () => {
    const out = mkdtempSync(join(tmpdir(), 'kamiflow-order-costs-'));
    const run = await runScript('scripts/order-costs.ts', ['--orders', '2', '--window', '2', '--out', out], {
      TEMPORAL_ADDRESS: process.env.KAMIFLOW_TEST_TEMPORAL_ADDRESS as string,
      MONGODB_URI: process.env.KAMIFLOW_TEST_MONGODB_URI as string,
    });
    expect({ code: run.code, tail: run.code === 0 ? '' : run.output.slice(-3000) }).toEqual({ code: 0, tail: '' });
    const costs: OrderCosts = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8'));

    expect(costs).toMatchObject({ orders: 2, webhooks: true });
    const { order, children, total } = costs.temporal;
    // An order is started and paid (a signal); each of its storefront events runs a notification child.
    expect(order.byAction).toMatchObject({ 'workflow started': 1, signal: 1 });
    expect(costs.temporal.childRunsPerOrder).toBeGreaterThanOrEqual(2);
    expect(order.byAction['child workflow started']).toBe(2 * costs.temporal.childRunsPerOrder);
    for (const c of [order, children, total]) expect(c.actions).toBeCloseTo(Object.values(c.byAction).reduce((a, b) => a + b, 0), 0);
    expect(total.events).toBeCloseTo(order.events + children.events, 0);
    expect(total.bytes).toBeGreaterThan(order.bytes);
    // Its keys, its view, its payment: written and kept.
    expect(costs.store.writesPerOrder).toBeGreaterThan(3);
    expect(costs.store.commandsPerOrder).toBeGreaterThan(costs.store.writesPerOrder);
    for (const collection of ['order_views', 'keys', 'key_claims', 'payment_events']) expect({ collection, kept: (costs.store.bytesPerOrder[collection] ?? 0) > 0 }).toEqual({ collection, kept: true });
    expect(readFileSync(join(out, 'latest.md'), 'utf8')).toContain('| billable actions |');
  }, 300_000);
});
