import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScript } from '../support/processes';
import type { SoakReport } from '../../bench/soak/run';
import { SCENARIOS } from '../../bench/soak/traffic';

/*
 * `npm run soak -- --short` on the test stack: the product's processes under mixed load while the
 * worker is killed, a second worker comes and goes, the API restarts, and the supplier and the
 * provider fail and hang; then every invariant must hold. The long soak is the same run, longer.
 */

describe('the soak, CI-sized', () => {
  const out = mkdtempSync(join(tmpdir(), 'kamiflow-soak-smoke-'));
  let run: { code: number | null; output: string };
  let report: SoakReport;

  beforeAll(async () => {
    run = await runScript('scripts/soak.ts', ['--short', '--out', out], {
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
    ]);
    expect(report.ok).toBe(true);
  });

  it('ran every scenario and injected every fault while orders were in flight', () => {
    expect(Object.keys(report.orders.byScenario).sort()).toEqual(Object.keys(SCENARIOS).sort());
    expect(report.faults['worker killed (SIGKILL) and restarted']).toBeGreaterThanOrEqual(1);
    for (const fault of ['second worker started and stopped', 'API restarted under load', 'supplier failing (500) stretches', 'supplier hanging stretches', 'payment provider down (503) stretches', 'scarce product restocked']) {
      expect({ fault, times: report.faults[fault] }).toEqual({ fault, times: expect.any(Number) });
      expect(report.faults[fault]).toBeGreaterThanOrEqual(1);
    }
    // Paid orders ended both ways: keys kept and money returned.
    expect(report.orders.byStatus.REFUNDED).toBeGreaterThanOrEqual(1);
    expect((report.orders.byStatus.DELIVERED ?? 0) + (report.orders.byStatus.COMPLETED ?? 0)).toBeGreaterThanOrEqual(1);
  });

  it('reports the memory of the worker and the API, and prints the report', () => {
    for (const name of ['worker', 'api']) expect(report.memoryMb[name].max).toBeGreaterThan(0);
    expect(report.memoryMb.worker.lives).toBeGreaterThanOrEqual(2);
    expect(run.output).toContain('every invariant holds');
    expect(readFileSync(join(out, 'latest.md'), 'utf8')).toContain('| money conserved: each paid order delivered or refunded, exactly once | PASS |');
  });
});
