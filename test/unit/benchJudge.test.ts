import { judge, type Level, type Phase } from '../../bench/results';

function level(concurrency: number, ordersPerSecond: number, p99: number | null): Level {
  return {
    concurrency,
    seconds: 15,
    completed: Math.round(ordersPerSecond * 15),
    completedAll: Math.round(ordersPerSecond * 15),
    ordersPerSecond,
    latencyMs: { p50: p99, p95: p99, p99, max: p99 },
    errors: 0,
    timeouts: p99 === null ? 10 : 0,
    problems: [],
    retriedAnswers: [],
    loadAverage: 1,
    ratioToCeiling: null,
    rssMb: { workerAndApi: 300, api: 150, worker: 150, store: 100, temporal: 100 },
  };
}

describe("the bench's verdicts", () => {
  const phases = (grown8: Level): Record<Phase, Level[]> => ({
    ceiling: [level(8, 16, 200), level(32, 16, 900)],
    empty: [level(8, 12, 400), level(32, 11, 1500), level(64, 11, 2500)],
    grown: [grown8],
  });
  const verdict = (all: ReturnType<typeof judge>, id: string) => all.find((c) => c.id === id);

  it('fails a grown-shop level that ran but completed no order, rather than skipping it', () => {
    const criterion = verdict(judge(phases(level(8, 0, null))), 'grown-p99-8');
    expect(criterion).toMatchObject({ verdict: 'FAIL', measured: 'no order completed on the grown shop' });
  });

  it('passes and fails on the thresholds', () => {
    const all = judge(phases(level(8, 12, 460)));
    expect(verdict(all, 'grown-p99-8')?.verdict).toBe('PASS');
    expect(verdict(all, 'p99-8')?.verdict).toBe('PASS');
    expect(verdict(all, 'ceiling-share-32')?.verdict).toBe('PASS');
    expect(verdict(judge(phases(level(8, 12, 600))), 'grown-p99-8')?.verdict).toBe('FAIL');
  });
});
