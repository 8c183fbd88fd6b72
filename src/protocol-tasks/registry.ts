import { randomBytes } from 'node:crypto';
import { type OperationStatus, type TaskEnvelope, TERMINAL, type WireError } from './wire.js';

/**
 * The registry of async operations (protocol tasks, `io.modelcontextprotocol/tasks`),
 * kept in the long-lived app so an operation outlives the per-request server
 * instances of the 2026 stateless model. Operations are per process: behind
 * several replicas, polls must reach the replica that created the operation
 * (README "Guardrails").
 *
 * Isolation: every operation belongs to one owner (workspace + principal).
 * Ids are 128 random bits; looking up another owner's id behaves exactly like
 * an unknown id. Bounds: at most `maxPerOwner` running operations per owner
 * and `KEPT_FACTOR` times as many in all; an operation (and its result) is
 * dropped `ttlMs` after creation, and one still running then is aborted first.
 */

export interface OperationOptions {
  /** Lifetime of an operation from creation (ms); its result is dropped afterwards. */
  ttlMs: number;
  /**
   * Operations one owner may have running (`working` / `input_required`) at once; creating more fails
   * with {@link OperationLimit}. Finished ones are kept until their TTL, at most `KEPT_FACTOR` times this
   * many (the oldest finished ones are dropped first).
   */
  maxPerOwner: number;
  /** Suggested polling interval returned to clients (ms). */
  pollIntervalMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/** What a finished run reports: a tool result (also for tool errors), or a protocol-level failure. */
export type Outcome = { result: Record<string, unknown> } | { error: WireError };

export class OperationLimit extends Error {}

/** Finished operations kept per owner, as a multiple of the running cap. */
export const KEPT_FACTOR = 4;

/** Thrown into a run waiting for input when the operation is cancelled. */
export class OperationCancelled extends Error {}

export interface Operation {
  readonly id: string;
  readonly owner: string;
  status: OperationStatus;
  statusMessage?: string;
  readonly createdAt: number;
  lastUpdatedAt: number;
  readonly expiresAt: number;
  result?: Record<string, unknown>;
  error?: WireError;
  /** Input requests still unanswered (`input_required`), keyed by server-minted ids. */
  pending: Map<string, unknown>;
  /** Aborted by `tasks/cancel`, expiry or shutdown; the run's signal. */
  readonly controller: AbortController;
  /** Set when a client asked to cancel: the outcome of the run decides the final status. */
  cancelRequested: boolean;
  answers: Record<string, unknown>;
  wake?: (answers: Record<string, unknown>) => void;
  fail?: (error: Error) => void;
}

export class AsyncOperations {
  private readonly ops = new Map<string, Operation>();
  private readonly ttlMs: number;
  private readonly maxPerOwner: number;
  readonly pollIntervalMs: number;
  private readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout;

  constructor(options: OperationOptions) {
    this.ttlMs = options.ttlMs;
    this.maxPerOwner = options.maxPerOwner;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.now = options.now ?? Date.now;
    this.sweeper = setInterval(() => this.sweep(), Math.min(30_000, Math.max(1000, this.ttlMs))).unref();
  }

  /** The owner key of a caller: operations are never shared across workspaces or principals. */
  static owner(workspace: string, principal: string): string {
    return `${workspace}\u0000${principal}`;
  }

  /**
   * Register a new `working` operation. It is visible to `get` before this returns (SEP-2663 durable create).
   * @throws OperationLimit when the owner already holds `maxPerOwner` live operations.
   */
  create(owner: string): Operation {
    this.sweep();
    const mine = [...this.ops.values()].filter((op) => op.owner === owner); // insertion order = oldest first
    const running = mine.filter((op) => !TERMINAL.has(op.status)).length;
    if (running >= this.maxPerOwner) throw new OperationLimit(`at most ${this.maxPerOwner} async operations per caller run at once; wait for one to finish`);
    // Finished operations are kept for their result, at most KEPT_FACTOR × the running cap: the oldest results go first.
    let excess = mine.length + 1 - this.maxPerOwner * KEPT_FACTOR;
    for (const op of mine) {
      if (excess <= 0) break;
      if (!TERMINAL.has(op.status)) continue;
      this.ops.delete(op.id);
      excess--;
    }
    const now = this.now();
    const op: Operation = {
      id: randomBytes(16).toString('base64url'),
      owner,
      status: 'working',
      createdAt: now,
      lastUpdatedAt: now,
      expiresAt: now + this.ttlMs,
      pending: new Map(),
      controller: new AbortController(),
      cancelRequested: false,
      answers: {},
    };
    this.ops.set(op.id, op);
    return op;
  }

  /** The owner's operation with this id, or undefined (unknown, expired, or another owner's). */
  get(owner: string, id: string): Operation | undefined {
    const op = this.ops.get(id);
    if (!op || op.owner !== owner) return undefined;
    if (this.now() >= op.expiresAt) {
      this.drop(op);
      return undefined;
    }
    return op;
  }

  /** Record a finished run. After a cancel request, an error outcome means `cancelled` (the work was rolled back). */
  settle(op: Operation, outcome: Outcome): void {
    if (TERMINAL.has(op.status)) return;
    op.pending.clear();
    if ('error' in outcome) {
      this.set(op, op.cancelRequested ? 'cancelled' : 'failed');
      if (!op.cancelRequested) op.error = outcome.error;
      return;
    }
    if (op.cancelRequested && outcome.result.isError === true) {
      this.set(op, 'cancelled');
      return;
    }
    op.result = outcome.result;
    this.set(op, 'completed');
  }

  /** Progress of a running operation, shown as its `statusMessage`. */
  progress(op: Operation, message: string): void {
    if (TERMINAL.has(op.status)) return;
    op.statusMessage = message;
    op.lastUpdatedAt = this.now();
  }

  /**
   * Park the run until every request is answered through {@link answer}
   * (status `input_required` meanwhile). Resolves with the answers by key.
   * @throws OperationCancelled when the operation is cancelled while waiting.
   */
  waitForInput(op: Operation, requests: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (op.controller.signal.aborted) return Promise.reject(new OperationCancelled('cancelled'));
    op.answers = {};
    op.pending = new Map(Object.entries(requests));
    this.set(op, 'input_required');
    return new Promise((resolve, reject) => {
      op.wake = resolve;
      op.fail = reject;
    });
  }

  /** Deliver input responses (`tasks/update`); unknown keys are ignored. The run resumes once none is pending. */
  answer(op: Operation, responses: Record<string, unknown>): void {
    if (op.status !== 'input_required') return;
    for (const [key, value] of Object.entries(responses)) {
      if (!op.pending.delete(key)) continue;
      op.answers[key] = value;
    }
    op.lastUpdatedAt = this.now();
    if (op.pending.size > 0) return;
    this.set(op, 'working');
    const wake = op.wake;
    op.wake = undefined;
    op.fail = undefined;
    wake?.(op.answers);
  }

  /** Ask a running operation to stop (`tasks/cancel`); terminal operations are left as they are. */
  cancel(op: Operation): void {
    if (TERMINAL.has(op.status)) return;
    op.cancelRequested = true;
    op.controller.abort();
    const fail = op.fail;
    op.wake = undefined;
    op.fail = undefined;
    fail?.(new OperationCancelled('cancelled'));
  }

  /** The wire `Task` fields of an operation. */
  envelope(op: Operation): TaskEnvelope {
    return {
      taskId: op.id,
      status: op.status,
      ...(op.statusMessage ? { statusMessage: op.statusMessage } : {}),
      createdAt: new Date(op.createdAt).toISOString(),
      lastUpdatedAt: new Date(op.lastUpdatedAt).toISOString(),
      ttlMs: op.expiresAt - op.createdAt,
      pollIntervalMs: this.pollIntervalMs,
    };
  }

  /** Live operations (all owners), for tests and metrics. */
  get size(): number {
    return this.ops.size;
  }

  /** Drop expired operations, aborting any still running. */
  sweep(): void {
    const now = this.now();
    for (const op of this.ops.values()) if (now >= op.expiresAt) this.drop(op);
  }

  /** Background runs not yet settled, so shutdown can wait for them. */
  private readonly runs = new Set<Promise<void>>();

  /** Keep `run` (an operation's background work) until it settles; {@link close} waits for it. */
  track(run: Promise<void>): void {
    this.runs.add(run);
    void run.finally(() => this.runs.delete(run));
  }

  /**
   * Shutdown: stop the sweeper, abort every running operation (an import in
   * flight rolls back), then wait up to `graceMs` (ms) for their runs to settle,
   * so their audit rows and rollbacks land before the store closes.
   */
  async close(graceMs = 5000): Promise<void> {
    clearInterval(this.sweeper);
    for (const op of this.ops.values()) this.drop(op);
    if (this.runs.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((done) => {
      timer = setTimeout(done, graceMs);
      timer.unref();
    });
    await Promise.race([Promise.allSettled([...this.runs]), grace]);
    clearTimeout(timer);
  }

  private drop(op: Operation): void {
    this.ops.delete(op.id);
    if (!TERMINAL.has(op.status)) this.cancel(op);
  }

  private set(op: Operation, status: OperationStatus): void {
    op.status = status;
    op.lastUpdatedAt = this.now();
  }
}
