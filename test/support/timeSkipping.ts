import { Worker } from '@temporalio/worker';
import { createActivities, type Activities } from '../../activities';
import { createLogger } from '../../config/logger';
import type { TimeSkipping } from './harness';

/**
 * A gate an activity can be held at, to put a workflow at an exact point while the test acts on the
 * world: `pass()` (from the activity) tells `reached` and waits for `open()`. Only while armed.
 */
export class Gate {
  armed = false;
  readonly reached: Promise<void>;
  private arrive!: () => void;
  private release!: () => void;
  private readonly opened = new Promise<void>((resolve) => (this.release = resolve));

  constructor() {
    this.reached = new Promise<void>((resolve) => (this.arrive = resolve));
  }

  async pass(): Promise<void> {
    if (!this.armed) return;
    this.armed = false;
    this.arrive();
    await this.opened;
  }

  open(): void {
    this.release();
  }
}

/**
 * A second worker on the same time-skipping server and store, on its own task queue, whose real
 * activities the test may wrap (to hold one at a gate, say).
 */
export async function startWorkerWith(
  t: TimeSkipping,
  wrap: (real: Activities) => Partial<Activities>,
): Promise<{ taskQueue: string; stop(): Promise<void> }> {
  const taskQueue = `${t.config.temporal.taskQueue}-gated-${++gatedWorkers}`;
  const activities = createActivities({ store: t.store, vault: t.vault, config: t.config, logger: createLogger('silent'), temporal: t.client });
  const real = { ...activities };
  // In place: activities made of others (reserveCheckedKeys) then run the wrapped steps too.
  Object.assign(activities, wrap(real));
  const worker = await Worker.create({
    connection: t.env.nativeConnection,
    namespace: t.config.temporal.namespace,
    taskQueue,
    activities,
    workflowBundle: { codePath: process.env.KAMIFLOW_TEST_WORKFLOW_BUNDLE as string },
  });
  const running = worker.run();
  return {
    taskQueue,
    async stop() {
      worker.shutdown();
      await running;
    },
  };
}

let gatedWorkers = 0;
