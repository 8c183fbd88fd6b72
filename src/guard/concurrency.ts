/**
 * A global cap on tool calls running at once, with backpressure: a call over
 * the cap waits in FIFO order up to `waitMs`, then is refused. Each principal
 * may hold at most `perPrincipal` slots, running or waiting, so one agent's
 * flood cannot occupy the whole queue while others wait behind it.
 */
export class ConcurrencyGate {
  private running = 0;
  private readonly queue: Array<{ grant: () => void }> = [];
  private readonly held = new Map<string, number>();

  constructor(
    private readonly max: number,
    private readonly perPrincipal: number,
    private readonly waitMs: number,
  ) {}

  /** Calls running now and waiting now (for tests and metrics). */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.queue.length };
  }

  /**
   * A slot for `principal` now, without waiting: the release function (call exactly once), `{ retryAfterMs }` when
   * the principal holds its share already, or `undefined` when every slot is taken (then {@link acquire} queues).
   * Synchronous, so an admitted call costs no promise.
   */
  tryAcquire(principal: string): (() => void) | { retryAfterMs: number } | undefined {
    const mine = this.held.get(principal) ?? 0;
    if (mine >= this.perPrincipal) return { retryAfterMs: 250 };
    if (this.running >= this.max) return undefined;
    this.held.set(principal, mine + 1);
    this.running++;
    return this.releaser(principal);
  }

  /**
   * Get a slot for `principal`, waiting in the queue (up to `waitMs`, or until `signal` aborts) when all are taken.
   * @returns a release function (call exactly once), or `{ retryAfterMs }` when refused.
   */
  async acquire(principal: string, signal?: AbortSignal): Promise<(() => void) | { retryAfterMs: number }> {
    const now = this.tryAcquire(principal);
    if (now !== undefined) return now;
    this.held.set(principal, (this.held.get(principal) ?? 0) + 1);
    const release = this.releaser(principal);
    return new Promise((resolve) => {
      const entry = {
        grant: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', giveUp);
          resolve(release); // the releasing call hands its slot over: `running` stays the same
        },
      };
      const giveUp = () => {
        const at = this.queue.indexOf(entry);
        if (at < 0) return;
        this.queue.splice(at, 1);
        clearTimeout(timer);
        const left = (this.held.get(principal) ?? 1) - 1;
        if (left === 0) this.held.delete(principal);
        else this.held.set(principal, left);
        resolve({ retryAfterMs: Math.max(100, Math.min(this.waitMs, 1000)) });
      };
      const timer = setTimeout(giveUp, this.waitMs);
      signal?.addEventListener('abort', giveUp, { once: true });
      this.queue.push(entry);
    });
  }

  /** The release of one slot `principal` holds: hands it to the first waiter, else frees it. */
  private releaser(principal: string): () => void {
    return once(() => {
      const left = (this.held.get(principal) ?? 1) - 1;
      if (left === 0) this.held.delete(principal);
      else this.held.set(principal, left);
      const next = this.queue.shift();
      if (next) next.grant();
      else this.running--;
    });
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
