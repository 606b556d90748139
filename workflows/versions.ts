import { patched } from '@temporalio/workflow';

/**
 * Which versions of a workflow's logic a run follows, decided at its first task.
 *
 * Why not `patched()` where each change is: on replay it answers from the markers of the task being
 * replayed, and a run's tasks are not always cut where its replay cuts them. A query that reaches the
 * worker while a local activity runs (ops looking at an order in the Temporal UI) ends that task
 * early, so the activity's result reaches the run in the next task; a replay hands it over within the
 * first one. A check first made after that result then finds no marker yet, answers "old", and the
 * replay fails (TMPRL1100) where the run did nothing wrong. A run's first task is cut the same way in
 * both, so runs begun with `epoch` decide every version there: those the code had when the epoch was
 * set are on, and any added later (`since`) are asked at once. Runs begun before the epoch keep asking
 * where they asked, as their histories recorded.
 */
export class Versions {
  private readonly atFirstTask: boolean;
  private readonly decided = new Map<string, boolean>();

  /** Call first thing in the workflow function, before anything else records a command. */
  constructor(epoch: string, before: readonly string[], since: readonly string[] = []) {
    this.atFirstTask = patched(epoch);
    if (!this.atFirstTask) return;
    for (const id of before) this.decided.set(id, true);
    for (const id of since) this.decided.set(id, patched(id));
  }

  /** Whether this run follows the change named `id`. */
  has(id: string): boolean {
    if (!this.atFirstTask) return patched(id);
    const decided = this.decided.get(id);
    // A change asked about but never listed would be decided mid-run: the very hazard this avoids.
    if (decided === undefined) throw new Error(`version ${id} is not listed for this workflow: add it to its \`since\` list`);
    return decided;
  }
}
