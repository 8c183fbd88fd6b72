/**
 * What a domain service needs to know about a call's cancellation: whether it
 * is aborted, and why. An `AbortSignal` is one; so is a {@link CallAbort}.
 */
export interface AbortState {
  readonly aborted: boolean;
  readonly reason?: unknown;
}

/**
 * One call's cancellation: the client's signal (`notifications/cancelled`,
 * server shutdown) OR the call's deadline (`expire`, from the timeout
 * middleware). `aborted` and `reason` are read live from both, so checking
 * them costs no `AbortController`; an `AbortSignal` is made only when a
 * handler asks for one ({@link CallAbort.signal}: for undici, timers), which
 * most calls (SQLite reads and writes) never do. A per-call `AbortController`
 * and its listener on the client's signal were ~15 µs of a stdio `get_task`
 * (bench/profile.mjs, issue 17).
 */
export class CallAbort implements AbortState {
  readonly #client: AbortSignal;
  #expired: { reason: unknown } | undefined;
  #controller: AbortController | undefined;
  #forward: (() => void) | undefined;

  constructor(client: AbortSignal) {
    this.#client = client;
  }

  get aborted(): boolean {
    return this.#expired !== undefined || this.#client.aborted;
  }

  /** The deadline's reason once expired, else the client's (`undefined` while neither aborted). */
  get reason(): unknown {
    return this.#expired ? this.#expired.reason : this.#client.reason;
  }

  /** An `AbortSignal` aborted with {@link reason} by whichever comes first; made on first use, the same one after. */
  get signal(): AbortSignal {
    if (this.#controller) return this.#controller.signal;
    const controller = new AbortController();
    this.#controller = controller;
    if (this.aborted) controller.abort(this.reason);
    else {
      const client = this.#client;
      this.#forward = () => controller.abort(client.reason);
      client.addEventListener('abort', this.#forward, { once: true });
    }
    return controller.signal;
  }

  /** The deadline passed: abort with `reason` (first abort wins; a client that cancelled earlier keeps its reason). */
  expire(reason: unknown): void {
    if (this.aborted) return;
    this.#expired = { reason };
    this.#controller?.abort(reason);
  }

  /** The call settled: stop listening to the client's signal. */
  dispose(): void {
    if (this.#forward) this.#client.removeEventListener('abort', this.#forward);
    this.#forward = undefined;
  }
}
