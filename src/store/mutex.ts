/**
 * A FIFO async mutex: `run(fn)` starts `fn` only after every earlier `run` settled.
 * Used to keep one SQLite connection's transactions from interleaving at `await` points.
 */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
