import { patched } from '@temporalio/workflow';

/** A set of changes new runs follow from their first task (see Versions). */
export interface Epoch {
  /** The patch id a run begun in this epoch records at its first task. */
  id: string;
  /** The changes the code had when the epoch was set: on for every run begun in it. */
  changes: readonly string[];
  /** Changes made later while this epoch was the newest: asked at the first task of its runs. */
  since?: readonly string[];
}

/**
 * Which versions of a workflow's logic a run follows, decided at its first task.
 *
 * Why not `patched()` where each change is: on replay it answers from the markers of the task being
 * replayed, and a run's tasks are not always cut where its replay cuts them. A query that reaches the
 * worker while a local activity runs (ops looking at an order in the Temporal UI) ends that task
 * early, so the activity's result reaches the run in the next task; a replay hands it over within the
 * first one. A check first made after that result then finds no marker yet, answers "old", and the
 * replay fails (TMPRL1100) where the run did nothing wrong. A run's first task is cut the same way in
 * both, so a run decides every version there.
 *
 * A new run records the newest epoch's marker only (one marker, and one search-attribute update, per
 * run): the changes of that epoch are on. A run begun in an older epoch finds that epoch's marker and
 * follows what it had (its `since` changes as their markers say), newer changes off. Runs begun
 * before any epoch keep asking where they asked, as their histories recorded.
 */
export class Versions {
  private readonly atFirstTask: boolean = false;
  private readonly decided = new Map<string, boolean>();

  /** Call first thing in the workflow function, before anything else records a command. `epochs`: newest first. */
  constructor(epochs: readonly Epoch[]) {
    for (const epoch of epochs) {
      if (!patched(epoch.id)) continue;
      this.atFirstTask = true;
      for (const { changes, since = [] } of epochs) for (const id of [...changes, ...since]) this.decided.set(id, false);
      for (const id of epoch.changes) this.decided.set(id, true);
      for (const id of epoch.since ?? []) this.decided.set(id, patched(id));
      return;
    }
  }

  /** Whether this run follows the change named `id`. */
  has(id: string): boolean {
    if (!this.atFirstTask) return patched(id);
    const decided = this.decided.get(id);
    // A change asked about but never listed would be decided mid-run: the very hazard this avoids.
    if (decided === undefined) throw new Error(`version ${id} is not listed for this workflow: add it to its newest epoch's \`since\` list`);
    return decided;
  }
}
