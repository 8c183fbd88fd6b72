import { StoreError } from './store-error.js';

/** Runs one store call: refused once the store is closed, engine errors translated (see {@link storeGuard}). */
export type Guard = <T>(fn: () => Promise<T>) => Promise<T>;

/**
 * The closed-store check and error translation every engine puts around each public call (read, write, prune,
 * ping, API keys, audit): `run(fn)` rejects with `StoreError('unavailable', 'the store is closed')` after `close()`,
 * else runs `fn` and rethrows what it throws through `translate` (the engine's driver-error → {@link StoreError} map).
 * `close()` answers whether this call closed it (false when it already was), so an engine's close runs once.
 */
export function storeGuard(translate: (error: unknown) => unknown): { run: Guard; close(): boolean } {
  let closed = false;
  return {
    run: <T>(fn: () => Promise<T>): Promise<T> => {
      if (closed) return Promise.reject(new StoreError('unavailable', 'the store is closed'));
      return fn().catch((error: unknown) => {
        throw translate(error);
      });
    },
    close: () => {
      if (closed) return false;
      closed = true;
      return true;
    },
  };
}
