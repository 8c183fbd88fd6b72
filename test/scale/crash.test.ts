import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/sqlite/driver.js';
import { startHttp } from '../e2e/cli-process.js';
import { tempDir } from '../harness.js';
import { dropSchema, freshSchema, PG_SKIP, PG_URL, requirePostgres } from './cluster.js';
import { check, crashCycle, History, type Stored } from './jepsen.js';

/**
 * Crash durability, Jepsen-style: the built CLI serving HTTP is SIGKILLed at
 * random moments while four clients write (two-task batches, every 8th one
 * invalid in its second task); afterwards every acknowledged write is stored
 * (under the ids it was acknowledged with), no failed write is (nor any part of
 * an invalid batch), no logical write is stored twice or half, and the
 * database checks out (SQLite `integrity_check`, `foreign_key_check`).
 * Cycles: TASKWIRE_CRASH_CYCLES_SQLITE (default 50), TASKWIRE_CRASH_CYCLES_PG (default 20).
 */
const SQLITE_CYCLES = Number(process.env.TASKWIRE_CRASH_CYCLES_SQLITE ?? 50);
const PG_CYCLES = Number(process.env.TASKWIRE_CRASH_CYCLES_PG ?? 20);
/** 40-260 ms after the client connected: spread over the whole write path. */
const killDelay = () => 40 + Math.floor(Math.random() * 220);

function summary(history: History): string {
  return `ok ${history.count('ok')}, failed ${history.count('failed')}, unknown ${history.count('unknown')}`;
}

describe('crash durability', () => {
  it(`SQLite: ${SQLITE_CYCLES} SIGKILL cycles lose no acknowledged write and never duplicate one`, async () => {
    const tmp = tempDir('taskwire-crash-');
    const db = join(tmp.dir, 'crash.db');
    const history = new History();
    try {
      for (let cycle = 0; cycle < SQLITE_CYCLES; cycle++) {
        await crashCycle(() => startHttp(tmp.dir, ['--db', db], { TASKWIRE_LOG_LEVEL: 'silent' }), history, `s${cycle}`, killDelay());
      }
      const conn = openDatabase(db);
      try {
        expect(conn.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(conn.pragma('foreign_key_check')).toEqual([]);
        const stored: Stored = new Map();
        for (const row of conn.prepare('SELECT title, id FROM tasks ORDER BY id').all() as Array<{ title: string; id: number }>) {
          stored.set(row.title, [...(stored.get(row.title) ?? []), row.id]);
        }
        expect(check(history, stored)).toEqual([]);
      } finally {
        conn.close();
      }
      console.info(`SQLite crash test: ${SQLITE_CYCLES} cycles, ${summary(history)}`);
      // A run where nothing was ever acknowledged, or nothing was ever in flight, proves nothing.
      expect(history.count('ok')).toBeGreaterThanOrEqual(SQLITE_CYCLES);
      expect([...history.writes.values()].some((w) => w.attempts > 1)).toBe(true);
      expect(history.count('failed')).toBeGreaterThan(0);
    } finally {
      tmp.cleanup();
    }
  }, 240_000);

  it.skipIf(PG_SKIP)(
    `PostgreSQL: ${PG_CYCLES} SIGKILL cycles lose no acknowledged write and never duplicate one`,
    async () => {
      await requirePostgres();
      const tmp = tempDir('taskwire-crash-pg-');
      const schema = freshSchema('tw_crash');
      const history = new History();
      const admin = new pg.Client({ connectionString: PG_URL });
      try {
        for (let cycle = 0; cycle < PG_CYCLES; cycle++) {
          await crashCycle(
            () => startHttp(tmp.dir, ['--database-url', PG_URL, '--database-schema', schema], { TASKWIRE_LOG_LEVEL: 'silent' }),
            history,
            `p${cycle}`,
            killDelay(),
          );
        }
        await admin.connect();
        const stored: Stored = new Map();
        const rows = await admin.query<{ title: string; id: number }>(`SELECT title, id FROM "${schema}".tasks ORDER BY id`);
        for (const row of rows.rows) stored.set(row.title, [...(stored.get(row.title) ?? []), row.id]);
        expect(check(history, stored)).toEqual([]);
        // ids handed out are unique per workspace and every edge points at a stored task
        const orphans = await admin.query(
          `SELECT 1 FROM "${schema}".task_labels l LEFT JOIN "${schema}".tasks t ON t.workspace = l.workspace AND t.id = l.task_id WHERE t.id IS NULL`,
        );
        expect(orphans.rowCount).toBe(0);
        console.info(`PostgreSQL crash test: ${PG_CYCLES} cycles, ${summary(history)}`);
        expect(history.count('ok')).toBeGreaterThanOrEqual(PG_CYCLES);
      } finally {
        await admin.end().catch(() => undefined);
        await dropSchema(schema);
        tmp.cleanup();
      }
    },
    240_000,
  );
});
