import type * as Database from '../store/sqlite/driver.js';
import { openDatabase } from '../store/sqlite/driver.js';
import type { Logger } from '../telemetry/logger.js';
import type { BusChange, ChangeBus } from './bus.js';

export interface SqliteBusOptions {
  /** The SQLite database file the local store has open (already migrated: `task_changes` exists). Not `:memory:`. */
  path: string;
  /** The local store's `TaskStore.origin`: rows it wrote are skipped (this process already delivered them). */
  origin: string;
  logger: Logger;
  /** How often `PRAGMA data_version` is checked, in ms (default 200). */
  intervalMs?: number;
  /** Most `task_changes` rows read per tick (default 5,000); the rest are read on the next ticks. */
  maxRowsPerTick?: number;
  /** The URIs the changed task ids of one workspace make stale (what the served toolsets declare: `Toolset.changes.ofStoredTasks`). */
  urisOf: (taskIds: Iterable<number>) => string[];
}

/** Rows per query: each page is one short read of the `rid` primary key. */
const PAGE = 1000;
/** Most URIs in one delivered change (the limit the other buses' decoder enforces). */
const MAX_URIS = 1000;

/**
 * A {@link ChangeBus} for several processes on one SQLite file (two IDE
 * windows, Claude Desktop beside Claude Code), with no service besides the
 * file: the change history is the channel.
 *
 * Every committed task write appends rows to `task_changes` in its own
 * transaction, stamped with the writing store's `origin`; `rid` is the commit
 * order of the whole file. This bus keeps its own read-only connection and
 * every `intervalMs` checks `PRAGMA data_version`, which changes only when
 * another connection committed (a few microseconds; no read of any table).
 * When it changed, it reads `SELECT rid, workspace, task_id FROM task_changes
 * WHERE rid > last AND origin <> own` in pages of 1,000 (at most
 * `maxRowsPerTick` rows per tick; the rest on the next ticks) and delivers,
 * per workspace, the URIs `urisOf` gives for the tasks that changed
 * (each toolset's `ToolsetChanges.ofStoredTasks`: its workspace views and each task's own URI). Reading starts after the newest row at open: history
 * is not replayed. Latency is one interval plus the read (about 200 ms).
 *
 * `publish` does nothing: the rows are already in the file. A failed tick
 * (the file locked past 50 ms, a disk error) is logged at warn once per
 * streak and retried on the next tick; rows are not skipped. If the history
 * was pruned down to fewer rows than were last seen (`max(rid)` went back),
 * reading restarts from the first row that remains.
 *
 * Delivery is at most once, like the other buses': a change written while no
 * process reads is not delivered later, and a tick reads only committed rows.
 *
 * @throws Error when the file cannot be opened or has no `task_changes` table
 *   (the caller reports it as the database being unavailable).
 */
export function openSqliteBus(options: SqliteBusOptions): ChangeBus {
  const { origin, logger } = options;
  const intervalMs = options.intervalMs ?? 200;
  const maxRows = Math.max(PAGE, options.maxRowsPerTick ?? 5000);
  // timeout: a WAL reader waits on a lock only in rare cases (recovery); never block the event loop long.
  const db = openDatabase(options.path, { readonly: true, fileMustExist: true, timeout: 50 });
  let page: Database.Statement<[number, string], { rid: number; workspace: string; task_id: number }>;
  let newest: Database.Statement<[], { rid: number | null }>;
  let version: number;
  let last: number;
  try {
    page = db.prepare(`SELECT rid, workspace, task_id FROM task_changes WHERE rid > ? AND origin <> ? ORDER BY rid LIMIT ${PAGE}`);
    newest = db.prepare('SELECT max(rid) AS rid FROM task_changes');
    version = dataVersion(db);
    last = newest.get()?.rid ?? 0;
  } catch (error) {
    db.close();
    throw error;
  }
  let listener: ((change: BusChange) => void) | undefined;
  let closed = false;
  /** Rows are left to read (a tick stopped at its bound): read even if data_version did not change. */
  let behind = false;
  let failing = false;

  const deliver = (byWorkspace: Map<string, Set<number>>) => {
    for (const [workspace, ids] of byWorkspace) {
      const uris = options.urisOf(ids);
      for (let i = 0; i < uris.length; i += MAX_URIS) {
        try {
          listener?.({ workspace, uris: uris.slice(i, i + MAX_URIS) });
        } catch (error) {
          logger.warn({ err: error }, 'change bus listener failed');
        }
      }
    }
  };

  const tick = () => {
    if (closed) return;
    const byWorkspace = new Map<string, Set<number>>();
    try {
      const now = dataVersion(db);
      if (now === version && !behind) return;
      version = now;
      // One read transaction: every page sees the same snapshot.
      db.exec('BEGIN');
      try {
        const top = newest.get()?.rid ?? 0;
        if (top < last) last = 0; // pruned down and row ids reused: what remains is newer than what was read
        behind = true;
        for (let read = 0; read < maxRows; ) {
          const rows = page.all(last, origin);
          for (const row of rows) {
            const ids = byWorkspace.get(row.workspace);
            if (ids) ids.add(row.task_id);
            else byWorkspace.set(row.workspace, new Set([row.task_id]));
          }
          const end = rows.at(-1);
          if (end) last = end.rid;
          read += rows.length;
          if (rows.length < PAGE) {
            // Drained. Own rows are skipped by the query; move past them too so the next tick starts at the top.
            last = Math.max(last, top);
            behind = false;
            break;
          }
        }
      } finally {
        db.exec('COMMIT');
      }
      if (failing) logger.info('change bus reading the SQLite change history again');
      failing = false;
    } catch (error) {
      if (!failing) logger.warn({ err: error }, 'change bus could not read the SQLite change history; retrying');
      failing = true;
      behind = true; // read again on the next tick, from the last row delivered
    }
    deliver(byWorkspace);
  };

  const timer = setInterval(tick, intervalMs);
  timer.unref();

  return {
    kind: 'sqlite',
    publish() {
      /* the rows are already in the file */
    },
    onChange(l) {
      listener = l;
    },
    onReconnect() {
      /* never disconnected: the file is local */
    },
    healthy: () => !closed,
    async close() {
      closed = true;
      clearInterval(timer);
      db.close();
    },
  };
}

function dataVersion(db: Database.Database): number {
  return db.pragma('data_version', { simple: true }) as number;
}
