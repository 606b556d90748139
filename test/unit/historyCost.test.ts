import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { addCosts, childRuns, historyCost } from '../../bench/historyCost';

const E = temporal.api.enums.v1.EventType;

/** What an order's history costs Temporal, as the capacity model counts it (bench/historyCost.ts). */
describe("a history's cost", () => {
  it('counts a recorded order from payment to completion: 30 events, 11 billable actions', () => {
    const recorded = JSON.parse(readFileSync(join(__dirname, '..', 'replay', 'histories', 'order-completed.versions-2.json'), 'utf8'));
    const cost = historyCost(historyFromJSON(recorded.history));
    // Its start, the payment signal, 3 timers, 2 status upserts (not the version attribute's),
    // and the markers of each of its 4 workflow tasks as one action each.
    expect(cost).toEqual({
      events: 30,
      bytes: expect.any(Number),
      workflowTasks: 4,
      // Start, signal, 2 timers fired, and each of 4 workflow tasks started and completed.
      stateTransitions: 12,
      actions: 11,
      byAction: { 'markers of a workflow task (local activities, versions)': 4, timer: 3, 'search attribute upsert': 2, 'workflow started': 1, signal: 1 },
    });
    expect(cost.bytes).toBeGreaterThan(1_000);
  });

  it('counts a child as two actions in its parent and none in its own start, retries, updates, and a signal-with-start as one', () => {
    const at = (eventId: number, eventType: temporal.api.enums.v1.EventType, fields: object = {}) => ({ eventId, eventType, ...fields });
    const parent = temporal.api.history.v1.History.fromObject({
      events: [
        at(1, E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, { workflowExecutionStartedEventAttributes: {} }),
        at(2, E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED), // signal-with-start
        at(3, E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, { workflowTaskCompletedEventAttributes: { meteringMetadata: { nonfirstLocalActivityExecutionAttempts: 2 } } }),
        at(4, E.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED),
        at(5, E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED, { childWorkflowExecutionStartedEventAttributes: { workflowExecution: { workflowId: 'notify-1', runId: 'r1' } } }),
        at(6, E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
        at(7, E.EVENT_TYPE_ACTIVITY_TASK_STARTED, { activityTaskStartedEventAttributes: { attempt: 3 } }),
        at(8, E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED),
        at(9, E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED),
      ],
    });
    const child = temporal.api.history.v1.History.fromObject({ events: [at(1, E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, { workflowExecutionStartedEventAttributes: { parentWorkflowExecution: { workflowId: 'order-1' } } })] });

    const cost = addCosts(historyCost(parent), historyCost(child));

    expect(cost.byAction).toEqual({ 'child workflow started': 2, 'local activity retry': 2, 'activity retry': 2, 'workflow started': 1, activity: 1, update: 1, signal: 1 });
    expect(cost.actions).toBe(10);
    expect(cost.events).toBe(10);
    expect(cost.stateTransitions).toBe(7);
    expect(childRuns(parent)).toEqual([{ workflowId: 'notify-1', runId: 'r1' }]);
  });
});
