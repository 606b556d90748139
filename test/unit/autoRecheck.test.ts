import { needsEarlierFigures, percentile, recheckFigures } from '../../domain/autoRecheck';
import type { ComplaintView } from '../../domain/complaint';

/** Where the automatic re-check left a key_invalid complaint, as the reports count it. */
const FILED = '2026-12-03T10:00:00.000Z';
function view(over: Partial<ComplaintView>): ComplaintView {
  return {
    complaintId: 'c1',
    orderId: 'o1',
    sku: 'steam',
    category: 'key_invalid',
    description: 'does not work',
    evidence: [],
    status: 'OPEN',
    createdAt: FILED,
    firstResponseDueAt: '2026-12-03T11:00:00.000Z',
    resolutionDueAt: '2026-12-04T10:00:00.000Z',
    escalated: false,
    reopenCount: 0,
    messages: [],
    ...over,
  };
}
const checked = (verdict: 'invalid' | 'valid' | 'unknown') => ({ autoRecheck: { verdict, at: '2026-12-03T10:00:02.000Z' } });

describe('the automatic re-check, as the reports count it', () => {
  it('counts nothing before a verdict, or where none runs', () => {
    expect(recheckFigures(view({}))).toBeNull();
    expect(recheckFigures(view({ category: 'service' }))).toBeNull();
  });

  it('a replacement resolved by system: the seconds from filing to the resolution', () => {
    const resolved = view({ ...checked('invalid'), status: 'RESOLVED', resolution: 'replaced', resolvedBy: 'system', resolvedAt: '2026-12-03T10:00:04.500Z' });
    expect(recheckFigures(resolved)).toEqual({ outcome: 'replaced', seconds: 4.5, reopened: false });
  });

  it('left with the agents, saying why: valid, no answer in time, or invalid with no new key', () => {
    expect(recheckFigures(view(checked('valid')))).toEqual({ outcome: 'valid', seconds: null, reopened: false });
    expect(recheckFigures(view(checked('unknown')))).toEqual({ outcome: 'no_answer', seconds: null, reopened: false });
    expect(recheckFigures(view(checked('invalid')))).toEqual({ outcome: 'not_replaced', seconds: null, reopened: false });
    // An agent who resolved it by replacing the key is not the re-check.
    const byAgent = view({ ...checked('invalid'), status: 'RESOLVED', resolution: 'replaced', resolvedBy: 'dev-agent', resolvedAt: '2026-12-03T10:05:00.000Z' });
    expect(recheckFigures(byAgent)).toEqual({ outcome: 'not_replaced', seconds: null, reopened: false });
  });

  it('a replacement the buyer reopened stays a replacement, now reopened, from its earlier step', () => {
    const reopened = view({ ...checked('invalid'), status: 'ACKNOWLEDGED', resolution: 'replaced', reopenCount: 1 });
    expect(needsEarlierFigures(reopened)).toBe(true);
    expect(recheckFigures(reopened, { outcome: 'replaced', seconds: 4.5, reopened: false })).toEqual({ outcome: 'replaced', seconds: 4.5, reopened: true });
    // With no earlier replacement it was never the re-check's.
    expect(recheckFigures(reopened, { outcome: 'not_replaced', seconds: null, reopened: false })).toEqual({ outcome: 'not_replaced', seconds: null, reopened: false });
    expect(needsEarlierFigures(view(checked('invalid')))).toBe(false);
    expect(needsEarlierFigures(view({ ...checked('valid'), reopenCount: 1 }))).toBe(false);
  });

  it('percentiles by nearest rank', () => {
    expect(percentile([], 0.95)).toBeNull();
    expect(percentile([7], 0.95)).toBe(7);
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(hundred, 0.95)).toBe(95);
    expect(percentile(hundred, 0.5)).toBe(50);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 1000], 0.95)).toBe(19);
  });
});
