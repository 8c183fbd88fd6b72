/**
 * Fair request starts for one HTTP server (issue 13 item 6, "the new-connection stall").
 *
 * Why: libuv (>= 1.45, Node >= 20) accepts at most one new connection per
 * event-loop iteration (libuv/libuv#3696). Under a flood, every iteration
 * also runs the synchronous work of the requests that became readable in it
 * (a SQLite query, serialization), so connections are accepted only as fast
 * as requests complete. A flood that opens a connection per request keeps the
 * kernel's accept queue full (64 flooders: 63 queued, seen with `ss -lt`), and
 * a quiet principal's new connection waits behind all of them, first in, first
 * out, blind to who is who: 1-4 s, while its requests on an open connection
 * take milliseconds.
 *
 * What: a request takes a turn right after authentication, before any work or
 * refusal (so refusals are paced too and a flood cannot churn connections
 * faster than it is answered). Turns are granted
 * one at a time: first to a quiet principal (one request waiting, not served
 * last), else round robin across the backlogged ones, so a flood queues
 * behind itself, not in front of others. Between two grants the loop runs at
 * least one iteration; before serving a backlog it keeps running iterations
 * while each one accepted a connection (up to {@link MAX_IDLE_HOPS}), so the
 * kernel's accept queue drains into this one, where the caller is known.
 * Those iterations are cheap (parsing, authentication, cheap refusals). A
 * request starts at once while nothing is pacing (an idle server adds no
 * latency), or when its principal has nothing waiting and was not served last
 * (a quiet caller does not wait for the pacing). A turn is only the start; work after
 * an `await` (PostgreSQL, streams) runs concurrently as before, and nothing is
 * released at the end.
 */
/** Most loop iterations a grant waits for the accept queue to drain (each accepts one connection). */
export const MAX_IDLE_HOPS = 64;

export class FairTurns {
  /** Waiting starts per principal, in round-robin order (a served principal moves to the back). */
  private readonly queues = new Map<string, Array<() => void>>();
  /** A turn was granted and the next grant is scheduled. */
  private pacing = false;
  private queued = 0;
  /** Connections accepted since the last hop, and hops made since the last grant. */
  private accepted = 0;
  private idleHops = 0;
  /** The principal granted last. */
  private last: string | undefined;

  /** Call on every accepted connection (`server.on('connection')`). */
  noteConnection(): void {
    this.accepted++;
  }

  /**
   * Resolves when `principal` may start its request: at once when nothing is pacing or when
   * it has nothing else waiting, else on its turn.
   */
  take(principal: string): Promise<void> {
    if (!this.pacing) {
      this.pacing = true;
      this.last = principal;
      this.scheduleNext();
      return Promise.resolve();
    }
    // A principal with nothing waiting that was not served last is not the backlog: it starts now.
    if (!this.queues.has(principal) && principal !== this.last) {
      this.last = principal;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const queue = this.queues.get(principal);
      if (queue) queue.push(resolve);
      else this.queues.set(principal, [resolve]);
      this.queued++;
    });
  }

  /** Requests waiting for a turn now. */
  get waiting(): number {
    return this.queued;
  }

  /**
   * A principal with a single waiting request that was not the last one served: a quiet caller,
   * served before any backlog (and without waiting for the accept queue to drain).
   */
  private lightPrincipal(): string | undefined {
    for (const [principal, queue] of this.queues) if (queue.length === 1 && principal !== this.last) return principal;
    return undefined;
  }

  /**
   * Two `setImmediate` hops: the first runs in this iteration's check phase
   * (or the next one's), the second one iteration later, so at least one poll
   * phase (one accept) separates consecutive grants.
   */
  private scheduleNext(): void {
    this.accepted = 0;
    this.idleHops = 0;
    setImmediate(() => setImmediate(() => this.grant()));
  }

  private grant(): void {
    const light = this.lightPrincipal();
    if (light === undefined && this.accepted > 0 && this.idleHops < MAX_IDLE_HOPS) {
      // Only backlogged principals wait, and the last iteration accepted a connection: more may be
      // queued in the kernel, perhaps someone else's. One more iteration (one more accept) first.
      this.accepted = 0;
      this.idleHops++;
      setImmediate(() => this.grant());
      return;
    }
    const principal = light ?? this.queues.keys().next().value;
    if (principal === undefined) {
      this.pacing = false;
      return;
    }
    const queue = this.queues.get(principal) as Array<() => void>;
    this.last = principal;
    const start = queue.shift() as () => void;
    this.queues.delete(principal);
    if (queue.length > 0) this.queues.set(principal, queue);
    this.queued--;
    this.scheduleNext();
    start();
  }
}
