import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScript } from '../support/processes';
import type { SoakReport } from '../../bench/soak/run';
import { SCENARIOS } from '../../bench/soak/traffic';

/*
 * `npm run soak -- --short --apis 2 --workers 2` on the test stack: a deployment of two APIs and two
 * workers under mixed load while workers are killed, an extra worker comes and goes, one API is
 * restarted and the other killed (the clients retry on the one that is up), the supplier and
 * the provider fail and hang, and the provider's notices stop (the product opens an incident by
 * itself, which makes good the payments it lost); then every invariant must hold: nothing lost,
 * nothing doubled. The long soak is the same run, longer.
 */

describe('the soak, CI-sized, of two APIs and two workers', () => {
  const out = mkdtempSync(join(tmpdir(), 'kamiflow-soak-smoke-'));
  let run: { code: number | null; output: string };
  let report: SoakReport;

  beforeAll(async () => {
    run = await runScript('scripts/soak.ts', ['--short', '--apis', '2', '--workers', '2', '--out', out], {
      TEMPORAL_ADDRESS: process.env.KAMIFLOW_TEST_TEMPORAL_ADDRESS as string,
      MONGODB_URI: process.env.KAMIFLOW_TEST_MONGODB_URI as string,
    });
    report = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8'));
  }, 600_000);

  it('holds every invariant and exits 0', () => {
    expect({ code: run.code, failed: report.invariants.filter((c) => c.violations.length > 0) }).toEqual({ code: 0, failed: [] });
    expect(report.invariants.map((c) => c.name)).toEqual([
      'keys conserved, none delivered twice',
      'money conserved: each paid order delivered or refunded, exactly once',
      'no order stuck in a working status',
      'no key code in logs, webhooks or histories',
      'every workflow replays on a new worker',
      'nothing lost: every order created and every payment notice acknowledged is on record',
      'the product opened an incident for the lost notices, and its reconciliation made them good',
    ]);
    expect(report.ok).toBe(true);
  });

  it('ran every scenario and injected every fault while orders were in flight', () => {
    expect(Object.keys(report.orders.byScenario).sort()).toEqual(Object.keys(SCENARIOS).sort());
    expect(report.faults['worker killed (SIGKILL) and restarted']).toBeGreaterThanOrEqual(1);
    for (const fault of ['extra worker started and stopped', 'API restarted under load', 'API killed (SIGKILL) and restarted', 'supplier failing (500) stretches', 'supplier hanging stretches', 'payment provider down (503) stretches', 'payment notices stopped (the provider answers when asked)', 'payment notices lost while the provider lags (made good by an incident)', 'scarce product restocked']) {
      expect({ fault, times: report.faults[fault] }).toEqual({ fault, times: expect.any(Number) });
      expect(report.faults[fault]).toBeGreaterThanOrEqual(1);
    }
    // Paid orders ended both ways: keys kept and money returned.
    expect(report.orders.byStatus.REFUNDED).toBeGreaterThanOrEqual(1);
    expect((report.orders.byStatus.DELIVERED ?? 0) + (report.orders.byStatus.COMPLETED ?? 0)).toBeGreaterThanOrEqual(1);
  });

  it('spread the requests over both APIs and sent those one could not answer to the other', () => {
    expect(Object.keys(report.requestsByApi)).toEqual(['api', 'api-2']);
    const all = Object.values(report.requestsByApi).reduce((a, b) => a + b, 0);
    for (const [api, n] of Object.entries(report.requestsByApi)) expect({ api, share: n / all >= 0.2 }).toEqual({ api, share: true });
    const elsewhere = Object.entries(report.retries.clientRequests).filter(([why]) => why.endsWith('retried on another API'));
    expect(elsewhere.length).toBeGreaterThan(0);
  });

  it('reports the memory of every worker and API, and prints the report', () => {
    for (const name of ['worker', 'worker-2', 'api', 'api-2']) expect(report.memoryMb[name].max).toBeGreaterThan(0);
    // Each worker was killed at least once, each API went down once: a second life each.
    for (const name of ['worker', 'worker-2', 'api', 'api-2']) expect({ name, lives: report.memoryMb[name].lives }).toEqual({ name, lives: 2 });
    expect(run.output).toContain('every invariant holds');
    expect(readFileSync(join(out, 'latest.md'), 'utf8')).toContain('| money conserved: each paid order delivered or refunded, exactly once | PASS |');
  });
});
