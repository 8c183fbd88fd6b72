/**
 * The closed list of machine-readable error codes a tool result can carry, and
 * the one error type domain code throws. A tool failure reaches the client as
 * an `isError: true` result (MCP spec, server/tools "Error Handling") whose
 * text block is the JSON body `{"error": ToolErrorBody}`.
 */

/** Every code Taskwire returns, with whether a retry of the same call can succeed and what it means. */
export const ERROR_CODES = {
  invalid_input: {
    retryable: false,
    doc: 'An argument is missing, malformed or out of range; `fields` names each one and how to fix it.',
  },
  not_found: { retryable: false, doc: 'No task (or comment) with that id in this workspace.' },
  version_conflict: {
    retryable: false,
    doc: '`expected_version` is stale: someone changed the task first. `current` holds the task as it is now; re-read, re-apply, retry.',
  },
  lease_conflict: {
    retryable: false,
    doc: 'Someone else holds a live lease on the task (claim_task). `current` names the holder and `expires_at`. Comment instead (add_comment), wait for the lease to end, or take another task; an admin may pass force: true.',
  },
  dependency_cycle: {
    retryable: false,
    doc: 'The dependency (or parent) would make a task wait on itself; `hint` shows the cycle.',
  },
  idempotency_conflict: {
    retryable: false,
    doc: 'The `idempotency_key` was already used with different arguments. Use a new key for a new request.',
  },
  rate_limited: {
    retryable: true,
    doc: "Too many calls: this principal's read or write budget is spent, or the server is at capacity. Retry after `retryAfterMs`.",
  },
  timeout: { retryable: true, doc: 'The call ran past its time limit and was cancelled; a write was rolled back. Narrow the request or retry.' },
  cancelled: { retryable: false, doc: 'The client cancelled the call; a write was rolled back, nothing was written.' },
  unavailable: { retryable: true, doc: 'The database is busy or unreachable. Retry after `retryAfterMs`.' },
  upstream_unavailable: {
    retryable: true,
    doc: 'An outside service a tool depends on is failing or refusing; nothing of its answer is passed on. Retry after `retryAfterMs` when given.',
  },
  upstream_timeout: { retryable: true, doc: 'An outside service a tool depends on did not answer in time. Retry later.' },
  internal: { retryable: true, doc: 'An unexpected server error; details are in the server log, never in the result.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** One field-level problem: the argument's path (`tasks[2].due_date`) and what to do about it. */
export interface FieldError {
  field: string;
  message: string;
}

/** The JSON body of a tool error result. */
export interface ToolErrorBody {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  retryAfterMs?: number;
  hint?: string;
  fields?: FieldError[];
  /** For `version_conflict`: the record as it is now, so the caller can re-apply without another read. */
  current?: unknown;
}

/** Thrown by domain code for any failure the caller can act on. */
export class ToolError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly fields?: FieldError[];
  readonly current?: unknown;
  readonly retryAfterMs?: number;

  constructor(code: ErrorCode, message: string, extra: { hint?: string; fields?: FieldError[]; current?: unknown; retryAfterMs?: number } = {}) {
    super(message);
    this.name = 'ToolError';
    this.code = code;
    this.hint = extra.hint;
    this.fields = extra.fields;
    this.current = extra.current;
    this.retryAfterMs = extra.retryAfterMs;
  }

  toBody(): ToolErrorBody {
    const body: ToolErrorBody = { code: this.code, message: this.message, retryable: ERROR_CODES[this.code].retryable };
    if (this.retryAfterMs !== undefined) body.retryAfterMs = this.retryAfterMs;
    if (this.hint !== undefined) body.hint = this.hint;
    if (this.fields !== undefined) body.fields = this.fields;
    if (this.current !== undefined) body.current = this.current;
    return body;
  }
}

/** Thrown by a resource read for a URI that names nothing; registration turns it into the spec's resource-not-found error. */
export class ResourceMiss extends Error {
  constructor(readonly uri: string) {
    super(`Resource not found: ${uri}`);
    this.name = 'ResourceMiss';
  }
}
