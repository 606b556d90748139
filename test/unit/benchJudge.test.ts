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
  const phases = (grown8: Level, polled32 = withPolls(level(32, 10.5, 1600), 1200, 0)): Record<Phase, Level[]> => ({
    ceiling: [level(8, 16, 420), level(32, 16, 900)],
    localCeiling: [level(8, 20, 150), level(32, 15, 700)],
    empty: [level(8, 12, 400), level(32, 11, 1500), level(64, 11, 2500)],
    polled: [polled32],
    grown: [grown8],
  });
  const withPolls = (l: Level, perSecond: number, failed: number): Level => ({ ...l, viewPolls: { answered: perSecond * l.seconds, failed, perSecond } });
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

  it("judges the product against the local-activity ceiling, the regular ceiling's p99 and the buyers' polls", () => {
    const all = judge(phases(level(8, 12, 460)));
    // 11 of 15 orders/s = 73%; p99 0.4 s against the ceiling's 0.42 s; 10.5 of 11 orders/s with polls = 5% less.
    expect(verdict(all, 'local-ceiling-share-32')).toMatchObject({ verdict: 'PASS', measured: '11 of 15 orders/s = 73%' });
    expect(verdict(all, 'p99-8-ceiling')).toMatchObject({ verdict: 'PASS', measured: "p99 0.400 s vs the ceiling's 0.420 s" });
    expect(verdict(all, 'view-polls')?.verdict).toBe('PASS');
    expect(verdict(all, 'view-polls')?.measured).toMatch(/^10\.5 vs 11 orders\/s without = 5% less; 1200 view reads\/s answered/);

    const slower = { ...phases(level(8, 12, 460)), localCeiling: [level(32, 16, 700)], ceiling: [level(8, 16, 390), level(32, 16, 900)] };
    expect(verdict(judge(slower), 'local-ceiling-share-32')?.verdict).toBe('FAIL');
    expect(verdict(judge(slower), 'p99-8-ceiling')?.verdict).toBe('FAIL');
    // 9.8 of 11 orders/s is 11% less; and polls that failed fail it however fast the orders ran.
    expect(verdict(judge(phases(level(8, 12, 460), withPolls(level(32, 9.8, 1600), 1200, 0))), 'view-polls')?.verdict).toBe('FAIL');
    expect(verdict(judge(phases(level(8, 12, 460), withPolls(level(32, 11, 1600), 1200, 3))), 'view-polls')?.verdict).toBe('FAIL');
    // A polled level whose buyers were never answered measured nothing of what the polls cost.
    expect(verdict(judge(phases(level(8, 12, 460), level(32, 11, 1600))), 'view-polls')?.verdict).toBe('FAIL');
  });

  it('judges at the levels it is given, and skips what the run did not measure', () => {
    const all = judge(phases(level(8, 12, 460)), { share: 8, latency: 32, clean: 32, viewPolls: 8 });
    expect(verdict(all, 'local-ceiling-share-32')).toMatchObject({ text: '8 storefronts: throughput ≥ 70% of the local-activity ceiling', measured: '12 of 20 orders/s = 60%', verdict: 'FAIL' });
    expect(verdict(all, 'p99-8-ceiling')?.measured).toBe("p99 1.500 s vs the ceiling's 0.900 s");
    expect(verdict(all, 'view-polls')?.verdict).toBe('SKIP');
  });
});
