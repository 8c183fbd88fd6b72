import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Budgets, openBudgets } from '../../src/guard/limiters.js';

/**
 * The shared rate-limit stores against the real engines: two `Budgets`
 * opened on the same store stand for two replicas and must share one budget
 * per key. Needs Redis at TASKWIRE_TEST_REDIS_URL (default redis://127.0.0.1:6379) and
 * PostgreSQL at TASKWIRE_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test);
 * fails clearly when either is absent.
 */
const REDIS_URL = process.env.TASKWIRE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PG_URL = process.env.TASKWIRE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const perMinute = { read: 5, write: 2, http: 0 };

async function sharedBudget(open: () => Promise<Budgets>): Promise<void> {
  const replicaA = await open();
  const replicaB = await open();
  try {
    const outcomes: Array<number | null> = [];
    for (let i = 0; i < 4; i++) {
      outcomes.push(await replicaA.take('read', 'mallory'));
      outcomes.push(await replicaB.take('read', 'mallory'));
    }
    expect(outcomes.filter((o) => o === null)).toHaveLength(5);
    const waits = outcomes.filter((o): o is number => o !== null);
    expect(waits).toHaveLength(3);
    for (const w of waits) expect(w).toBeGreaterThan(0);
    for (const w of waits) expect(w).toBeLessThanOrEqual(60_000);
    // another key and the write budget are separate
    expect(await replicaB.take('read', 'alice')).toBeNull();
    expect(await replicaA.take('write', 'mallory')).toBeNull();
    expect(await replicaB.take('write', 'mallory')).toBeNull();
    expect(await replicaA.take('write', 'mallory')).toBeGreaterThan(0);
    // 0 = unlimited
    for (let i = 0; i < 20; i++) expect(await replicaA.take('http', 'x')).toBeNull();
  } finally {
    await replicaA.close();
    await replicaB.close();
  }
}

describe('rate-limit budgets', () => {
  it('memory: per key, per kind', async () => {
    const budgets = await openBudgets({ perMinute, store: 'memory' });
    const got = [];
    for (let i = 0; i < 7; i++) got.push(await budgets.take('read', 'k'));
    expect(got.slice(0, 5)).toEqual([null, null, null, null, null]);
    expect(got[5]).toBeGreaterThan(0);
    expect(await budgets.take('read', 'other')).toBeNull();
    await budgets.close();
  });

  describe('redis', () => {
    const prefix = `taskwire-test-${randomUUID()}`;
    beforeAll(async () => {
      const probe = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0 });
      try {
        await probe.connect();
        await probe.ping();
      } catch (error) {
        throw new Error(`Redis is required for this test at ${REDIS_URL}: ${(error as Error).message}`);
      } finally {
        probe.disconnect();
      }
    });
    afterAll(async () => {
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    });

    it('two replicas share one budget per key', async () => {
      await sharedBudget(() => openBudgets({ perMinute, store: 'redis', redisUrl: REDIS_URL, prefix }));
    });

    it('refuses to start without a reachable Redis', async () => {
      await expect(openBudgets({ perMinute, store: 'redis', redisUrl: 'redis://127.0.0.1:1' })).rejects.toThrow(/not reachable/);
      await expect(openBudgets({ perMinute, store: 'redis' })).rejects.toThrow(/needs --redis-url/);
    });
  });

  describe('postgres', () => {
    const schema = `rl_test_${randomUUID().replace(/-/g, '')}`;
    beforeAll(async () => {
      const client = new pg.Client({ connectionString: PG_URL });
      try {
        await client.connect();
      } catch (error) {
        throw new Error(`PostgreSQL is required for this test at ${PG_URL}: ${(error as Error).message}`);
      } finally {
        await client.end().catch(() => {});
      }
    });
    afterAll(async () => {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    });

    it('two replicas share one budget per key', async () => {
      await sharedBudget(() => openBudgets({ perMinute, store: 'postgres', databaseUrl: PG_URL, pgSchema: schema }));
    });
  });
});
