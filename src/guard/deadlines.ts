/**
 * The deadlines of the calls in flight, on one timer instead of one per call.
 *
 * A call registers its deadline (`add`: ms from now) and its expiry callback, and removes it when it settles
 * (the returned function). One unref'd timer is armed for the earliest deadline registered; when it fires it
 * expires every call due, then re-arms for the next one, or stays idle when none is left. A call that settles
 * costs a `Set` insert and delete: no Node timer is created and cleared per call. Node drops a timer list once it
 * is empty and rebuilds it (and its priority-queue entry) for the next timer of that duration, which with one
 * call at a time (stdio) was the case on every call.
 *
 * Deadlines use the monotonic clock (`performance.now()`, ms), so a wall-clock step neither fires nor delays one.
 * An expiry callback must not throw.
 */
export class Deadlines {
  readonly #pending = new Set<Deadline>();
  #timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires (monotonic ms); `Infinity` when none is armed. */
  #armedFor = Number.POSITIVE_INFINITY;

  /** Call `expire` `ms` from now unless the returned function is called first (then never). */
  add(ms: number, expire: () => void): () => void {
    const deadline: Deadline = { at: performance.now() + ms, expire };
    this.#pending.add(deadline);
    if (deadline.at < this.#armedFor) this.#arm(deadline.at);
    return () => {
      this.#pending.delete(deadline);
    };
  }

  /** Deadlines registered and not yet expired or removed (for tests). */
  get size(): number {
    return this.#pending.size;
  }

  #arm(at: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#armedFor = at;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, at - performance.now()));
    this.#timer.unref();
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    // A timer may fire up to ~1 ms before the monotonic clock reaches its mark: those are due too.
    const now = performance.now() + 1;
    let next = Number.POSITIVE_INFINITY;
    const due: Deadline[] = [];
    for (const deadline of this.#pending) {
      if (deadline.at <= now) due.push(deadline);
      else if (deadline.at < next) next = deadline.at;
    }
    for (const deadline of due) this.#pending.delete(deadline);
    if (next < Number.POSITIVE_INFINITY) this.#arm(next);
    for (const deadline of due) deadline.expire();
  }
}

interface Deadline {
  /** Monotonic ms (`performance.now()`). */
  at: number;
  expire: () => void;
}
