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

  it.each(['ceiling', 'empty', 'grown'] as Phase[])('completes orders at every level of the %s phase, without errors or timeouts', (phase) => {
    expect(results.phases[phase].map((l) => l.concurrency)).toEqual([1, 2]);
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

  it('compares the product with the ceiling and reads where the time went', () => {
    for (const level of [...results.phases.empty, ...results.phases.grown]) {
      expect(level.ratioToCeiling).not.toBeNull();
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

  it('judges every criterion of the issue, skipping those its levels do not reach', () => {
    expect(results.criteria.map((c) => c.id)).toEqual(['ceiling-share-32', 'p99-8', 'clean-64', 'grown-p99-8', 'rss']);
    for (const c of results.criteria) expect(['PASS', 'FAIL', 'SKIP']).toContain(c.verdict);
    expect(results.criteria.find((c) => c.id === 'p99-8')?.verdict).toBe('SKIP');
    expect(results.criteria.find((c) => c.id === 'rss')?.verdict).not.toBe('SKIP');
  });

  it('prints the table and writes it as Markdown and an SVG chart', () => {
    expect(run.output).toMatch(/phase\s+storefronts\s+orders\/s/);
    const md = readFileSync(join(out, 'latest.md'), 'utf8');
    expect(md).toContain('| phase | storefronts | orders/s |');
    expect(md.match(/^\| product, (empty store|grown shop) \| [12] \|/gm)).toHaveLength(4);
    const svg = readFileSync(join(out, 'latest.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline /g)!.length).toBe(6);
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
