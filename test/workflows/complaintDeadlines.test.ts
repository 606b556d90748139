import { randomBytes } from 'node:crypto';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { ComplaintGateway } from '../../api/complaintGateway';
import { wholeComplaintView } from '../../db/complaintView';
import { complaintWorkflowId, type ComplaintInput, type ComplaintPolicy, type ComplaintView } from '../../domain/complaint';
import { COMPLAINT_STATUS } from '../../domain/searchAttributes';
import { buyerConfirm, buyerReply, complaintAction, complaintView } from '../../workflows/messages';
import { startTimeSkipping, type TimeSkipping } from '../support/harness';

/**
 * The complaint's clocks on the time-skipping test server, with the real activities and store:
 * hours and days pass in milliseconds. No order stands behind these complaints; the clocks and the
 * agents' and buyer's moves are the complaint's own.
 */
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const POLICY: ComplaintPolicy = { firstResponseMs: HOUR, resolutionMs: DAY, autoCloseMs: 3 * DAY, maxReopens: 2 };

describe('a complaint against its deadlines', () => {
  let ts: TimeSkipping;

  beforeAll(async () => {
    ts = await startTimeSkipping();
  });
  afterAll(async () => {
    await ts?.stop();
  });

  async function file(policy: ComplaintPolicy = POLICY): Promise<{ handle: WorkflowHandle; input: ComplaintInput }> {
    const complaintId = `c${randomBytes(6).toString('hex')}`;
    const input: ComplaintInput = {
      complaintId,
      orderId: `o${randomBytes(6).toString('hex')}`,
      sku: 'steam-100',
      category: 'key_invalid',
      description: 'The key says it was already redeemed.',
      evidence: ['screenshot-1'],
      createdAt: new Date(await ts.env.currentTimeMs()).toISOString(),
      policy,
    };
    const handle = await ts.client.workflow.start('complaint', {
      taskQueue: ts.config.temporal.taskQueue,
      workflowId: complaintWorkflowId(complaintId),
      args: [input],
    });
    return { handle, input };
  }

  const view = (handle: WorkflowHandle) => handle.query(complaintView);
  const agent = (handle: WorkflowHandle, action: string, note?: string) =>
    handle.executeUpdate(complaintAction, { args: [{ action: action as never, actor: 'agent-ann', ...(note ? { note } : {}) }] }) as Promise<ComplaintView>;
  const row = (id: string) => ts.store.complaintViews.findById(id).lean();
  /** An answer as the API gives it: a view sent with only its latest messages gets the earlier ones from the read model. */
  const whole = (answer: ComplaintView) => wholeComplaintView(ts.store, answer);
  const systemTexts = (v: ComplaintView) => v.messages.filter((m) => m.from === 'system').map((m) => m.text);

  /** Wait (in real time) until the workflow has projected the step it took. */
  const projected = (id: string, status: string) => eventuallyRow(id, (r) => r.status === status);

  async function conflictOf(promise: Promise<unknown>): Promise<string> {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (err as WorkflowUpdateFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe('Conflict');
    return (cause as ApplicationFailure).message;
  }

  it('escalates when no agent answers by the first-response deadline, then again records the resolution breach', async () => {
    const { handle, input } = await file();
    const opened = await projected(input.complaintId, 'OPEN');
    expect(opened.dueAt.toISOString()).toBe(new Date(Date.parse(input.createdAt) + HOUR).toISOString());

    await ts.env.sleep(HOUR - MINUTE);
    expect((await view(handle)).status).toBe('OPEN');

    await ts.env.sleep(2 * MINUTE);
    const escalated = await view(handle);
    expect(escalated).toMatchObject({ status: 'ESCALATED', escalated: true });
    expect(escalated.firstRespondedAt).toBeUndefined();
    expect(systemTexts(escalated)).toEqual([expect.stringContaining('first response deadline')]);
    const breached = await projected(input.complaintId, 'ESCALATED');
    expect(breached.firstResponseOnTime).toBe(false);
    expect(breached.resolutionOnTime).toBeNull();
    const described = await handle.describe();
    expect(described.typedSearchAttributes.get(COMPLAINT_STATUS)).toBe('ESCALATED');

    await ts.env.sleep(DAY);
    const late = await view(handle);
    expect(late.status).toBe('ESCALATED');
    expect(systemTexts(late)).toEqual([expect.stringContaining('first response deadline'), expect.stringContaining('resolution deadline')]);
    await eventuallyRow(input.complaintId, (r) => r.resolutionOnTime === false);
  });

  it('does not escalate an acknowledged complaint until its resolution deadline passes', async () => {
    const { handle, input } = await file();
    await ts.env.sleep(10 * MINUTE);
    const acknowledged = await agent(handle, 'acknowledge');
    expect(acknowledged.status).toBe('ACKNOWLEDGED');
    expect(Date.parse(acknowledged.firstRespondedAt!) - Date.parse(input.createdAt)).toBeGreaterThanOrEqual(10 * MINUTE);

    await ts.env.sleep(DAY - 20 * MINUTE);
    const before = await view(handle);
    expect(before).toMatchObject({ status: 'ACKNOWLEDGED', escalated: false });
    expect(systemTexts(before)).toEqual([]);

    await ts.env.sleep(20 * MINUTE);
    const after = await view(handle);
    expect(after).toMatchObject({ status: 'ESCALATED', escalated: true });
    expect(systemTexts(after)).toEqual([expect.stringContaining('resolution deadline')]);
    const r = await projected(input.complaintId, 'ESCALATED');
    expect(r.firstResponseOnTime).toBe(true);
    expect(r.resolutionOnTime).toBe(false);
    expect(r.firstResponseMinutes).toBeGreaterThanOrEqual(10);
  });

  it('pauses the resolution clock while the buyer is asked for information', async () => {
    const { handle, input } = await file();
    await agent(handle, 'acknowledge');
    await ts.env.sleep(2 * HOUR);
    const asked = await agent(handle, 'request_info', 'Which email did the key arrive at?');
    expect(asked.status).toBe('AWAITING_BUYER');
    const originalDue = Date.parse(asked.resolutionDueAt);
    expect(originalDue).toBe(Date.parse(input.createdAt) + DAY);

    // Two days without an answer: the agents' deadline has not passed, because it is paused.
    await ts.env.sleep(2 * DAY);
    const waiting = await view(handle);
    expect(waiting).toMatchObject({ status: 'AWAITING_BUYER', escalated: false });
    expect(systemTexts(waiting)).toEqual([]);

    const replied = await whole(await handle.executeUpdate(buyerReply, { args: [{ message: 'It arrived at the address on the order.' }] }));
    expect(replied.status).toBe('ACKNOWLEDGED');
    const extendedBy = Date.parse(replied.resolutionDueAt) - originalDue;
    expect(extendedBy).toBeGreaterThanOrEqual(2 * DAY);
    expect(extendedBy).toBeLessThan(2 * DAY + 5 * MINUTE);
    expect(replied.messages.map((m) => m.from)).toEqual(['buyer', 'agent', 'agent', 'buyer']);
    const r = await projected(input.complaintId, 'ACKNOWLEDGED');
    expect(r.dueAt.toISOString()).toBe(replied.resolutionDueAt);

    // 22h of the agents' 24h were left when the buyer was asked.
    await ts.env.sleep(22 * HOUR - 10 * MINUTE);
    expect((await view(handle)).status).toBe('ACKNOWLEDGED');
    await ts.env.sleep(20 * MINUTE);
    expect((await view(handle)).status).toBe('ESCALATED');
  });

  it('closes a resolved complaint the buyer does not answer', async () => {
    const { handle, input } = await file();
    const rejected = await agent(handle, 'reject', 'The key was redeemed from your account on the day of delivery.');
    expect(rejected).toMatchObject({ status: 'RESOLVED', resolution: 'rejected' });
    expect(rejected.resolvedAt).toBeDefined();

    await ts.env.sleep(3 * DAY - HOUR);
    expect((await view(handle)).status).toBe('RESOLVED');
    await ts.env.sleep(2 * HOUR);
    const closed = await whole((await handle.result()) as ComplaintView);
    expect(closed.status).toBe('CLOSED');
    expect(closed.closedAt).toBeDefined();
    expect(closed.satisfaction).toBeUndefined();
    expect(systemTexts(closed)).toEqual([expect.stringContaining('no answer from the buyer')]);
    const r = await projected(input.complaintId, 'CLOSED');
    expect(r.resolutionOnTime).toBe(true);
    expect(r.dueAt.getUTCFullYear()).toBe(9999);
    const outbox = await ts.store.outbox.find({ complaintId: input.complaintId }).lean();
    expect(outbox.map((o) => o.type)).toEqual(expect.arrayContaining(['complaint.opened', 'complaint.resolved', 'complaint.closed']));
  });

  it('reopens when the buyer is not satisfied, up to the limit, then escalates', async () => {
    const { handle, input } = await file({ ...POLICY, maxReopens: 1 });
    await agent(handle, 'reject', 'The key works on our side.');
    await ts.env.sleep(HOUR);

    const reopened = await handle.executeUpdate(buyerConfirm, { args: [{ satisfied: false, rating: 1, comment: 'It still does not work.' }] });
    expect(reopened).toMatchObject({ status: 'ACKNOWLEDGED', reopenCount: 1, escalated: false, satisfaction: { satisfied: false, rating: 1 } });
    expect(reopened.resolution).toBeUndefined();
    const now = await ts.env.currentTimeMs();
    expect(Math.abs(Date.parse(reopened.resolutionDueAt) - (now + DAY))).toBeLessThan(5 * MINUTE);

    await agent(handle, 'reject', 'We checked again: it was redeemed.');
    const second = await whole(await handle.executeUpdate(buyerConfirm, { args: [{ satisfied: false }] }));
    expect(second).toMatchObject({ status: 'ESCALATED', reopenCount: 1, escalated: true });
    // Without a comment the buyer said nothing, and no words are put in their mouth.
    expect(second.messages.filter((m) => m.from === 'buyer').map((m) => m.text)).toEqual(['The key says it was already redeemed.', 'It still does not work.']);
    expect(systemTexts(second)).toEqual([expect.stringContaining('the most allowed')]);
    expect(await conflictOf(handle.executeUpdate(buyerConfirm, { args: [{ satisfied: true }] }))).toMatch(/ESCALATED/);

    // Settled at last: the buyer's satisfaction closes it.
    await agent(handle, 'reject', 'Final answer.');
    const closed = await whole(await handle.executeUpdate(buyerConfirm, { args: [{ satisfied: true, rating: 4 }] }));
    expect(closed).toMatchObject({ status: 'CLOSED', satisfaction: { satisfied: true, rating: 4 } });
    expect(closed.messages.filter((m) => m.from === 'buyer')).toHaveLength(2);
    const r = await projected(input.complaintId, 'CLOSED');
    expect(r).toMatchObject({ satisfied: true, rating: 4 });
  });

  const BOUNDED: ComplaintPolicy = { ...POLICY, buyerReplyMs: 2 * DAY, escalationReminderMs: 6 * HOUR };

  it('closes a complaint whose buyer never answers the request for information, and shows it due then, not overdue', async () => {
    const { handle, input } = await file(BOUNDED);
    await agent(handle, 'request_info', 'Which platform?');
    const asked = await view(handle);
    expect(asked.status).toBe('AWAITING_BUYER');
    expect(asked.buyerReplyDueAt).toBe(new Date(Date.parse(asked.messages[1].at) + 2 * DAY).toISOString());
    const waiting = await projected(input.complaintId, 'AWAITING_BUYER');
    expect(waiting.dueAt.toISOString()).toBe(asked.buyerReplyDueAt);

    await ts.env.sleep(2 * DAY - HOUR);
    expect((await view(handle)).status).toBe('AWAITING_BUYER');
    await ts.env.sleep(2 * HOUR);
    const closed = await whole((await handle.result()) as ComplaintView);
    expect(closed).toMatchObject({ status: 'CLOSED', closedAt: expect.any(String) });
    expect(closed.buyerReplyDueAt).toBeUndefined();
    expect(systemTexts(closed)).toEqual([expect.stringContaining('no answer from the buyer within 2d')]);
    await projected(input.complaintId, 'CLOSED');
    expect(await ts.store.complaintQueue.findById(input.complaintId).lean()).toBeNull();
  });

  it('a buyer who answers in time brings it back to the agents, with no close pending', async () => {
    const { handle } = await file(BOUNDED);
    await agent(handle, 'acknowledge');
    await agent(handle, 'request_info', 'Which platform?');
    await ts.env.sleep(DAY);
    const replied = (await handle.executeUpdate(buyerReply, { args: [{ message: 'Steam, EU.' }] })) as ComplaintView;
    expect(replied.status).toBe('ACKNOWLEDGED');
    expect(replied.buyerReplyDueAt).toBeUndefined();
    await ts.env.sleep(3 * DAY);
    expect((await view(handle)).status).not.toBe('CLOSED');
  });

  it('an escalated complaint past its resolution deadline reminds the agents every period, and can still be resolved', async () => {
    const { handle, input } = await file(BOUNDED);
    await agent(handle, 'acknowledge');
    await ts.env.sleep(DAY + MINUTE);
    const breached = await view(handle);
    expect(breached.status).toBe('ESCALATED');
    expect(Date.parse(breached.escalationReminderAt as string)).toBeGreaterThan(Date.parse(breached.resolutionDueAt));
    await ts.env.sleep(6 * HOUR + MINUTE);
    await ts.env.sleep(6 * HOUR);
    const reminded = await view(handle);
    expect(reminded.status).toBe('ESCALATED');
    expect(systemTexts(reminded).filter((t) => t.includes('reminded every 6h'))).toHaveLength(2);
    const outbox = await ts.store.outbox.find({ complaintId: input.complaintId, type: 'complaint.escalation_reminder' }).lean();
    expect(outbox).toHaveLength(2);

    const rejected = await agent(handle, 'reject', 'The key was redeemed on your account.');
    expect(rejected).toMatchObject({ status: 'RESOLVED', resolution: 'rejected' });
    expect(rejected.escalationReminderAt).toBeUndefined();
    await ts.env.sleep(12 * HOUR);
    expect(systemTexts(await view(handle)).filter((t) => t.includes('reminded'))).toHaveLength(2);
  });

  it("bounds a complaint's history: the buyer's replies stop at the limit, so a talkative complaint stays far below the history size limit", async () => {
    const { handle } = await file({ ...POLICY, maxBuyerReplies: 10 });
    const longest = 'x'.repeat(5_000); // the most one reply may hold
    for (let i = 0; i < 10; i++) {
      await agent(handle, 'request_info');
      await handle.executeUpdate(buyerReply, { args: [{ message: longest }] });
    }
    expect(await conflictOf(handle.executeUpdate(buyerReply, { args: [{ message: longest }] }))).toMatch(/10 replies from the buyer, the most allowed/);
    const v = await view(handle);
    expect(v.messages.filter((m) => m.from === 'buyer')).toHaveLength(11);
    // Every step carries the view, so the worst case is about 4 x 5 KB x (1 + 2 + ... + n) for n
    // replies: 1.1 MB for 10, 4.2 MB for the default 20, against Temporal's 50 MB, which 140 replies
    // reached before the limit; more are refused instead.
    const historySize = temporal.api.history.v1.History.encode(await handle.fetchHistory()).finish().length;
    expect(historySize).toBeGreaterThan(10 * 5_000); // the replies themselves are in it
    expect(historySize).toBeLessThan(2 * 1024 * 1024);
  });

  it('keeps a talkative complaint\'s history in proportion to what is said: each step sends only the messages the read model lacks', async () => {
    const replies = 20; // MAX_COMPLAINT_REPLIES' default
    const { handle, input } = await file({ ...POLICY, maxBuyerReplies: replies });
    const gateway = new ComplaintGateway(ts.client, ts.store);
    const longest = 'y'.repeat(5_000);
    for (let i = 0; i < replies; i++) {
      await agent(handle, 'request_info', `Question ${i}?`);
      const answered = (await gateway.act(input.complaintId, buyerReply, { message: `${i} ${longest}` })) as ComplaintView;
      // The API's answer is still the whole complaint, every message in order.
      expect(answered.messages.filter((m) => m.from === 'buyer')).toHaveLength(i + 2);
      expect(answered.messages[answered.messages.length - 1].text).toBe(`${i} ${longest}`);
    }
    const live = await view(handle);
    expect(live.messages).toHaveLength(1 + 2 * replies);
    // The read model holds the whole conversation too, built from the deltas.
    const r = await eventuallyRow(input.complaintId, (row) => row.seq === 1 + 2 * replies);
    expect(JSON.parse(r.view)).toEqual(live);
    // The replies themselves are in the history (the buyer's words arrive in it), but each only a
    // bounded number of times, not once more with every later step: 4.2 MB when every step carried
    // the whole view, now about twice the text said.
    const said = replies * 5_000;
    const historySize = temporal.api.history.v1.History.encode(await handle.fetchHistory()).finish().length;
    expect(historySize).toBeGreaterThan(said);
    expect(historySize).toBeLessThan(4 * said);
  });

  it('refuses actions that do not fit the complaint, and leaves it byte for byte as it was', async () => {
    const { handle, input } = await file();
    const unchangedBy = async (refused: () => Promise<unknown>, reason: RegExp) => {
      const before = JSON.stringify(await view(handle));
      expect(await conflictOf(refused())).toMatch(reason);
      expect(JSON.stringify(await view(handle))).toBe(before);
    };
    await unchangedBy(() => agent(handle, 'reject'), /note/);
    await unchangedBy(() => handle.executeUpdate(buyerConfirm, { args: [{ satisfied: true }] }), /OPEN/);
    // No order stands behind this complaint: the remedy cannot be carried out, and the agent hears
    // why; the refusal neither answers the first-response clock nor tells the buyer anything.
    await unchangedBy(() => agent(handle, 'resolve_replace'), /replace could not be carried out/);
    expect((await view(handle)).firstRespondedAt).toBeUndefined();
    await agent(handle, 'acknowledge');
    await unchangedBy(() => agent(handle, 'acknowledge'), /ACKNOWLEDGED/);
    await agent(handle, 'request_info', 'Which platform?');
    await unchangedBy(() => agent(handle, 'request_info', 'Again?'), /AWAITING_BUYER/);
    await unchangedBy(() => agent(handle, 'resolve_refund'), /refund could not be carried out/);
    const v = await view(handle);
    expect(v.status).toBe('AWAITING_BUYER');
    expect(v.messages.map((m) => m.from)).toEqual(['buyer', 'agent', 'agent']);
    // Nothing of the refusals reached the read model or the storefront either.
    const outbox = await ts.store.outbox.find({ complaintId: input.complaintId }).lean();
    expect(outbox.map((o) => o.type).sort()).toEqual(['complaint.acknowledged', 'complaint.info_requested', 'complaint.opened']);
  });

  async function eventuallyRow(id: string, ok: (r: NonNullable<Awaited<ReturnType<typeof row>>>) => boolean) {
    for (let i = 0; i < 100; i++) {
      const r = await row(id);
      if (r && ok(r)) return r;
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error(`complaint ${id} read model never matched; last ${JSON.stringify(await row(id))}`);
  }
});
