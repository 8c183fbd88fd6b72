import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openBudgets } from '../../src/guard/limiters.js';
import { type App, createApp } from '../../src/server/app.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { TOOLSETS } from '../../src/toolsets/index.js';
import { call, connect, tempDir, testConfig } from '../harness.js';

/**
 * Two apps (two replicas, each with its own SQLite file) configured with the
 * same shared rate-limit store: one principal's budget is spent across both.
 * Real Redis and PostgreSQL (see limiters.test.ts for addresses).
 */
const REDIS_URL = process.env.TASKWIRE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PG_URL = process.env.TASKWIRE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Rounds of the table-creation race (each a fresh schema): without the lock, 30 rounds failed in 2 of 3 runs here. */
const RACE_ROUNDS = 30;

async function replicas(overrides: Record<string, string>, guard: { prefix?: string; pgSchema?: string }): Promise<{ apps: App[]; close: () => Promise<void> }> {
  const dirs = [tempDir(), tempDir()];
  const apps = dirs.map((d) =>
    createApp(TOOLSETS, testConfig({ 'rate-limit-reads': '4', 'loop-threshold': '0', ...overrides }, d.dir), silentLogger, undefined, 'tester', guard),
  );
  return {
    apps,
    close: async () => {
      for (const app of apps) await app.close();
      for (const d of dirs) d.cleanup();
    },
  };
}

async function spendAcross(apps: App[]): Promise<string[]> {
  const clients = await Promise.all(apps.map((app) => connect(app, 'legacy', 'agent', 'mallory')));
  try {
    const codes: string[] = [];
    for (let i = 0; i < 4; i++) {
      for (const c of clients) {
        const r = await call(c.client, 'get_task_stats');
        codes.push(r.isError ? r.error.code : 'ok');
      }
    }
    return codes;
  } finally {
    for (const c of clients) await c.close();
  }
}

describe('rate limits shared by replicas', () => {
  const prefix = `taskwire-test-${randomUUID()}`;
  const schema = `rl_replicas_${randomUUID().replace(/-/g, '')}`;
  afterAll(async () => {
    const redis = new Redis(REDIS_URL, { lazyConnect: true });
    await redis.connect().catch(() => {});
    const keys = await redis.keys(`${prefix}*`).catch(() => [] as string[]);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    for (const name of [schema, ...Array.from({ length: RACE_ROUNDS }, (_, round) => `${schema}_race${round}`)])
      await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    await client.end();
  });

  it('Redis (--redis-url): 4 reads per minute in all, whichever replica serves them', async () => {
    const { apps, close } = await replicas({ 'redis-url': REDIS_URL }, { prefix });
    try {
      for (const app of apps) expect(await app.guard.ready).toBe('redis');
      const codes = await spendAcross(apps);
      expect(codes.filter((c) => c === 'ok')).toHaveLength(4);
      expect(codes.filter((c) => c === 'rate_limited')).toHaveLength(4);
    } finally {
      await close();
    }
  });

  it('PostgreSQL (--rate-limit-store postgres --database-url)', async () => {
    const { apps, close } = await replicas({ 'rate-limit-store': 'postgres', 'database-url': PG_URL }, { pgSchema: schema });
    try {
      for (const app of apps) expect(await app.guard.ready).toBe('postgres');
      const codes = await spendAcross(apps);
      expect(codes.filter((c) => c === 'ok')).toHaveLength(4);
      expect(codes.filter((c) => c === 'rate_limited')).toHaveLength(4);
    } finally {
      await close();
    }
  });

  it('PostgreSQL: replicas starting together all get the shared table (no creation race falls back to per-process counters)', async () => {
    // Eight at once, on tables no one has made yet: CREATE TABLE IF NOT EXISTS racing without a lock fails some of
    // them (23505, 42P07, 42710), and a failed one would count in process memory alone.
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      for (let round = 0; round < RACE_ROUNDS; round++) {
        const raceSchema = `${schema}_race${round}`;
        await admin.query(`CREATE SCHEMA "${raceSchema}"`); // made already: only the table's creation races
        const opened = await Promise.allSettled(
          Array.from({ length: 8 }, () => openBudgets({ perMinute: { read: 4 }, store: 'postgres', databaseUrl: PG_URL, prefix: 'taskwire', pgSchema: raceSchema })),
        );
        try {
          expect(opened.map((o) => (o.status === 'fulfilled' ? o.value.store : `${(o.reason as { code?: string }).code}: ${(o.reason as Error).message}`))).toEqual(
            Array(8).fill('postgres'),
          );
        } finally {
          for (const o of opened) if (o.status === 'fulfilled') await o.value.close();
        }
      }
    } finally {
      await admin.end();
    }
  });

  it('falls back to per-process counters when the shared store is unreachable (calls still served and limited)', async () => {
    const { apps, close } = await replicas({ 'redis-url': 'redis://127.0.0.1:1' }, { prefix });
    try {
      for (const app of apps) expect(await app.guard.ready).toBe('memory');
      const codes = await spendAcross(apps);
      // each replica now counts on its own: 4 + 4 allowed
      expect(codes.every((c) => c === 'ok')).toBe(true);
      const c = await connect(apps[0] as App, 'legacy', 'agent', 'mallory');
      expect((await call(c.client, 'get_task_stats')).error?.code).toBe('rate_limited');
      await c.close();
    } finally {
      await close();
    }
  });
});
