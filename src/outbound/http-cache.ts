/**
 * A bounded in-memory cache for outbound GET responses, and how long a
 * response may be reused, from its own headers (RFC 9111 §4.2.1, as a shared
 * cache: `s-maxage` before `max-age` before `Expires`; `no-store`, `no-cache`
 * and `private` are never reused). Entries past their freshness are dropped on
 * read; past `maxEntries` or `maxBytes` the least recently used go first.
 */

/** Freshness lifetime in ms of a response with these headers, received at `now` (ms since the epoch); 0 = do not reuse. */
export function freshnessMs(headers: Record<string, string | string[] | undefined>, now = Date.now()): number {
  const header = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v.join(', ') : v;
  };
  const directives = new Map<string, string | undefined>();
  for (const part of (header('cache-control') ?? '').split(',')) {
    const [name, value] = part.trim().toLowerCase().split('=', 2);
    if (name) directives.set(name, value?.replace(/^"|"$/g, ''));
  }
  if (directives.has('no-store') || directives.has('no-cache') || directives.has('private')) return 0;
  for (const name of ['s-maxage', 'max-age']) {
    const value = directives.get(name);
    if (value !== undefined && /^\d+$/.test(value)) return Number(value) * 1000;
  }
  const expires = header('expires');
  if (expires) {
    const at = Date.parse(expires);
    const date = Date.parse(header('date') ?? '');
    // Expires is relative to the origin's clock (its Date header) when it sent one.
    if (!Number.isNaN(at)) return Math.max(0, at - (Number.isNaN(date) ? now : date));
  }
  return 0;
}

interface Entry<V> {
  value: V;
  bytes: number;
  expiresAt: number;
}

/** Cache size limits. */
export interface CacheLimits {
  /** Most entries kept (default 500). */
  maxEntries?: number;
  /** Most bytes of values kept, as the caller measures them (default 8 MiB). */
  maxBytes?: number;
  /** Longest reuse in ms whatever the headers say (default 1 h). */
  maxTtlMs?: number;
}

/** LRU-bounded TTL cache; `now` is injectable for tests. */
export class TtlCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private bytes = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly maxTtlMs: number;
  /** Reads answered from the cache, and reads that were not. */
  readonly stats = { hits: 0, misses: 0 };

  constructor(
    limits: CacheLimits = {},
    private readonly now: () => number = Date.now,
  ) {
    this.maxEntries = limits.maxEntries ?? 500;
    this.maxBytes = limits.maxBytes ?? 8 * 1024 * 1024;
    this.maxTtlMs = limits.maxTtlMs ?? 3_600_000;
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > this.now()) {
      this.entries.delete(key); // re-insert: most recently used last
      this.entries.set(key, entry);
      this.stats.hits++;
      return entry.value;
    }
    if (entry) this.drop(key, entry);
    this.stats.misses++;
    return undefined;
  }

  /** Keep `value` for `ttlMs` (capped at maxTtlMs); a zero TTL or a value over maxBytes is not kept. */
  set(key: string, value: V, bytes: number, ttlMs: number): void {
    const old = this.entries.get(key);
    if (old) this.drop(key, old);
    const ttl = Math.min(ttlMs, this.maxTtlMs);
    if (ttl <= 0 || bytes > this.maxBytes) return;
    this.entries.set(key, { value, bytes, expiresAt: this.now() + ttl });
    this.bytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.drop(oldest, entry);
    }
  }

  /** Time in ms until `key` goes stale (0 when absent or stale). */
  remainingMs(key: string): number {
    const entry = this.entries.get(key);
    return entry ? Math.max(0, entry.expiresAt - this.now()) : 0;
  }

  get size(): number {
    return this.entries.size;
  }

  get sizeBytes(): number {
    return this.bytes;
  }

  private drop(key: string, entry: Entry<V>): void {
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }
}
