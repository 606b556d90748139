import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { decideRefund, paymentNotified, requestRefund } from '../../workflows/messages';
import { startTimeSkipping, type TimeSkipping } from '../support/harness';
import { keyCodes, paymentNotice, queryUntil, seedProduct, startOrder, type Backend } from '../support/orders';
import { replayHistories } from '../support/replay';

/**
 * A query answered while one of the order's store writes (a local activity) has just finished ends
 * the workflow task at once: the write's marker is in that task, and its result reaches the order in
 * the next one. A replay hands the result over within the first task. Ops query running orders from
 * the Temporal UI at any moment, so an order must replay alike wherever such a cut fell. A real one
 * (kept in test/replay/raced/, recorded while a test polled the order's view) failed on replay: a
 * version check (`patched`) first made after the write found its marker in the next task, not yet
 * read. This test records orders along the main paths, cuts each history after every local activity
 * that has commands after it in its task, as the server records such a race, and replays every cut.
 */
let t: TimeSkipping;
let b: Backend;
const recorded: { name: string; workflowId: string; history: History }[] = [];

interface HistoryEvent {
  eventId: string;
  eventType: string;
  [attributes: string]: unknown;
}
interface History {
  events: HistoryEvent[];
}

beforeAll(async () => {
  t = await startTimeSkipping({ PAYMENT_TIMEOUT: '15m', RESTOCK_WAIT: '30m' });
  b = { store: t.store, vault: t.vault, config: t.config, client: t.client };
  await seedProduct(b, 'cut-keys', { refundWindow: '24h', complaintWindow: '1h' }, keyCodes(4, 'CUT'));
  await seedProduct(b, 'cut-empty', {}, []);
});

afterAll(async () => {
  await t?.stop();
});

async function keep(name: string, handle: WorkflowHandle): Promise<void> {
  recorded.push({ name, workflowId: handle.workflowId, history: JSON.parse(historyToJSON(await handle.fetchHistory())) });
}

const COMMANDS = new Set([
  'EVENT_TYPE_MARKER_RECORDED',
  'EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES',
  'EVENT_TYPE_TIMER_STARTED',
  'EVENT_TYPE_TIMER_CANCELED',
  'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED',
  'EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED',
  'EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED',
  'EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED',
  'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED',
  'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED',
]);
const isLocalActivity = (e: HistoryEvent) =>
  e.eventType === 'EVENT_TYPE_MARKER_RECORDED' && (e.markerRecordedEventAttributes as { markerName?: string })?.markerName === 'core_local_activity';

/** Shift every reference to an event at or after `from` by `by` (ids are strings in the JSON form). */
function shiftIds(value: unknown, from: number, by: number): unknown {
  if (Array.isArray(value)) return value.map((v) => shiftIds(v, from, by));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, (k === 'eventId' || k.endsWith('EventId')) && typeof v === 'string' && Number(v) >= from ? String(Number(v) + by) : shiftIds(v, from, by)]),
  );
}

/**
 * The history as the server records it when a query is answered right after the local activity at
 * `index` finished: the task completes there, and one more task (scheduled, started, completed at
 * once) carries the commands that followed.
 */
function cutAfter(history: History, index: number): History {
  const events = history.events;
  const at = Number(events[index].eventId) + 1;
  const shifted = events.map((e) => shiftIds(e, at, 3) as HistoryEvent);
  const time = events[index].eventTime as string;
  const completed = String(at + 2);
  const inserted: HistoryEvent[] = [
    { eventId: String(at), eventTime: time, eventType: 'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED', workflowTaskScheduledEventAttributes: { taskQueue: { name: 'cut', kind: 'TASK_QUEUE_KIND_NORMAL' }, startToCloseTimeout: '10s', attempt: 1 } },
    { eventId: String(at + 1), eventTime: time, eventType: 'EVENT_TYPE_WORKFLOW_TASK_STARTED', workflowTaskStartedEventAttributes: { scheduledEventId: String(at), identity: 'cut', requestId: `cut-${at}` } },
    { eventId: completed, eventTime: time, eventType: 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED', workflowTaskCompletedEventAttributes: { scheduledEventId: String(at), startedEventId: String(at + 1), identity: 'cut' } },
  ];
  // The commands after the cut were made by the new task.
  let i = index + 1;
  while (i < shifted.length && COMMANDS.has(shifted[i].eventType)) {
    const key = Object.keys(shifted[i]).find((k) => k.endsWith('Attributes')) as string;
    const attributes = shifted[i][key] as Record<string, unknown>;
    if ('workflowTaskCompletedEventId' in attributes) attributes.workflowTaskCompletedEventId = completed;
    i += 1;
  }
  return { events: [...shifted.slice(0, index + 1), ...inserted, ...shifted.slice(index + 1)] };
}

/** Every place in a history where such a query could have cut a task. */
function cutPoints(history: History): number[] {
  return history.events.flatMap((e, i) => (isLocalActivity(e) && COMMANDS.has(history.events[i + 1]?.eventType ?? '') ? [i] : []));
}

function replayAll(files: { name: string; workflowId: string; history: History }[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'kamiflow-cuts-'));
  for (const f of files) writeFileSync(join(dir, `${f.name}.json`), JSON.stringify({ workflowId: f.workflowId, history: f.history }));
  return replayHistories(dir);
}

describe('an order replays wherever a query cut one of its tasks', () => {
  it('records orders delivered, refunded on request, and cancelled in Temporal while waiting for stock', async () => {
    {
      const { input, handle } = await startOrder(b, 'cut-keys', await t.env.currentTimeMs());
      await handle.signal(paymentNotified, paymentNotice(input));
      await handle.result();
      await keep('delivered-completed', handle);
    }
    {
      const { input, handle } = await startOrder(b, 'cut-keys', await t.env.currentTimeMs());
      await handle.signal(paymentNotified, paymentNotice(input));
      await queryUntil(handle, (v) => v.status === 'DELIVERED', 'delivery');
      await handle.executeUpdate(requestRefund, { args: [{ actor: 'buyer', reason: 'bought the wrong region' }] });
      await handle.executeUpdate(decideRefund, { args: [{ actor: 'agent-li', approve: true }] });
      await handle.result();
      await keep('refunded-on-request', handle);
    }
    {
      const { input, handle } = await startOrder(b, 'cut-empty', await t.env.currentTimeMs());
      await handle.signal(paymentNotified, paymentNotice(input));
      await queryUntil(handle, (v) => v.status === 'OUT_OF_STOCK', 'the stock-out');
      await handle.cancel();
      expect((await handle.result()).status).toBe('REFUNDED');
      await keep('cancelled-in-temporal-refunded', handle);
    }
    expect(recorded).toHaveLength(3);
  });

  it('replays each recording as recorded, and cut after every local activity', () => {
    const cuts = recorded.flatMap((r) => cutPoints(r.history).map((i) => ({ name: `${r.name}.cut-after-${r.history.events[i].eventId}`, workflowId: r.workflowId, history: cutAfter(r.history, i) })));
    // Every path has places to cut (its store writes come in runs of local activities).
    for (const r of recorded) expect(cuts.filter((c) => c.name.startsWith(`${r.name}.`)).length).toBeGreaterThan(0);
    const results = replayAll([...recorded, ...cuts]);
    expect(results.filter((l) => l.startsWith('FAILED'))).toEqual([]);
    expect(results).toHaveLength(recorded.length + cuts.length);
  });
});
