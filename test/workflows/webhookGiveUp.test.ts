import { randomBytes } from 'node:crypto';
import { FakeServer } from '../support/fakeServer';
import { startTimeSkipping, type TimeSkipping } from '../support/harness';

/**
 * A storefront that never takes an event is not asked for ever, by a workflow per event that never
 * ends: past the webhook's give-up time (3 days) the event is kept in the outbox as `expired`.
 * Time-skipping server, real activities and store; the storefront is a real HTTP server that is down.
 */
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('a storefront webhook that is never taken (time-skipping server)', () => {
  let t: TimeSkipping;
  let storefront: FakeServer;

  beforeAll(async () => {
    storefront = await new FakeServer(() => ({ status: 503, body: { error: 'down for maintenance' } })).start();
    t = await startTimeSkipping({ STOREFRONT_WEBHOOK_URL: `${storefront.url}/hooks`, STOREFRONT_WEBHOOK_SECRET: 'storefront-secret-0123456789' });
  });
  afterAll(async () => {
    await t?.stop();
    await storefront?.stop();
  });

  it('is asked for three days, then kept as expired and asked no more; its workflow ends', async () => {
    const eventId = `evt-${randomBytes(6).toString('hex')}`;
    await t.store.outbox.create({ _id: eventId, type: 'order.created', orderId: `o${randomBytes(6).toString('hex')}`, status: 'AWAITING_PAYMENT', at: new Date(), delivery: 'pending', attempts: 0 });
    const handle = await t.client.workflow.start('storefrontNotificationWorkflow', { taskQueue: t.config.temporal.taskQueue, workflowId: `notify-${eventId}`, args: [eventId] });
    await handle.result();

    // Carried from its start to its end as the server's clock says (its history's event times); the
    // last attempt is the last one its backoff (10 min at most) fits before the bound.
    const events = (await handle.fetchHistory()).events ?? [];
    const at = (e: (typeof events)[number]) => Number(e.eventTime?.seconds ?? 0) * 1000;
    const carried = at(events[events.length - 1]) - at(events[0]);
    expect(carried).toBeGreaterThan(3 * DAY - 15 * MINUTE);
    expect(carried).toBeLessThan(3 * DAY + HOUR);
    const row = await t.store.outbox.findById(eventId).lean();
    expect(row).toMatchObject({ delivery: 'expired', expiredAfter: '3d' });
    expect(row?.attempts).toBeGreaterThan(100);
    const asked = storefront.requests.filter((r) => r.body?.eventId === eventId).length;
    expect(asked).toBe(row?.attempts);

    await t.env.sleep(DAY);
    expect(storefront.requests.filter((r) => r.body?.eventId === eventId)).toHaveLength(asked);
    expect((await handle.describe()).status.name).toBe('COMPLETED');
  });
});
