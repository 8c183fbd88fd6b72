import type { Mutex } from '../mutex.js';
import type { Guard } from '../store-guard.js';
import type { AuditLog, AuditQuery, AuditRecord } from '../types.js';
import type * as Database from './driver.js';

const COLUMNS = 'called_at AS time, workspace, principal, client_name, client_version, tool, args_hash, args, outcome, duration_ms, trace_id, request_id';

/**
 * The SQLite audit trail (table `audit_log`, migration 2). Appends take the
 * store's write lock like any write, as one `BEGIN IMMEDIATE` transaction per
 * batch; queries use the reader connection.
 */
export function sqliteAudit(writer: Database.Database, reader: Database.Database, locks: { write: Mutex; read: Mutex }, guard: Guard): AuditLog {
  const insert = writer.prepare(
    `INSERT INTO audit_log (called_at, workspace, principal, client_name, client_version, tool, args_hash, args, outcome, duration_ms, trace_id, request_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  // Positional parameters: binding twelve named ones from an object took about twice as long per row.
  const appendAll = writer.transaction((rows: readonly AuditRecord[]) => {
    for (const r of rows) {
      insert.run(r.time, r.workspace, r.principal, r.client_name, r.client_version, r.tool, r.args_hash, r.args, r.outcome, r.duration_ms, r.trace_id, r.request_id);
    }
  });
  const prune = writer.prepare('DELETE FROM audit_log WHERE called_at < ?');
  return {
    append: (rows) => (rows.length === 0 ? Promise.resolve() : guard(() => locks.write.run(async () => void appendAll.immediate(rows)))),
    query: (q: AuditQuery) =>
      guard(() =>
        locks.read.run(async () => {
          const where = ['workspace = @workspace'];
          const params: Record<string, string | number> = { workspace: q.workspace, limit: q.limit };
          for (const [key, column, op] of [
            ['since', 'called_at', '>='],
            ['principal', 'principal', '='],
            ['tool', 'tool', '='],
          ] as const) {
            const value = q[key];
            if (value === undefined) continue;
            where.push(`${column} ${op} @${key}`);
            params[key] = value;
          }
          const sql = `SELECT ${COLUMNS} FROM audit_log WHERE ${where.join(' AND ')} ORDER BY called_at DESC, id DESC LIMIT +@limit`;
          return reader.prepare(sql).all(params) as AuditRecord[];
        }),
      ),
    prune: (before) => guard(() => locks.write.run(async () => prune.run(before).changes)),
  };
}
