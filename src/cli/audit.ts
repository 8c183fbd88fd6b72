import type { AuditQuery, AuditRecord, TaskStore } from '../store/types.js';

/** Options of `taskwire audit`, as parsed from flags. */
export interface AuditOptions {
  since?: string;
  principal?: string;
  tool?: string;
  limit?: string;
  json?: boolean;
}

/** A usage error of `taskwire audit`, reported as one line with exit code 2. */
export class AuditUsageError extends Error {}

const RELATIVE = /^(\d{1,6})([smhd])$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * `--since`: an ISO-8601 date or time (`2026-11-20`, `2026-11-20T10:00:00Z`) or
 * a duration back from `now` (`30m`, `24h`, `7d`). Returns ISO-8601 UTC.
 * @throws AuditUsageError for anything else.
 */
export function parseSince(value: string, now: Date = new Date()): string {
  const rel = RELATIVE.exec(value);
  if (rel) return new Date(now.getTime() - Number(rel[1]) * UNIT_MS[rel[2] as keyof typeof UNIT_MS]).toISOString();
  const t = Date.parse(value);
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && Number.isFinite(t)) return new Date(t).toISOString();
  throw new AuditUsageError(`--since: expected an ISO-8601 date/time or a duration like 30m, 24h, 7d (got ${JSON.stringify(value)})`);
}

/** The store query for `taskwire audit` in `workspace`. @throws AuditUsageError for a bad `--since` or `--limit`. */
export function auditQuery(workspace: string, options: AuditOptions, now?: Date): AuditQuery {
  const limit = options.limit === undefined ? 100 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100_000)
    throw new AuditUsageError(`--limit: expected an integer from 1 to 100000 (got ${JSON.stringify(options.limit)})`);
  return {
    workspace,
    limit,
    ...(options.since !== undefined ? { since: parseSince(options.since, now) } : {}),
    ...(options.principal !== undefined ? { principal: options.principal } : {}),
    ...(options.tool !== undefined ? { tool: options.tool } : {}),
  };
}

/** One aligned line per row, newest first: time, principal, client, tool, outcome, duration (ms), trace id. */
export function formatAudit(rows: readonly AuditRecord[]): string {
  if (rows.length === 0) return 'no tool calls recorded for this query\n';
  const cells = rows.map((r) => [
    r.time,
    r.principal,
    r.client_name ? `${r.client_name}${r.client_version ? `@${r.client_version}` : ''}` : '-',
    r.tool,
    r.outcome,
    `${r.duration_ms.toFixed(1)}ms`,
    r.trace_id ?? '-',
  ]);
  const header = ['TIME', 'PRINCIPAL', 'CLIENT', 'TOOL', 'OUTCOME', 'DURATION', 'TRACE'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (c: string[]) => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i] as number))).join('  ');
  return `${[line(header), ...cells.map(line)].join('\n')}\n`;
}

/** Run `taskwire audit`: query the store and render rows (text table, or JSON lines with `--json`). */
export async function readAudit(store: TaskStore, workspace: string, options: AuditOptions): Promise<string> {
  const rows = await store.audit.query(auditQuery(workspace, options));
  return options.json ? rows.map((r) => `${JSON.stringify(r)}\n`).join('') : formatAudit(rows);
}
