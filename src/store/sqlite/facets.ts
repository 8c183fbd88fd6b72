import type { TaskFilter, TaskStatus } from '../types.js';
import type { SqlRunner } from './list.js';

/**
 * The `facets` column of a workspace's FTS5 table (migrations 8 and 9): one token `f<id>` per status, assignee and
 * label of a task, ids from the `facet_ids` table, so FTS5 itself applies search filters. A workspace's own id names
 * its table (search-index.ts). Ids are permanent (rows are never deleted); a connection caches the ones it knows are
 * committed.
 */
export class Facets {
  private readonly known = new Map<string, number>();
  /** Ids this connection created in the open write transaction: cached only once it commits. */
  private readonly created = new Map<string, number>();

  constructor(private readonly db: SqlRunner) {}

  /** The tokens of a task's facets, creating ids for values never seen (call inside a write transaction). */
  tokens(task: { status: TaskStatus; assignee: string | null; labels: readonly string[] }): string {
    const ids = [this.id('s', task.status, true)];
    if (task.assignee !== null) ids.push(this.id('a', task.assignee, true));
    for (const label of task.labels) ids.push(this.id('l', label, true));
    return ids.map((id) => `f${id}`).join(' ');
  }

  /** A workspace's id (its FTS5 table's number), created when `create` (inside a write transaction). */
  workspaceId(workspace: string, create: true): number;
  workspaceId(workspace: string, create: false): number | undefined;
  workspaceId(workspace: string, create: boolean): number | undefined {
    return create ? this.id('w', workspace, true) : this.id('w', workspace, false);
  }

  /** Whether the workspace's id is known committed (not made in the open write transaction). */
  isCommitted(workspace: string): boolean {
    return !this.created.has(`w\0${workspace}`);
  }

  /**
   * The FTS5 condition for a search's status, assignee and label filters: `''` without them, `null` when a value was
   * never indexed (nothing can match).
   */
  match(f: TaskFilter): string | null {
    const terms: string[] = [];
    const one = (kind: string, values: readonly string[]) => {
      const ids = values.map((v) => this.id(kind, v, false)).filter((id): id is number => id !== undefined);
      if (ids.length === 0) return false;
      terms.push(`facets : (${ids.map((id) => `f${id}`).join(' OR ')})`);
      return true;
    };
    if (f.status && f.status.length > 0 && !one('s', f.status)) return null;
    if (f.assignee !== undefined && !one('a', [f.assignee])) return null;
    if (f.label !== undefined && !one('l', [f.label])) return null;
    return terms.join(' AND ');
  }

  /** After COMMIT: the ids created in the transaction are now permanent. */
  committed(): void {
    for (const [key, id] of this.created) this.known.set(key, id);
    this.created.clear();
  }

  /** After ROLLBACK: the ids created in the transaction never existed. */
  rolledBack(): void {
    this.created.clear();
  }

  private id(kind: string, value: string, create: true): number;
  private id(kind: string, value: string, create: false): number | undefined;
  private id(kind: string, value: string, create: boolean): number | undefined {
    const key = `${kind}\0${value}`;
    const cached = this.known.get(key) ?? this.created.get(key);
    if (cached !== undefined) return cached;
    const row = this.db.get('SELECT id FROM facet_ids WHERE kind = ? AND value = ?', kind, value);
    if (row) {
      this.known.set(key, row.id as number); // not made in this transaction (those are in `created`): committed
      return row.id as number;
    }
    if (!create) return undefined;
    const id = this.db.get('INSERT INTO facet_ids (kind, value) VALUES (?, ?) RETURNING id', kind, value)?.id as number;
    this.created.set(key, id);
    return id;
  }
}

/** Search filters the facets cannot express: they need each match joined to its task. */
export function hasNonFacetFilters(f: TaskFilter): boolean {
  return (
    (f.priority !== undefined && f.priority.length > 0) || f.parent_id !== undefined || f.due_before !== undefined || f.due_after !== undefined || f.overdue === true
  );
}
