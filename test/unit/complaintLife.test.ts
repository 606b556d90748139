import { COMPLAINT_ACTIONS, COMPLAINT_STATUSES, type ComplaintAction, type ComplaintInput, type ComplaintStatus } from '../../domain/complaint';
import { decide, isOver, newComplaintState, nextDeadline, refusal, type ComplaintEffect, type ComplaintEvent, type ComplaintState } from '../../domain/complaintLife';
import type { DisputeState } from '../../domain/dispute';

/**
 * The complaint's decisions, without a server: every event in every status, the refusals the API
 * answers with 409, the clocks, reopening, remedies asked of the order and the automatic re-check.
 */
const T0 = '2026-12-01T00:00:00.000Z';
const HOUR = 3_600_000;
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();
const POLICY = {
  firstResponseMs: HOUR,
  resolutionMs: 24 * HOUR,
  autoCloseMs: 72 * HOUR,
  maxReopens: 1,
  buyerReplyMs: 7 * 24 * HOUR,
  maxBuyerReplies: 3,
  escalationReminderMs: 24 * HOUR,
  autoRecheckWaitMs: 30_000,
  emailBuyer: true,
};

function input(over: Partial<ComplaintInput> = {}): ComplaintInput {
  return { complaintId: 'c1', orderId: 'o1', sku: 'steam-100', createdAt: T0, policy: POLICY, category: 'service', description: 'It does not work.', evidence: [], ...over };
}

/** Apply events in turn, one second apart; answers the state and every effect on the way. */
function run(events: ComplaintEvent[], start: ComplaintState = newComplaintState(input())) {
  let state = start;
  const effects: ComplaintEffect[] = [];
  events.forEach((event, i) => {
    const decision = decide(state, event, at((i + 1) * 1000));
    if (decision.refused) throw new Error(`${event.type} refused: ${decision.refused}`);
    state = decision.state;
    effects.push(...decision.effects);
  });
  return { state, effects };
}

const agent = (action: ComplaintAction, note?: string): ComplaintEvent => ({ type: 'agentAction', action, actor: 'agent-li', ...(note ? { note } : {}) });
const resolved: ComplaintEvent[] = [{ type: 'opened' }, agent('reject', 'the key works; redeem it in the right region')];

/** A way to reach each status. */
const REACH: Record<ComplaintStatus, ComplaintEvent[]> = {
  OPEN: [{ type: 'opened' }],
  ACKNOWLEDGED: [{ type: 'opened' }, agent('acknowledge')],
  AWAITING_BUYER: [{ type: 'opened' }, agent('request_info')],
  ESCALATED: [{ type: 'opened' }, agent('escalate')],
  RESOLVED: resolved,
  CLOSED: [...resolved, { type: 'buyerConfirmed', satisfied: true, rating: 5 }],
};

const stripeDispute = (outcome?: DisputeState['outcome']): DisputeState => ({ source: 'stripe_dispute', id: 'dp1', reason: 'fraudulent', status: outcome ? 'lost' : 'needs_response', ...(outcome ? { outcome } : {}) });

const ALL_EVENTS: ComplaintEvent[] = [
  { type: 'opened' },
  ...COMPLAINT_ACTIONS.map((action) => agent(action, 'a note')),
  agent('reject'),
  { type: 'buyerReplied', message: 'Here is a screenshot.' },
  { type: 'buyerReplied', message: ' ' },
  { type: 'buyerConfirmed', satisfied: true, rating: 4 },
  { type: 'buyerConfirmed', satisfied: false, comment: 'still broken' },
  { type: 'buyerConfirmed', satisfied: true, rating: 9 },
  { type: 'disputeChanged', dispute: stripeDispute() },
  { type: 'disputeChanged', dispute: stripeDispute('lost') },
  { type: 'disputeChanged', dispute: stripeDispute('won') },
  { type: 'due' },
  { type: 'remedyAnswered', outcome: { ok: true, detail: 'new key(s) delivered' } },
  { type: 'remedyAnswered', outcome: { ok: false, detail: 'no stock' } },
  { type: 'orderGone' },
  { type: 'remedyWaited', id: 1 },
  { type: 'rechecked', verdict: 'invalid', supplier: true, found: 'already redeemed' },
  { type: 'rechecked', verdict: 'valid', supplier: false, found: '' },
  { type: 'rechecked', verdict: 'unknown', supplier: false, found: '' },
  { type: 'providerReplyFailed', why: 'WeChat Pay refused it' },
];

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

describe('decide: every event in every status', () => {
  for (const status of COMPLAINT_STATUSES) {
    it(`${status}: each event leaves a consistent complaint`, () => {
      const { state } = run(REACH[status]);
      expect(state.view.status).toBe(status);
      const before = JSON.stringify(state);
      deepFreeze(state); // a decision that wrote to the state it was given would throw
      // Now and long after every deadline.
      for (const when of [at(60_000), at(400 * 24 * HOUR)]) {
        for (const event of ALL_EVENTS) {
          const { state: next, effects, refused } = decide(state, event, when);
          if (refused) {
            expect({ next, effects }).toEqual({ next: state, effects: [] });
            continue;
          }
          if (status === 'CLOSED') expect(next.view.status).toBe('CLOSED');
          // What was said stays said: the messages only grow.
          expect(next.view.messages.slice(0, state.view.messages.length)).toEqual(state.view.messages);
          expect(next.input).toEqual(state.input);
          // One step at most per event, and a step is written before anything is sent on.
          expect(effects.filter((e) => e.type === 'write').length).toBeLessThanOrEqual(1);
          if (next.view.status !== status) expect(effects[0]).toMatchObject({ type: 'write' });
          if (next.view.messages.length > state.view.messages.length) expect(effects.some((e) => e.type === 'write')).toBe(true);
        }
      }
      expect(JSON.stringify(state)).toBe(before);
    });
  }
});

describe('what fits where: the refusals the API answers with 409', () => {
  // Written out here, not read from the table the code uses, so a change to it shows.
  const FITS: Record<ComplaintAction, ComplaintStatus[]> = {
    acknowledge: ['OPEN', 'ESCALATED'],
    request_info: ['OPEN', 'ACKNOWLEDGED', 'ESCALATED'],
    resolve_replace: ['OPEN', 'ACKNOWLEDGED', 'AWAITING_BUYER', 'ESCALATED'],
    resolve_refund: ['OPEN', 'ACKNOWLEDGED', 'AWAITING_BUYER', 'ESCALATED'],
    reject: ['OPEN', 'ACKNOWLEDGED', 'AWAITING_BUYER', 'ESCALATED'],
    escalate: ['OPEN', 'ACKNOWLEDGED', 'AWAITING_BUYER'],
  };
  for (const action of COMPLAINT_ACTIONS) {
    it(`${action} fits ${FITS[action].join(', ')} only`, () => {
      for (const status of COMPLAINT_STATUSES) {
        const { state } = run(REACH[status]);
        const decision = decide(state, agent(action, 'a note'), at(60_000));
        if (FITS[action].includes(status)) {
          expect(refusal(state, { type: 'action', action, note: 'a note' })).toBeUndefined();
          expect(decision.refused).toBeUndefined();
        } else {
          const why = `the complaint is ${status}; ${action} fits a complaint that is ${FITS[action].join(', ')}`;
          expect(decision).toEqual({ state, effects: [], refused: why });
        }
      }
    });
  }

  it('a rejection needs a note; an unknown action is named', () => {
    const { state } = run(REACH.OPEN);
    expect(refusal(state, { type: 'action', action: 'reject', note: '  ' })).toBe('a rejection needs a note telling the buyer why');
    expect(refusal(state, { type: 'action', action: 'shrug' as ComplaintAction })).toBe('unknown action "shrug"');
  });

  it('while a remedy is at the order, every agent action waits for its outcome', () => {
    const { state } = run([{ type: 'opened' }, agent('resolve_refund')]);
    for (const action of COMPLAINT_ACTIONS) {
      expect(decide(state, agent(action, 'n'), at(5000)).refused).toBe('a remedy is being applied to the order; wait for its outcome');
    }
  });

  it('the buyer replies until it is closed, with a message, up to the most replies allowed', () => {
    const closed = run(REACH.CLOSED).state;
    expect(refusal(closed, { type: 'reply', message: 'hello' })).toBe('the complaint is CLOSED');
    const open = run(REACH.OPEN).state;
    expect(refusal(open, { type: 'reply', message: '   ' })).toBe('a reply needs a message');
    const replied = run([{ type: 'opened' }, ...[1, 2, 3].map((n): ComplaintEvent => ({ type: 'buyerReplied', message: `reply ${n}` }))]).state;
    expect(refusal(replied, { type: 'reply', message: 'a fourth' })).toBe('the complaint has 3 replies from the buyer, the most allowed; an agent will answer');
  });

  it('only a RESOLVED complaint is confirmed, with a rating from 1 to 5', () => {
    for (const status of COMPLAINT_STATUSES.filter((s) => s !== 'RESOLVED')) {
      expect(refusal(run(REACH[status]).state, { type: 'confirm' })).toBe(`the complaint is ${status}; only a RESOLVED complaint is confirmed`);
    }
    const { state } = run(REACH.RESOLVED);
    expect(refusal(state, { type: 'confirm', rating: 5 })).toBeUndefined();
    expect(refusal(state, { type: 'confirm', rating: 2.5 })).toBe('a rating is a whole number from 1 to 5');
  });
});

describe('the clocks', () => {
  it('no answer by the first-response deadline escalates it, once, and notes the breach', () => {
    const { state } = run([{ type: 'opened' }]);
    expect(nextDeadline(state)).toEqual({ kind: 'first_response', at: at(HOUR) });
    expect(decide(state, { type: 'due' }, at(HOUR - 1)).effects).toEqual([]); // not yet
    const { state: late, effects } = decide(state, { type: 'due' }, at(HOUR));
    expect(late.view).toMatchObject({ status: 'ESCALATED', escalated: true });
    expect(late.breaches).toEqual({ firstResponse: true, resolution: false });
    expect(effects).toEqual([{ type: 'write', step: 'first_response_overdue', at: at(HOUR), messageIndex: 1 }]);
    expect(nextDeadline(late)).toEqual({ kind: 'resolution', at: at(24 * HOUR) });
  });

  it('an answer in time stops the first-response clock; the resolution deadline escalates it, then the agents are reminded every day', () => {
    const { state } = run(REACH.ACKNOWLEDGED);
    expect(state.view.firstRespondedAt).toBe(at(2000));
    expect(nextDeadline(state)).toEqual({ kind: 'resolution', at: at(24 * HOUR) });
    const escalated = decide(state, { type: 'due' }, at(24 * HOUR)).state;
    expect(escalated.view.status).toBe('ESCALATED');
    expect(escalated.breaches.resolution).toBe(true);
    expect(nextDeadline(escalated)).toEqual({ kind: 'escalation_reminder', at: at(48 * HOUR) });
    const reminded = decide(escalated, { type: 'due' }, at(48 * HOUR));
    expect(reminded.state.view.escalationReminderAt).toBe(at(72 * HOUR));
    expect(reminded.state.view.messages.at(-1)?.text).toMatch(/reminded every 24h/);
    expect(reminded.effects).toEqual([expect.objectContaining({ type: 'write', step: 'escalation_reminder' })]);
  });

  it('the resolution clock stops while the buyer is asked, and the wait is added to its deadline', () => {
    const asked = run(REACH.AWAITING_BUYER).state;
    expect(asked.view.buyerReplyDueAt).toBe(at(2000 + 7 * 24 * HOUR));
    expect(nextDeadline(asked)).toEqual({ kind: 'buyer_reply', at: at(2000 + 7 * 24 * HOUR) });
    const back = decide(asked, { type: 'buyerReplied', message: 'it says "already used"' }, at(2000 + 5 * HOUR)).state;
    expect(back.view.status).toBe('OPEN'); // where it was when the buyer was asked
    expect(back.view.resolutionDueAt).toBe(at(29 * HOUR));
    expect(back.view.buyerReplyDueAt).toBeUndefined();
  });

  it('a buyer who does not answer the request for information in time closes it', () => {
    const asked = run(REACH.AWAITING_BUYER).state;
    const { state } = decide(asked, { type: 'due' }, at(2000 + 7 * 24 * HOUR));
    expect(state.view).toMatchObject({ status: 'CLOSED', closedAt: at(2000 + 7 * 24 * HOUR) });
    expect(state.view.messages.at(-1)?.text).toBe('closed: no answer from the buyer within 7d of the request for information');
    expect(isOver(state)).toBe(true);
  });

  it('a resolution the buyer does not confirm closes by itself after autoClose', () => {
    const { state } = run(REACH.RESOLVED);
    expect(nextDeadline(state)).toEqual({ kind: 'auto_close', at: at(2000 + 72 * HOUR) });
    expect(decide(state, { type: 'due' }, at(2000 + 72 * HOUR)).state.view.status).toBe('CLOSED');
  });
});

describe('the buyer after a resolution', () => {
  it('satisfied closes it; not satisfied reopens it with a new resolution deadline, and past maxReopens escalates it', () => {
    const closed = run([...REACH.RESOLVED, { type: 'buyerConfirmed', satisfied: true, rating: 5 }]).state;
    expect(closed.view).toMatchObject({ status: 'CLOSED', satisfaction: { satisfied: true, rating: 5 }, resolution: 'rejected' });

    const reopened = run([...REACH.RESOLVED, { type: 'buyerConfirmed', satisfied: false, comment: 'still broken' }]).state;
    expect(reopened.view).toMatchObject({ status: 'ACKNOWLEDGED', reopenCount: 1, resolutionDueAt: at(3000 + 24 * HOUR) });
    expect(reopened.view.resolution).toBeUndefined();
    expect(reopened.view.messages.at(-1)).toEqual({ at: at(3000), from: 'buyer', text: 'still broken' });

    const again = run([agent('reject', 'it works'), { type: 'buyerConfirmed', satisfied: false }], reopened).state;
    expect(again.view).toMatchObject({ status: 'ESCALATED', reopenCount: 1, escalated: true });
    expect(again.view.messages.at(-1)?.text).toBe('reopened 1 time(s) already, the most allowed; escalated to a senior agent');
  });
});

describe('remedies asked of the order', () => {
  const asked = () => run([{ type: 'opened' }, agent('resolve_replace', 'sorry')]);

  it('is asked of the order, and changes nothing until it answers', () => {
    const { state, effects } = asked();
    expect(effects.at(-1)).toEqual({ type: 'askOrder', request: { complaintId: 'c1', remedy: 'replace', actor: 'agent-li', note: 'sorry' } });
    expect(state.view.status).toBe('OPEN');
    expect(state.view.firstRespondedAt).toBeUndefined();
  });

  it('answered in time: resolved by the agent, with the order\'s words', () => {
    const { state } = run([{ type: 'remedyAnswered', outcome: { ok: true, detail: 'new key(s) AB** delivered' } }], asked().state);
    expect(state.view).toMatchObject({ status: 'RESOLVED', resolution: 'replaced', resolvedBy: 'agent-li', firstRespondedAt: at(1000) });
    expect(state.view.messages.at(-1)).toMatchObject({ from: 'agent', actor: 'agent-li', text: 'new key(s) AB** delivered. sorry' });
    expect(state.lastRemedy).toEqual({ id: 1, remedy: 'replace', outcome: { ok: true, detail: 'new key(s) AB** delivered' } });
  });

  it('refused in time: the complaint is exactly as it was (the agent hears a 409)', () => {
    const before = asked().state;
    const { state, effects } = run([{ type: 'orderGone' }], before);
    expect(state.view).toEqual(before.view);
    expect(effects).toEqual([]);
    expect(state.lastRemedy?.outcome).toEqual({ ok: false, detail: 'the order is closed and can no longer carry out a remedy' });
    expect(refusal(state, { type: 'action', action: 'acknowledge' })).toBeUndefined();
  });

  it('too slow for the agent: shown pending, then failed or resolved when the order answers', () => {
    const pending = run([{ type: 'remedyWaited', id: 1 }], asked().state);
    expect(pending.state.view.remedy).toEqual({ remedy: 'replace', status: 'pending', actor: 'agent-li', requestedAt: at(2000) });
    expect(pending.effects).toEqual([{ type: 'write', step: 'remedy_pending', at: at(1000) }]);
    expect(pending.state.view.firstRespondedAt).toBe(at(1000));

    const failed = run([{ type: 'remedyAnswered', outcome: { ok: false, detail: 'no stock' } }], pending.state).state;
    expect(failed.view).toMatchObject({ status: 'OPEN', remedy: { status: 'failed', detail: 'no stock' } });

    const done = run([{ type: 'remedyAnswered', outcome: { ok: true, detail: 'refunded' } }], pending.state).state;
    expect(done.view).toMatchObject({ status: 'RESOLVED', resolution: 'replaced' });
    expect(done.view.remedy).toBeUndefined();
  });

  it('a remedy that goes through in time after an earlier one failed leaves no failed remedy on show', () => {
    const pending = run([{ type: 'remedyWaited', id: 1 }], asked().state).state;
    const failed = run([{ type: 'remedyAnswered', outcome: { ok: false, detail: 'no stock' } }], pending).state;
    const again = run([agent('resolve_refund'), { type: 'remedyAnswered', outcome: { ok: true, detail: 'refunded 19.99 CNY' } }], failed).state;
    expect(again.view).toMatchObject({ status: 'RESOLVED', resolution: 'refunded' });
    expect(again.view.remedy).toBeUndefined();
  });

  it('an answer nobody waits for, or a wait for a remedy already answered, changes nothing', () => {
    const open = run(REACH.OPEN).state;
    expect(decide(open, { type: 'remedyAnswered', outcome: { ok: true, detail: 'x' } }, at(9000))).toEqual({ state: open, effects: [] });
    const answered = run([{ type: 'remedyAnswered', outcome: { ok: true, detail: 'x' } }], asked().state).state;
    expect(decide(answered, { type: 'remedyWaited', id: 1 }, at(9000)).effects).toEqual([]);
  });

  it('the buyer\'s silence waits for a remedy under way', () => {
    const { state } = run([{ type: 'opened' }, agent('request_info'), agent('resolve_refund')]);
    expect(nextDeadline(state)?.kind).not.toBe('buyer_reply');
  });
});

describe('the automatic re-check of a reported-invalid key', () => {
  const keyInvalid = newComplaintState(input({ category: 'key_invalid' }));

  it('starts at once for key_invalid only, not for a provider\'s dispute, and holds the complaint open until it settles', () => {
    expect(run([{ type: 'opened' }], keyInvalid).effects).toEqual([expect.objectContaining({ type: 'write', step: 'opened' }), { type: 'recheck', withinMs: 30_000 }]);
    expect(run([{ type: 'opened' }]).effects.map((e) => e.type)).toEqual(['write']);
    const disputed = newComplaintState(input({ category: 'key_invalid', dispute: stripeDispute(), source: 'stripe_dispute' }));
    expect(run([{ type: 'opened' }], disputed).effects.map((e) => e.type)).toEqual(['write']);
    const running = run([{ type: 'opened' }], keyInvalid).state;
    expect(isOver({ ...running, view: { ...running.view, status: 'CLOSED' } })).toBe(false);
  });

  it('invalid: the order replaces the key and the system resolves it', () => {
    const { state, effects } = run([{ type: 'opened' }, { type: 'rechecked', verdict: 'invalid', supplier: true, found: 'already redeemed' }], keyInvalid);
    expect(effects.at(-1)).toEqual({ type: 'askOrder', request: { complaintId: 'c1', remedy: 'replace', actor: 'system', note: 'the reported key was re-checked and found invalid' } });
    expect(state.view.autoRecheck).toEqual({ verdict: 'invalid', at: at(2000) });
    expect(refusal(state, { type: 'action', action: 'acknowledge' })).toMatch(/a remedy is being applied/);
    const done = run([{ type: 'remedyAnswered', outcome: { ok: true, detail: 'new key(s) AB** delivered' } }], state).state;
    expect(done.view).toMatchObject({ status: 'RESOLVED', resolution: 'replaced', resolvedBy: 'system' });
    expect(done.view.messages.at(-1)?.text).toBe('We re-checked the reported key with the supplier: it is invalid (already redeemed). new key(s) AB** delivered. Please confirm the new key works.');
    expect(done.recheck).toBe('done');
  });

  it('invalid but not replaced: the agents take it, told why', () => {
    const { state } = run([{ type: 'opened' }, { type: 'rechecked', verdict: 'invalid', supplier: false, found: 'revoked' }, { type: 'remedyAnswered', outcome: { ok: false, detail: 'no stock' } }], keyInvalid);
    expect(state.view.status).toBe('OPEN');
    expect(state.view.messages.at(-1)?.text).toBe('The reported key was re-checked by our own checks and is invalid (revoked), but no replacement could be delivered: no stock. An agent will take it.');
  });

  it('valid, or no verdict in time: the agents take it, told so', () => {
    const valid = run([{ type: 'opened' }, { type: 'rechecked', verdict: 'valid', supplier: true, found: '' }], keyInvalid).state;
    expect(valid.view.messages.at(-1)?.text).toBe('The reported key was re-checked with the supplier: it is valid. An agent will look into it with you.');
    const unknown = run([{ type: 'opened' }, { type: 'rechecked', verdict: 'unknown', supplier: false, found: '' }], keyInvalid).state;
    expect(unknown.view.messages.at(-1)?.text).toBe('The reported key could not be re-checked within 30s; an agent will take it.');
    expect([valid.view.status, unknown.view.status, unknown.recheck]).toEqual(['OPEN', 'OPEN', 'done']);
  });

  it('invalid after an agent has resolved it: only told, what the agent did stands', () => {
    const { state, effects } = run([{ type: 'opened' }, agent('reject', 'works for us'), { type: 'rechecked', verdict: 'invalid', supplier: true, found: 'used' }], keyInvalid);
    expect(state.view.resolution).toBe('rejected');
    expect(effects.some((e) => e.type === 'askOrder')).toBe(false);
    expect(state.view.messages.at(-1)?.text).toBe('The reported key was re-checked with the supplier: invalid (used).');
  });
});

describe("a provider's dispute", () => {
  it("the dispute's end resolves an open complaint the way the money went; a later event changes nothing", () => {
    const lost = run([{ type: 'opened' }, { type: 'disputeChanged', dispute: stripeDispute('lost') }]).state;
    expect(lost.view).toMatchObject({ status: 'RESOLVED', resolution: 'refunded', resolvedBy: 'system', external: { id: 'dp1' } });
    expect(decide(lost, { type: 'disputeChanged', dispute: stripeDispute('won') }, at(9000)).effects).toEqual([]);
  });

  it('a WeChat Pay complaint hears the agents\' words, and its completion once an agent resolves it', () => {
    const wechat: DisputeState = { source: 'wechatpay', id: 'wx1', reason: 'SERVICE_NOT_WORK', status: 'PENDING' };
    const start = newComplaintState(input({ source: 'wechatpay', dispute: wechat }));
    const { effects } = run([{ type: 'opened' }, agent('acknowledge', '您好'), agent('reject', '卡密可用')], start);
    expect(effects.filter((e) => e.type === 'replyToProvider')).toEqual([
      { type: 'replyToProvider', providerComplaintId: 'wx1', reply: { text: '您好' } },
      { type: 'replyToProvider', providerComplaintId: 'wx1', reply: { text: '卡密可用' } },
      { type: 'replyToProvider', providerComplaintId: 'wx1', reply: { complete: true } },
    ]);
  });
});
