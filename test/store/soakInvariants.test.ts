import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { everyHistoryReplays, keysConserved, moneyConserved, noCodeLeaked, stuckReason } from '../../bench/soak/invariants';
import { REPO_ROOT } from '../../scripts/tools';
import { importKeys } from '../../db/inventory';
import { openStore, type Store } from '../../db/store';
import { Vault } from '../../db/vault';
import { testConfig } from '../support/harness';
import { keyCodes } from '../support/orders';

/*
 * The soak's checks against the real store, on states made by hand: each passes on a consistent
 * state and names what is wrong on a broken one, so a green soak means the invariants held.
 */

let store: Store;
let vault: Vault;

beforeAll(async () => {
  const config = testConfig();
  store = await openStore(config.mongodbUri);
  vault = new Vault(config.keyEncryptionKey);
});

afterAll(async () => {
  await store?.connection.dropDatabase().catch(() => undefined);
  await store?.close();
});

const now = new Date();
const claim = (keyId: string, sku: string, orderId: string, state: string) =>
  store.claims.collection.insertOne({ _id: keyId as never, sku, orderId, slot: 0, attempt: 1, state, claimedAt: now, updatedAt: now });

async function keysOf(sku: string): Promise<string[]> {
  return (await store.keys.find({ sku }, { _id: 1 }).sort({ _id: 1 }).lean()).map((k) => k._id);
}

describe('keys conserved', () => {
  it('holds for claims of imported keys, and names a claim of a key never imported', async () => {
    const sku = `inv-${randomBytes(3).toString('hex')}`;
    await importKeys(store, vault, sku, keyCodes(3, 'INV'), undefined);
    const [first, second] = await keysOf(sku);
    await claim(first, sku, 'order-1', 'delivered');
    await claim(second, sku, 'order-2', 'invalid');
    expect((await keysConserved(store, vault, [sku])).violations).toEqual([]);

    await claim(`ghost-${randomBytes(3).toString('hex')}`, sku, 'order-3', 'delivered');
    const broken = await keysConserved(store, vault, [sku]);
    expect(broken.violations).toEqual(expect.arrayContaining([expect.stringContaining('claims of keys never imported')]));
  });
});

describe('money conserved', () => {
  const ONE = { amount: 1, currency: 'CNY' };
  async function paidOrder(delivered: boolean): Promise<{ orderId: string; paymentId: string }> {
    const orderId = `o-${randomBytes(4).toString('hex')}`;
    const paymentId = `pay-${orderId}`;
    await store.paymentEvents.collection.insertOne({ _id: `evt-${orderId}` as never, eventId: `evt-${orderId}`, orderId, paymentId, status: 'succeeded', amount: { amount: 1, currency: 'CNY' }, receivedAt: now });
    await store.orderViews.collection.insertOne({ _id: orderId as never, seq: 1, sku: 'm', status: delivered ? 'DELIVERED' : 'REFUNDED', statusSince: now, createdAt: now, view: { paymentId, quantity: 1 } });
    if (delivered) await claim(`key-${orderId}`, 'm', orderId, 'delivered');
    return { orderId, paymentId };
  }

  it('holds when each payment is kept or refunded once, and names one kept and refunded, refunded twice, or neither', async () => {
    const kept = await paidOrder(true);
    const refunded = await paidOrder(false);
    const payouts = [{ refundId: 'r1', ...refunded, amount: ONE }];
    expect((await moneyConserved(store, payouts)).violations).toEqual([]);

    const twice = await moneyConserved(store, [...payouts, { refundId: 'r2', ...refunded, amount: ONE }]);
    expect(twice.violations).toEqual([expect.stringContaining(`payment ${refunded.orderId}/${refunded.paymentId} (order REFUNDED): no keys kept and 2 refunds`)]);
    const both = await moneyConserved(store, [...payouts, { refundId: 'r3', ...kept, amount: ONE }]);
    expect(both.violations).toEqual([expect.stringContaining(`payment ${kept.orderId}/${kept.paymentId} (order DELIVERED): keys delivered and 1 refunds`)]);
    const neither = await moneyConserved(store, []);
    expect(neither.violations).toEqual([expect.stringContaining('no keys kept and 0 refunds')]);
    const stray = await moneyConserved(store, [...payouts, { refundId: 'r4', orderId: 'nobody', paymentId: 'none', amount: ONE }]);
    expect(stray.violations).toEqual([expect.stringContaining('refund of nobody/none, a payment that never succeeded')]);

    // A refund pays back what was paid (after a coupon: the discounted amount), no more.
    const more = await moneyConserved(store, [{ refundId: 'r5', ...refunded, amount: { amount: 2, currency: 'CNY' } }]);
    expect(more.violations).toEqual([`refund r5 of payment ${refunded.orderId}/${refunded.paymentId} paid back 2 CNY, not the 1 CNY paid`]);
    // A payment taken with its notice lost counts like any other: kept or refunded once.
    const lost = { orderId: 'o-lost', paymentId: 'pay-lost', amount: ONE };
    expect((await moneyConserved(store, payouts, [lost])).violations).toEqual(['payment o-lost/pay-lost (order unknown): no keys kept and 0 refunds']);
    expect((await moneyConserved(store, [...payouts, { refundId: 'r6', ...lost }], [lost])).violations).toEqual([]);
  });
});

describe('no code leaked', () => {
  it('names where a code shows, never the code itself', () => {
    const check = noCodeLeaked(/SOAK-MAIN-[A-Z0-9]+-[0-9A-F]{8}-\d+/g, [
      { where: 'the api log', text: 'delivered ****0017 to order o-1' },
      { where: 'the worker log', text: 'oops SOAK-MAIN-MAIN-1A2B3C4D-17 in a log line' },
    ]);
    expect(check.violations).toEqual(['1 key codes in the worker log (first: …D-17)']);
    expect(check.violations.join()).not.toContain('SOAK-MAIN');
  });
});

describe('why a stuck order does not move', () => {
  const task = (n: number, outcome: 'completed' | 'failed', message = '') =>
    outcome === 'completed' ? { eventId: n, workflowTaskCompletedEventAttributes: {} } : { eventId: n, workflowTaskFailedEventAttributes: { failure: { message } } };

  it('names a workflow task that fails since its last success, with the failure', () => {
    const nondeterminism = '[TMPRL1100] Nondeterminism error: Non-deprecated patch marker encountered for change periodic-restock-look';
    const events = [task(1, 'completed'), task(2, 'failed', 'an earlier failure, since recovered'), task(3, 'completed'), task(4, 'failed', nondeterminism), task(5, 'failed', nondeterminism)];
    expect(stuckReason(events as never, [])).toBe(`its workflow task fails (${nondeterminism})`);
  });

  it('names the activities it waits on, with their attempts and last failure; else that it waits on nothing visible', () => {
    const events = [task(1, 'completed'), task(2, 'failed', 'recovered'), task(3, 'completed')];
    const pending = [{ activityType: { name: 'checkKey' }, attempt: 7, lastFailure: { message: 'supplier answered 500' } }];
    expect(stuckReason(events as never, pending)).toBe('it waits on checkKey (attempt 7, last: supplier answered 500)');
    expect(stuckReason(events as never, [])).toBe('no task failing and no activity pending: it waits for a timer, a signal or an update');
  });
});

describe('every workflow replays', () => {
  beforeAll(() => {
    try {
      Runtime.install({ logger: new DefaultLogger('ERROR') });
    } catch {
      // installed by an earlier file in this jest worker
    }
  });

  it('passes histories that replay and names one that does not, with the nondeterminism', async () => {
    const recording = (file: string) => {
      const json = JSON.parse(readFileSync(join(REPO_ROOT, 'test', 'replay', file), 'utf8'));
      return { workflowId: file, history: historyFromJSON(json.history ?? json) };
    };
    const good = recording('histories/order-completed.local-check.json');
    const superseded = recording('superseded/order-refunded-out-of-stock.unreleased-796d907.json');
    const kept = mkdtempSync(join(tmpdir(), 'unreplayable-'));
    const check = await everyHistoryReplays(process.env.KAMIFLOW_TEST_WORKFLOW_BUNDLE as string, [good, superseded], kept);
    expect(check.violations).toEqual([expect.stringMatching(/^superseded\/order-refunded-out-of-stock\.unreleased-796d907\.json fails on replay: \[TMPRL1100\] Nondeterminism error: .*countAvailableKeys.* \(its history: .*\.json\)$/)]);
    // The history that failed is kept where the report says, whole, to look at after the servers are gone.
    const file = /\(its history: (.*)\)$/.exec(check.violations[0])![1];
    expect(readdirSync(kept)).toEqual([basename(file)]);
    const again = JSON.parse(readFileSync(file, 'utf8'));
    expect(again.workflowId).toBe(superseded.workflowId);
    expect((await everyHistoryReplays(process.env.KAMIFLOW_TEST_WORKFLOW_BUNDLE as string, [{ workflowId: 'kept', history: historyFromJSON(again.history) }])).violations).toEqual([expect.stringMatching(/^kept fails on replay: .*countAvailableKeys/)]);
    expect((await everyHistoryReplays(process.env.KAMIFLOW_TEST_WORKFLOW_BUNDLE as string, [good])).violations).toEqual([]);
  });
});
