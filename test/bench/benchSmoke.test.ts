import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchResults, Phase } from '../../bench/results';
import { runScript } from '../support/processes';

/*
 * `npm run bench -- --smoke` on the test stack, so the benchmark cannot rot: every phase places
 * real orders through the real product, and the results are written whole. Timing thresholds are
 * the bench's own business (its criteria); here only that it ran and measured something.
 */

describe('the benchmark, smoke-sized', () => {
  const out = mkdtempSync(join(tmpdir(), 'kamiflow-bench-smoke-'));
  let run: { code: number | null; output: string };
  let results: BenchResults;

  beforeAll(async () => {
    run = await runScript('scripts/bench.ts', ['--smoke', '--out', out], {
      TEMPORAL_ADDRESS: process.env.KAMIFLOW_TEST_TEMPORAL_ADDRESS as string,
      MONGODB_URI: process.env.KAMIFLOW_TEST_MONGODB_URI as string,
    });
    if (run.code !== 0) throw new Error(`the bench exited with ${run.code}:\n${run.output.slice(-4000)}`);
    results = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8'));
  }, 600_000);

  it.each(['ceiling', 'localCeiling', 'empty', 'polled', 'grown'] as Phase[])('completes orders at every level of the %s phase, without errors or timeouts', (phase) => {
    // The buyers poll the view at one level: the one its criterion is judged at (2 in a smoke run).
    expect(results.phases[phase].map((l) => l.concurrency)).toEqual(phase === 'polled' ? [2] : [1, 2]);
    for (const level of results.phases[phase]) {
      expect({ level: level.concurrency, errors: level.errors, timeouts: level.timeouts, problems: level.problems }).toEqual({
        level: level.concurrency,
        errors: 0,
        timeouts: 0,
        problems: [],
      });
      expect(level.completedAll).toBeGreaterThanOrEqual(level.concurrency);
      expect(level.latencyMs.p50).toBeGreaterThan(0);
      expect(level.latencyMs.p99!).toBeGreaterThanOrEqual(level.latencyMs.p50!);
      expect(level.rssMb.workerAndApi).toBeGreaterThan(0);
    }
  });

  it("the polled level's buyers read their order's view, and were answered every time", () => {
    const [polled] = results.phases.polled;
    expect(polled.viewPolls!.answered).toBeGreaterThan(polled.completedAll);
    expect(polled.viewPolls!.failed).toBe(0);
    for (const level of [...results.phases.ceiling, ...results.phases.localCeiling, ...results.phases.empty, ...results.phases.grown]) expect(level.viewPolls).toBeUndefined();
  });

  it('compares the product with both ceilings and reads where the time went', () => {
    for (const level of [...results.phases.empty, ...results.phases.polled, ...results.phases.grown]) {
      expect(level.ratioToCeiling).not.toBeNull();
      expect(level.ratioToLocalCeiling).not.toBeNull();
      // Which activities an order runs is the workflow's business; every order runs workflow tasks.
      expect(level.timeSpent?.steps.map((s) => s.step)).toEqual(expect.arrayContaining(['(workflow task)']));
      expect(level.timeSpent!.steps.length).toBeGreaterThan(1);
      // An order's store steps are local activities: each is timed from its marker, not lumped into its task.
      const local = level.timeSpent!.steps.filter((s) => s.step.endsWith(' (local)'));
      expect(local.length).toBeGreaterThan(0);
      for (const step of local) expect({ step: step.step, queued: step.queueMs >= 0, ran: step.runMs > 0 }).toEqual({ step: step.step, queued: true, ran: true });
    }
    expect(results.grownShop).toEqual(expect.objectContaining({ orders: 500, keys: 500 }));
  });

  it("judges every criterion of the issues at the smoke run's own levels (the verdicts prove the judging runs, not the speed)", () => {
    expect(results.criteria.map((c) => c.id)).toEqual(['ceiling-share-32', 'local-ceiling-share-32', 'p99-8', 'p99-8-ceiling', 'clean-64', 'grown-p99-8', 'view-polls', 'rss']);
    for (const c of results.criteria) expect({ id: c.id, verdict: ['PASS', 'FAIL'].includes(c.verdict) }).toEqual({ id: c.id, verdict: true });
    expect(results.criteria.find((c) => c.id === 'local-ceiling-share-32')?.text).toBe('2 storefronts: throughput ≥ 70% of the local-activity ceiling');
    expect(results.criteria.find((c) => c.id === 'p99-8-ceiling')?.text).toMatch(/^1 storefronts: /);
    for (const c of results.criteria) expect(run.output).toContain(`${c.verdict.padEnd(4)}  ${c.text}: ${c.measured}`);
  });

  it('writes the figures the capacity page cites, naming the run they came from', () => {
    const capacity = JSON.parse(readFileSync(join(out, 'capacity.json'), 'utf8'));
    expect(capacity.run).toBe(results.startedAt);
    expect(capacity.levels.map((l: { phase: string; storefronts: number }) => `${l.phase} ${l.storefronts}`)).toEqual(['empty 2', 'grown 2']);
    for (const level of capacity.levels) {
      for (const kind of ['api', 'worker']) expect(level.cpuMsPerOrder[kind]).toBeGreaterThanOrEqual(0);
      // The test stack's Temporal server and store are not the bench's own children: their CPU is not read, and so no total.
      expect({ store: level.cpuMsPerOrder.store, temporal: level.cpuMsPerOrder.temporal, all: level.productCpuMsPerOrder }).toEqual({ store: null, temporal: null, all: null });
    }
    expect(readFileSync(join(out, 'capacity.md'), 'utf8')).toContain(`Capacity figures of the bench run of ${results.startedAt}`);
  });

  it('prints the table and writes it as Markdown and an SVG chart', () => {
    expect(run.output).toMatch(/phase\s+storefronts\s+orders\/s/);
    const md = readFileSync(join(out, 'latest.md'), 'utf8');
    expect(md).toContain('| phase | storefronts | orders/s |');
    expect(md.match(/^\| product, (empty store|grown shop) \| [12] \|/gm)).toHaveLength(4);
    expect(md.match(/^\| ceiling, local activities \| [12] \|/gm)).toHaveLength(2);
    expect(md.match(/^\| product, buyers polling the view \| 2 \|/gm)).toHaveLength(1);
    const svg = readFileSync(join(out, 'latest.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    // A line per phase and panel.
    expect(svg.match(/<polyline /g)!.length).toBe(10);
  });
});

describe("the benchmark's deployment flags", () => {
  it('takes --apis and --workers (a dry run prints what it would run), and refuses a bad count', async () => {
    const dry = await runScript('scripts/bench.ts', ['--smoke', '--apis', '2', '--workers', '3', '--dry-run'], {});
    expect(dry.code).toBe(0);
    const planned = JSON.parse(/would run: (\{.*\}); results to/.exec(dry.output)![1]);
    expect(planned).toMatchObject({ apis: 2, workers: 3, smoke: true, levels: [1, 2] });

    const bad = await runScript('scripts/bench.ts', ['--workers', '0', '--dry-run'], {});
    expect({ code: bad.code, said: bad.output.includes('--workers must be a whole number from 1 to 16, got "0"') }).toEqual({ code: 2, said: true });
  });
});
