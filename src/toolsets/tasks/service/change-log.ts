// What one write changed, collected and appended to the history before COMMIT.
import type { Actor, ChangeRecord, NewChange, TaskWriter } from '../../../store/types.js';

/** Change records of one write, appended to the history in its transaction (see {@link ServiceCore.write}). */
export class ChangeLog {
  readonly pending: NewChange[] = [];
  /** Everything appended so far, in order. */
  readonly appended: ChangeRecord[] = [];
  readonly touched = new Set<number>();

  add(change: NewChange | undefined): void {
    if (!change) return;
    this.pending.push(change);
    this.touched.add(change.task_id);
  }

  /** Append what is pending now (e.g. to learn a delete's seq); returns the stored records. */
  async flush(w: TaskWriter, workspace: string, actor: Actor, at: string): Promise<ChangeRecord[]> {
    if (this.pending.length === 0) return [];
    const records = await w.appendChanges(workspace, actor, at, this.pending.splice(0));
    this.appended.push(...records);
    return records;
  }
}
