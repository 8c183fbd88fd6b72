/** The audit trail's records and port. */

/**
 * One tool call in the audit trail. `time` is the call's start (ISO-8601 UTC,
 * ms precision); `args` is the JSON of the arguments for writes (tools not
 * annotated read-only), null for reads, whose arguments only leave their hash.
 */
export interface AuditRecord {
  time: string;
  workspace: string;
  principal: string;
  client_name: string | null;
  client_version: string | null;
  tool: string;
  /** SHA-256 (hex) of the arguments' canonical JSON (keys sorted). */
  args_hash: string;
  args: string | null;
  /** `ok` or the structured error code (`not_found`, `rate_limited`, ...). */
  outcome: string;
  duration_ms: number;
  /** W3C trace id of the call's span when traced. */
  trace_id: string | null;
  /** JSON-RPC request id, as a string. */
  request_id: string | null;
}

/** Filters of {@link AuditLog.query}; newest rows first. */
export interface AuditQuery {
  workspace: string;
  /** Inclusive lower bound on `time` (ISO-8601). */
  since?: string;
  principal?: string;
  tool?: string;
  limit: number;
}

/**
 * The audit trail's storage: append-only rows, read per workspace, pruned by age.
 * Independent of task transactions (an audit write never joins or blocks on a
 * task write's outcome). Errors: {@link StoreError} as for the rest of the store.
 */
export interface AuditLog {
  /** Insert rows (any workspaces) in one transaction. */
  append(rows: readonly AuditRecord[]): Promise<void>;
  query(q: AuditQuery): Promise<AuditRecord[]>;
  /** Delete rows of every workspace with `time` before `before` (ISO-8601); returns how many. */
  prune(before: string): Promise<number>;
}
