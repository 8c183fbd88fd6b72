import { createRequire } from 'node:module';
import type { RateLimiterRes as LimiterRes, RateLimiterMemory as MemoryLimiter, RateLimiterAbstract } from 'rate-limiter-flexible';

// The package's index loads every store it supports (Mongo, DynamoDB, Prisma, ...), ~9 ms of start-up here:
// the memory limiter and its result type come from their own modules; Redis and PostgreSQL from the index, when configured.
const require = createRequire(import.meta.url);
const RateLimiterMemory = require('rate-limiter-flexible/lib/RateLimiterMemory.js') as typeof MemoryLimiter;
const RateLimiterRes = require('rate-limiter-flexible/lib/RateLimiterRes.js') as typeof LimiterRes;

/**
 * Per-key request budgets (token buckets of `points` per minute) built on
 * `rate-limiter-flexible`. Memory by default; Redis or PostgreSQL so replicas
 * share one budget per principal. A shared store that fails falls back to an
 * in-memory insurance limiter (the library's `insuranceLimiter`), so a Redis
 * or PostgreSQL outage degrades to per-process limits instead of refusing calls.
 */
export type BudgetKind = 'read' | 'write' | 'http' | 'http_unauthenticated';

export interface Budgets {
  /** The backend actually used. */
  readonly store: 'memory' | 'redis' | 'postgres';
  /**
   * Take one point from `kind`'s budget for `key`.
   * @returns `null` when allowed, else the milliseconds until a point frees up.
   */
  take(kind: BudgetKind, key: string): Promise<number | null>;
  close(): Promise<void>;
}

export interface BudgetOptions {
  /** Points per minute per key; 0 or absent = unlimited. */
  perMinute: Partial<Record<BudgetKind, number>>;
  store: 'memory' | 'redis' | 'postgres';
  redisUrl?: string;
  databaseUrl?: string;
  /** Key prefix (Redis) / table prefix (PostgreSQL): distinct per deployment or test. */
  prefix?: string;
  /** PostgreSQL schema holding the counter table (created if missing). */
  pgSchema?: string;
}

const WINDOW_S = 60;
/** First key of the advisory lock held while a rate-limit schema and table are created (second key 0): one at a time, per database. */
const RATE_LIMIT_DDL_LOCK = 0x74770003;

/**
 * Build the budgets. @throws Error when the chosen store lacks its URL, or
 * when the PostgreSQL counter table cannot be created.
 */
export async function openBudgets(options: BudgetOptions): Promise<Budgets> {
  const prefix = options.prefix ?? 'taskwire';
  const closers: Array<() => Promise<void>> = [];
  let make: (kind: BudgetKind, points: number) => Promise<RateLimiterAbstract>;
  const insurance = (kind: BudgetKind, points: number) => new RateLimiterMemory({ keyPrefix: `${prefix}:${kind}`, points, duration: WINDOW_S });

  if (options.store === 'redis') {
    if (!options.redisUrl) throw new Error('--rate-limit-store redis needs --redis-url (TASKWIRE_REDIS_URL)');
    // enableOfflineQueue off: a call never waits on a dead Redis; the insurance limiter answers instead.
    const { Redis } = await import('ioredis'); // loaded only when configured: a plain start never pays for it
    const redis = new Redis(options.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
    redis.on('error', () => {
      /* reconnects by itself; calls meanwhile use the insurance limiter */
    });
    closers.push(async () => {
      redis.disconnect();
    });
    // Commands are not queued while disconnected: wait (bounded) for the first connection.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Redis at ${redactUrl(options.redisUrl as string)} not reachable within 3 s`)), 3000);
      redis.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    }).catch((error: unknown) => {
      redis.disconnect();
      throw error;
    });
    const { RateLimiterRedis } = await import('rate-limiter-flexible');
    make = async (kind, points) =>
      new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${prefix}:${kind}`,
        points,
        duration: WINDOW_S,
        // Keys over budget are also blocked in process memory: a flood does not even reach Redis.
        inMemoryBlockOnConsumed: points + 1,
        inMemoryBlockDuration: 1,
        insuranceLimiter: insurance(kind, points),
      });
  } else if (options.store === 'postgres') {
    if (!options.databaseUrl) throw new Error('--rate-limit-store postgres needs --database-url (DATABASE_URL)');
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 4 });
    pool.on('error', () => {
      /* idle client lost; the pool replaces it */
    });
    closers.push(() => pool.end());
    const schemaName = options.pgSchema;
    const tableName = `${prefix.replace(/[^a-zA-Z0-9_]/g, '_')}_rate_limits`;
    const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
    const table = schemaName ? `${quote(schemaName)}.${quote(tableName)}` : quote(tableName);
    // Created here, once, instead of by each limiter, under a transaction-scoped advisory lock: replicas starting
    // together otherwise race on CREATE ... IF NOT EXISTS, and the loser gets an error (23505, 42P07, or 42710 for
    // the table's row type) instead of finding the table made, and falls back to per-process counters.
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1, 0)', [RATE_LIMIT_DDL_LOCK]);
      if (schemaName) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quote(schemaName)}`);
      // The layout rate-limiter-flexible's RateLimiterPostgres expects.
      await client.query(`CREATE TABLE IF NOT EXISTS ${table} (key varchar(255) PRIMARY KEY, points integer NOT NULL DEFAULT 0, expire bigint)`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    const { RateLimiterPostgres } = await import('rate-limiter-flexible');
    make = async (kind, points) =>
      new RateLimiterPostgres({
        storeClient: pool,
        storeType: 'pool',
        tableName,
        ...(schemaName ? { schemaName } : {}),
        tableCreated: true,
        keyPrefix: kind,
        points,
        duration: WINDOW_S,
        clearExpiredByTimeout: true,
        insuranceLimiter: insurance(kind, points),
      });
  } else {
    make = async (kind, points) => insurance(kind, points);
  }

  const limiters = new Map<BudgetKind, RateLimiterAbstract>();
  for (const kind of ['read', 'write', 'http', 'http_unauthenticated'] as const) {
    const points = options.perMinute[kind] ?? 0;
    if (points > 0) limiters.set(kind, await make(kind, points));
  }
  return {
    store: options.store,
    take: async (kind, key) => {
      const limiter = limiters.get(kind);
      if (!limiter) return null;
      try {
        await limiter.consume(key);
        return null;
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) return Math.max(1, Math.ceil(rejection.msBeforeNext));
        throw rejection; // store failure with no insurance: not reached, every store limiter has one
      }
    },
    close: async () => {
      for (const close of closers) await close();
    },
  };
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}
