import { type Kysely, sql } from 'kysely';
import type { Guard } from '../store-guard.js';
import type { AuditLog, AuditQuery, AuditRecord } from '../types.js';

/**
 * The PostgreSQL audit trail (table `audit_log`, migration 2). Every statement
 * runs in a transaction with `taskwire.workspace` set, so row-level security
 * scopes it like the task tables; `prune` alone sets `taskwire.audit_prune`,
 * which the table's retention policies require to see and delete rows of
 * every workspace.
 */
export function postgresAudit(db: Kysely<unknown>, guard: Guard): AuditLog {
  return {
    append: (rows) =>
      rows.length === 0
        ? Promise.resolve()
        : guard(() =>
            db.transaction().execute(async (trx) => {
              const byWorkspace = new Map<string, AuditRecord[]>();
              for (const r of rows) byWorkspace.set(r.workspace, [...(byWorkspace.get(r.workspace) ?? []), r]);
              for (const [workspace, group] of byWorkspace) {
                await sql`SELECT set_config('taskwire.workspace', ${workspace}, true)`.execute(trx);
                const values = group.map(
                  (r) =>
                    sql`(${r.time}, ${r.workspace}, ${r.principal}, ${r.client_name}, ${r.client_version}, ${r.tool}, ${r.args_hash}, ${r.args}, ${r.outcome}, ${r.duration_ms}, ${r.trace_id}, ${r.request_id})`,
                );
                await sql`INSERT INTO audit_log (called_at, workspace, principal, client_name, client_version, tool, args_hash, args, outcome, duration_ms, trace_id, request_id)
                  VALUES ${sql.join(values)}`.execute(trx);
              }
            }),
          ),
    query: (q: AuditQuery) =>
      guard(() =>
        db
          .transaction()
          .setAccessMode('read only')
          .execute(async (trx) => {
            await sql`SELECT set_config('taskwire.workspace', ${q.workspace}, true)`.execute(trx);
            const { rows } = await sql<AuditRecord>`
              SELECT called_at AS time, workspace, principal, client_name, client_version, tool, args_hash, args, outcome, duration_ms, trace_id, request_id
                FROM audit_log
               WHERE workspace = ${q.workspace}
                 ${q.since === undefined ? sql`` : sql`AND called_at >= ${q.since}`}
                 ${q.principal === undefined ? sql`` : sql`AND principal = ${q.principal}`}
                 ${q.tool === undefined ? sql`` : sql`AND tool = ${q.tool}`}
               ORDER BY called_at DESC, id DESC
               LIMIT ${q.limit}`.execute(trx);
            return rows;
          }),
      ),
    prune: (before) =>
      guard(() =>
        db.transaction().execute(async (trx) => {
          await sql`SELECT set_config('taskwire.audit_prune', 'on', true)`.execute(trx);
          const result = await sql`DELETE FROM audit_log WHERE called_at < ${before}`.execute(trx);
          return Number(result.numAffectedRows ?? 0);
        }),
      ),
  };
}
