import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { monthDays } from '../../db/report/ledger';
import { combine, emptyTally } from '../../db/report/tally';
import { keepReportFoldSchedule, reportFoldScheduleId } from '../../worker/schedules';
import { foldReportNow } from '../../workflows/messages';
import type { FoldWatch } from '../../workflows/reportFold';
import { eventually } from '../support/http';
import { keyCodes, productWithShop } from '../support/orders';

/**
 * The report fold's schedule against the real dev server and worker: one fold workflow keeps watch
 * (carrying on in new runs of the same id), the schedule starts nothing more while it runs, an
 * idle pass runs no fold activity, and facts recorded at any time are folded.
 */
describe("the report fold's schedule", () => {
  const ctx = productWithShop(() => ({ REPORT_FOLD_EVERY: '1s' }));

  async function executions(query: string): Promise<WorkflowExecutionInfo[]> {
    const found: WorkflowExecutionInfo[] = [];
    for await (const info of ctx.product.client.workflow.list({ query })) found.push(info);
    return found;
  }

  it('starts one fold that keeps watch when idle, across its runs, and folds the facts recorded later', async () => {
    const { product, shop } = ctx;
    const { client, config } = product;
    const schedule = client.schedule.getHandle(reportFoldScheduleId(config));
    // Three passes a run, so the run carries on as new (continue-as-new) a few times in this test.
    await keepReportFoldSchedule(client, config, product.logger, { passesPerRun: 3 });
    try {
      // Idle for ten intervals: the old schedule started a workflow every interval.
      await sleep(10_000);
      const described = await schedule.describe();
      expect(described.info.recentActions).toHaveLength(1);
      expect(described.info.runningActions).toHaveLength(1);
      const { workflowId } = described.info.runningActions[0].workflow;

      const runs = await eventually(async () => {
        const found = await executions(`WorkflowType = 'reportFoldWorkflow' AND TaskQueue = '${config.temporal.taskQueue}'`);
        return found.some((r) => r.status.name === 'CONTINUED_AS_NEW') ? found : false;
      }, 'a run carried on as new');
      // Every run is the one workflow id; exactly one is running.
      expect([...new Set(runs.map((r) => r.workflowId))]).toEqual([workflowId]);
      expect(runs.filter((r) => r.status.name === 'RUNNING')).toHaveLength(1);

      // Idle passes asked the store (a local activity) and scheduled no fold activity.
      const history = await client.workflow.getHandle(workflowId, runs.find((r) => r.status.name === 'CONTINUED_AS_NEW')!.runId).fetchHistory();
      const events = history.events ?? [];
      expect(events.filter((e) => e.activityTaskScheduledEventAttributes)).toHaveLength(0);
      expect(events.filter((e) => e.markerRecordedEventAttributes).length).toBeGreaterThanOrEqual(3);
      expect(events.length).toBeLessThan(40);

      // Facts recorded now (an order delivered) are folded within an interval or two.
      await shop.product('fold-sku', {}, keyCodes(1, 'FOLD'));
      const order = await shop.order('fold-sku');
      await shop.pay(order);
      await shop.waitFor(order.orderId, 'DELIVERED');
      await eventually(async () => {
        if ((await product.store.reportInbox.countDocuments()) > 0) return false;
        const folded = emptyTally();
        for (const hours of (await monthDays(product.store, new Date().toISOString().slice(0, 7))).values()) for (const tally of Object.values(hours)) combine(folded, tally);
        return folded.skus['fold-sku']?.orders === 1;
      }, 'the order folded into the ledger');
      expect((await schedule.describe()).info.recentActions).toHaveLength(1);
    } finally {
      const running = (await schedule.describe()).info.runningActions;
      await schedule.delete();
      for (const action of running) await client.workflow.getHandle(action.workflow.workflowId).terminate('test over');
    }
  });

  it('folds at once when asked (the backfill asks), however long its interval', async () => {
    const { product, shop } = ctx;
    const { client, config } = product;
    const handle = await client.workflow.start('reportFoldWorkflow', {
      taskQueue: config.temporal.taskQueue,
      workflowId: `report-fold-asked-${Date.now()}`,
      args: [{ everyMs: 3_600_000 } satisfies FoldWatch],
    });
    try {
      // Its first pass has run and it now waits out its hour.
      await eventually(async () => ((await handle.fetchHistory()).events ?? []).some((e) => e.timerStartedEventAttributes), 'the fold waiting');
      await shop.product('asked-sku', {}, keyCodes(1, 'ASKED'));
      const order = await shop.order('asked-sku');
      await shop.pay(order);
      await shop.waitFor(order.orderId, 'DELIVERED');
      await eventually(async () => (await product.store.reportInbox.countDocuments()) > 0, 'facts recorded');
      await sleep(1_000);
      expect(await product.store.reportInbox.countDocuments()).toBeGreaterThan(0);
      await handle.signal(foldReportNow);
      await eventually(async () => (await product.store.reportInbox.countDocuments()) === 0, 'the facts folded when asked', 10_000);
    } finally {
      await handle.terminate('test over');
    }
  });
});
