import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { decimalPrefixRanges, openPostgresStore } from '../../src/store/postgres/postgres-store.js';
import { actor, newTask, now } from './fixtures.js';

/**
 * PostgreSQL search and completion past the store contract's sizes (issue 12): a word with more matches than the
 * ranked window (2,000, as on SQLite) ranks the newest 2,000 and lists the older ones after them, newest first, with
 * an exact total; id completion reads the id ranges of a decimal prefix. Same server and skip switch as
 * postgres.test.ts.
 */
const url = process.env.TASKWIRE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const skip = process.env.TASKWIRE_TEST_POSTGRES === 'skip';
const admin = new pg.Pool({ connectionString: url, max: 2 });

afterAll(async () => {
  await admin.end();
});

describe('decimalPrefixRanges', () => {
  it('lists the ascending id ranges whose decimal form starts with the prefix, and none for a prefix no id has', () => {
    expect(decimalPrefixRanges('42').slice(0, 3)).toEqual([
      [42, 42],
      [420, 429],
      [4200, 4299],
    ]);
    expect(decimalPrefixRanges('3').at(-1)).toEqual([300_000_000, 399_999_999]); // 3,000,000,000 is past the largest id
    expect(decimalPrefixRanges('2147483647')).toEqual([[2147483647, 2147483647]]);
    expect(decimalPrefixRanges('2147483648')).toEqual([]);
    expect(decimalPrefixRanges('')).toEqual([[1, 2 ** 31 - 1]]);
    for (const none of ['0', '07', 'x', '4%', '12345678901']) expect(decimalPrefixRanges(none)).toEqual([]);
  });
});

describe.skipIf(skip)('PostgreSQL search past the ranked window', () => {
  it('ranks the newest 2,000 matches by score, then lists older matches newest first; total counts them all', async () => {
    const schema = `tw_test_${randomBytes(6).toString('hex')}`;
    const store = await openPostgresStore({ connectionString: url, schema });
    try {
      const ws = 'w';
      // 2,100 matches: every 7th has the word in its title (a higher score), the rest in the description
      await store.write(async (w) => {
        for (let i = 0; i < 2100; i++) {
          const strong = i % 7 === 0;
          await w.insertTask(ws, newTask({ title: strong ? `zephyr ${i}` : `task ${i}`, description: strong ? '' : `about zephyr ${i}` }), actor, now);
        }
        await w.insertTask(ws, newTask({ title: 'no match' }), actor, now);
      });
      const page = (offset: number, limit: number) => store.read((r) => r.searchTasks(ws, { text: 'zephyr', offset, limit }));
      const ids = async (offset: number, limit: number) => (await page(offset, limit)).items.map((h) => h.task.id);
      // the window is ids 101..2100 (the newest 2,000): title matches first (by id), then description matches
      const window = Array.from({ length: 2000 }, (_, k) => 101 + k);
      const strongFirst = [...window.filter((id) => (id - 1) % 7 === 0), ...window.filter((id) => (id - 1) % 7 !== 0)];
      const first = await page(0, 5);
      expect(first.total).toBe(2100);
      expect(first.items.map((h) => h.task.id)).toEqual(strongFirst.slice(0, 5));
      expect(first.items[0]?.matched_in).toBe('title');
      // across the window's end: its last 5, then the older matches from the newest down
      expect(await ids(1995, 10)).toEqual([...strongFirst.slice(1995), 100, 99, 98, 97, 96]);
      expect(await ids(2095, 10)).toEqual([5, 4, 3, 2, 1]);
      const past = await page(2100, 10);
      expect(past).toEqual({ items: [], total: 2100 });
      // id completion on the same workspace: the ranges of the prefix, in id order
      expect(await store.read((r) => r.idsWithPrefix(ws, '21', 5))).toEqual([21, 210, 211, 212, 213]);
      expect(await store.read((r) => r.idsWithPrefix(ws, '2100', 5))).toEqual([2100]);
      expect(await store.read((r) => r.idsWithPrefix(ws, '0', 5))).toEqual([]);
    } finally {
      await store.close();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  }, 60_000);
});
