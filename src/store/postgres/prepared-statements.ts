import pg from 'pg';
import { digest } from '../../toolkit/digest.js';

/** Prepared statements one connection holds at most (each keeps plans in its backend's memory); the least recently used goes first. */
export const MAX_PREPARED_PER_CONNECTION = 256;
/** Statements the pool runs prepared before every statement is prepared again (then after 4 times as many each time: 256, 1,024, …). */
export const FIRST_REPLAN_AT = 64;
/** Names a connection may have left behind on the server (a message that prepared or dropped one failed) before it drops them all. */
export const MAX_LOST_PER_CONNECTION = 16;

/** What every connection of one pool shares. */
export interface PreparingSwitch {
  /** Preparing is on; off for good once the server shows it does not keep a session's statements. */
  on: boolean;
  /**
   * Raised as plans age (after {@link FIRST_REPLAN_AT} prepared runs, then after 4 times as many) and when a statement's
   * plan predates a schema change: every statement prepared before is prepared again on its next use.
   */
  generation: number;
  /** Prepared runs so far, on every connection. */
  runs: number;
  /** `runs` at which `generation` is raised next. */
  replanAt: number;
}

/** The switch a new pool starts with. */
export function preparingSwitch(on: boolean): PreparingSwitch {
  return { on, generation: 0, runs: 0, replanAt: FIRST_REPLAN_AT };
}

/**
 * How to send one statement: the statements in `drop` first (`DEALLOCATE name` or `DEALLOCATE ALL`), then, when
 * `prepare`, `PREPARE name AS …`, then `EXECUTE name(…)`, all in one message.
 */
export interface PreparedUse {
  drop: string[];
  name: string;
  prepare: boolean;
  /** The statement this one replaced in a full connection (its `DEALLOCATE` is in `drop`). */
  evicted?: { text: string; version: number };
  version: number;
}

interface Entry {
  name: string;
  version: number;
  generation: number;
}

/**
 * SQLSTATEs that mean the server session does not keep what this connection prepared (a statement it prepared is
 * gone, or a name it never prepared exists): a pooler sharing server sessions between clients (PgBouncer in
 * transaction mode), or a `DISCARD ALL`. Preparing is then switched off for the whole pool.
 */
const SESSION_NOT_KEPT = new Set(['26000', '42P05']);
const PREPARABLE = /^\s*\(*\s*(SELECT|WITH|INSERT|UPDATE|DELETE|VALUES|MERGE)\b/i;

/**
 * The server refused to run a prepared statement whose result columns changed since it was prepared (0A000 from
 * `RevalidateCachedQuery`, "cached plan must not change result type": a migration added a column a `*` reads).
 */
export function isStalePlan(error: unknown): boolean {
  if (!(error instanceof pg.DatabaseError) || error.code !== '0A000') return false;
  return error.routine === 'RevalidateCachedQuery' || /cached plan must not change result type/.test(error.message);
}

/**
 * The SQL-level prepared statements of one PostgreSQL connection (PostgreSQL docs, "PREPARE"): a statement's text is
 * parsed once per connection and then run by name, and once PostgreSQL settles on a generic plan (after 5 runs, when
 * it costs no more than the plans made for the values) it is no longer planned on every call: a task's detail takes
 * ~1.3-4 ms to plan and ~0.4 ms to run. Names are content-addressed (`taskwire_`, 32 hex digits of the text's SHA-256,
 * `_` and a version), so a name only ever stands for its own text, whoever prepared it on the server session.
 *
 * Only single statements with parameters are prepared (`$n` texts starting with SELECT, WITH, INSERT, UPDATE,
 * DELETE, VALUES or MERGE, without `;`), at most {@link MAX_PREPARED_PER_CONNECTION} per connection. When a message
 * that prepared or dropped a statement fails, whether that happened is unknown: the text's next statement takes the
 * next version's name, so no name is prepared twice; past {@link MAX_LOST_PER_CONNECTION} such names the connection
 * drops every statement (`DEALLOCATE ALL`) with its next message. A failed `EXECUTE` of a prepared statement leaves it
 * as it was.
 *
 * Plans age: PostgreSQL replans a prepared statement when a table it reads is altered or analyzed (autovacuum does
 * that as a table grows), but not as a table grows without statistics. A generic plan made while `tasks` was nearly
 * empty can pick any index (all cost the same on a few pages) and keep it at 100k rows (an insert's subtask count once
 * read a workspace's every row through `tasks_by_assignee`). So the pool's plans have generations: after the pool has
 * run {@link FIRST_REPLAN_AT} prepared statements, and then each time it has run 4 times as many, every statement on
 * every connection is prepared again on its next use, with plans made afresh. A plan made when the pool had run n
 * statements serves until it has run 4n, however rarely its own statement runs (a statement first used while the
 * table was empty and next used at 100k rows is replanned then), and planning stays O(log runs) per statement. A
 * schema change that altered a statement's columns ({@link isStalePlan}) starts a new generation too.
 *
 * One instance per connection; a connection runs one statement at a time (a text already in flight is sent unprepared).
 */
export class PreparedStatements {
  /** Least recently used first. */
  private readonly entries = new Map<string, Entry>();
  /** Text → the version its next statement takes: an earlier name may still exist on the server. */
  private readonly lost = new Map<string, number>();
  private dropAll = false;
  private readonly inFlight = new Set<string>();

  constructor(private readonly shared: PreparingSwitch) {}

  /** How to send `text` with its parameters, or undefined: send it as it is. Answer with {@link succeeded} or {@link failed}. */
  use(text: string, parameterCount: number): PreparedUse | undefined {
    if (!this.shared.on || parameterCount === 0 || this.inFlight.has(text)) return undefined;
    if (++this.shared.runs >= this.shared.replanAt) {
      this.shared.generation++;
      this.shared.replanAt *= 4;
    }
    const entry = this.entries.get(text);
    let use: PreparedUse;
    if (entry) {
      this.entries.delete(text);
      this.entries.set(text, entry);
      const replan = entry.generation !== this.shared.generation;
      use = { drop: replan ? [`DEALLOCATE ${entry.name}`] : [], name: entry.name, prepare: replan, version: entry.version };
    } else {
      if (!PREPARABLE.test(text) || text.includes(';')) return undefined;
      const version = this.lost.get(text) ?? 0;
      use = { drop: [], name: statementName(text, version), prepare: true, version };
      if (this.dropAll) use.drop.push('DEALLOCATE ALL');
      else if (this.entries.size >= MAX_PREPARED_PER_CONNECTION) {
        const [oldest, old] = this.entries.entries().next().value as [string, Entry];
        this.entries.delete(oldest);
        use.drop.push(`DEALLOCATE ${old.name}`);
        use.evicted = { text: oldest, version: old.version };
      }
    }
    this.inFlight.add(text);
    return use;
  }

  /** `use` of `text` ran: what it prepared is there, what it dropped is gone. */
  succeeded(text: string, use: PreparedUse): void {
    this.inFlight.delete(text);
    if (use.drop[0] === 'DEALLOCATE ALL') {
      this.dropAll = false;
      this.lost.clear();
    }
    if (!use.prepare) return;
    const entry = this.entries.get(text);
    if (entry) {
      entry.generation = this.shared.generation;
      return;
    }
    this.lost.delete(text);
    this.entries.set(text, { name: use.name, version: use.version, generation: this.shared.generation });
  }

  /** `use` of `text` failed with `error`: records what may have happened on the server. */
  failed(text: string, use: PreparedUse, error: unknown): void {
    this.inFlight.delete(text);
    const code = error instanceof pg.DatabaseError ? error.code : undefined;
    if (code !== undefined && SESSION_NOT_KEPT.has(code)) this.shared.on = false;
    if (isStalePlan(error)) this.shared.generation++;
    if (!use.prepare && use.drop.length === 0) return; // the statement is still prepared (a stale one is replanned by generation)
    this.entries.delete(text);
    this.lost.set(text, use.version + 1);
    if (use.evicted) this.lost.set(use.evicted.text, Math.max(this.lost.get(use.evicted.text) ?? 0, use.evicted.version + 1));
    if (this.lost.size > MAX_LOST_PER_CONNECTION && !this.dropAll) {
      this.dropAll = true;
      this.entries.clear();
    }
  }
}

/** The content-addressed name of `text`'s prepared statement, at `version` (0 unless an earlier one may be left behind). */
export function statementName(text: string, version = 0): string {
  return `taskwire_${digest('sha256', text, 'hex').slice(0, 32)}_${version}`;
}
