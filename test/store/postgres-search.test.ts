import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { decimalPrefixRanges } from '../../src/store/shared.js';
import { type ListQuery, PRIORITIES, type SortKey, TASK_STATUSES, type TaskRecord } from '../../src/store/types.js';
import { actor, newTask, now } from './fixtures.js';

/**
 * PostgreSQL list, search and completion past the store contract's sizes (issue 12): a list filter with more than
 * 2,000 matches walks its sort's index (`taskwire_walk`, filters in forms no other index serves) and must page
 * exactly as the records sort; a word with more matches than the ranked window (2,000, as on SQLite) ranks the
 * newest 2,000 and lists the older ones after them, newest first, with an exact total; id completion reads the id
 * ranges of a decimal prefix. Same server and skip switch as
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

/** list_tasks' order over records (the store contract's definition): each sort's primary direction, the other its exact reverse. */
function sortRecords(tasks: TaskRecord[], sort: SortKey, order: 'asc' | 'desc'): TaskRecord[] {
  const rank = (t: TaskRecord) => PRIORITIES.indexOf(t.priority);
  const due = (t: TaskRecord) => t.due_date ?? '9999-99-99'; // none last
  const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
  const keys: Record<SortKey, (a: TaskRecord, b: TaskRecord) => number> = {
    priority: (a, b) => cmp(rank(b), rank(a)) || cmp(due(a), due(b)) || a.id - b.id,
    due_date: (a, b) => cmp(due(a), due(b)) || cmp(rank(b), rank(a)) || a.id - b.id,
    created_at: (a, b) => cmp(a.created_at, b.created_at) || a.id - b.id,
    updated_at: (a, b) => cmp(a.updated_at, b.updated_at) || a.id - b.id,
    id: (a, b) => a.id - b.id,
  };
  const primary = sort === 'priority' ? 'desc' : 'asc';
  const sorted = [...tasks].sort(keys[sort]);
  return order === primary ? sorted : sorted.reverse();
}

describe.skipIf(skip)('PostgreSQL list_tasks walking an order index (over 2,000 matches)', () => {
  it('pages every sort, both directions, and the walked filters exactly as the records sort', async () => {
    const schema = `tw_test_${randomBytes(6).toString('hex')}`;
    const store = await openPostgresStore({ connectionString: url, schema });
    try {
      const ws = 'w';
      await store.write(async (w) => {
        for (let i = 0; i < 6000; i++) {
          await w.insertTask(
            ws,
            newTask({
              status: TASK_STATUSES[i % 5],
              priority: PRIORITIES[(i * 7) % 4],
              assignee: i % 10 === 0 ? null : `a${i % 2}`,
              due_date: i % 3 === 0 ? null : `2026-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (Math.floor(i / 12) % 28)).padStart(2, '0')}`,
              parent_id: i > 0 && i % 9 === 0 ? i : null,
            }),
            actor,
            new Date(Date.parse(now) + (i % 50) * 1000).toISOString(), // repeated times: the id breaks ties
          );
        }
      });
      const all = (await store.read((r) => r.listTasks(ws, { sort: 'id', order: 'asc', offset: 0, limit: 7000 }))).items;
      expect(all).toHaveLength(6000);
      const filters: Array<[Partial<ListQuery>, (t: TaskRecord) => boolean]> = [
        [{}, () => true],
        [{ status: ['todo', 'in_progress', 'blocked'] }, (t) => ['todo', 'in_progress', 'blocked'].includes(t.status)],
        [{ parent_id: null }, (t) => t.parent_id === null],
        [{ priority: ['high', 'low'] }, (t) => t.priority === 'high' || t.priority === 'low'],
        [{ assignee: 'a1', status: ['todo', 'done', 'cancelled', 'blocked', 'in_progress'] }, (t) => t.assignee === 'a1'],
        [{ due_after: '2026-03-01', status: ['todo', 'done', 'cancelled', 'blocked', 'in_progress'] }, (t) => t.due_date !== null && t.due_date >= '2026-03-01'],
      ];
      for (const [filter, keep] of filters) {
        const matches = all.filter(keep);
        expect(matches.length).toBeGreaterThan(2000); // over SMALL_SET: the walk, not the filter's index
        for (const sort of ['priority', 'due_date', 'created_at', 'updated_at', 'id'] as const) {
          for (const order of ['asc', 'desc'] as const) {
            const want = sortRecords(matches, sort, order).map((t) => t.id);
            for (const offset of [0, 37, matches.length - 5]) {
              const got = await store.read((r) => r.listTasks(ws, { ...filter, sort, order, offset, limit: 10 }));
              expect({ filter, sort, order, offset, total: got.total, ids: got.items.map((t) => t.id) }).toEqual({
                filter,
                sort,
                order,
                offset,
                total: matches.length,
                ids: want.slice(offset, offset + 10),
              });
            }
          }
        }
      }
    } finally {
      await store.close();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  }, 180_000);
});
