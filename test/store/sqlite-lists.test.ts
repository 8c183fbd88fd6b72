import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/sqlite/driver.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { listPage, type SqlRunner } from '../../src/store/sqlite/list.js';
import { SQLITE_MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { PRIORITIES, type SortKey, TASK_STATUSES, type TaskFilter, type TaskRecord } from '../../src/store/types.js';
import { PRIMARY } from './orders.js';

/**
 * SQLite list pages over the read plans of migration 10 at a size where both plans run: a filter with more than
 * 2,000 matches walks the order's index (a due range seeks tasks_due_rank on `(due_date IS NULL) = 0`), fewer are
 * read through the filter's index and sorted (status plus priority through whichever of tasks_by_status and
 * tasks_rank holds fewer tasks). Every page and total is checked against the records.
 */
const SORTS: SortKey[] = ['priority', 'due_date', 'created_at', 'updated_at', 'id'];

describe('SQLite list plans (migration 10)', () => {
  it('walked and filter-read pages of due ranges and status plus priority, and id completions, agree with the records', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    const actor = { principal: 'p', client: null };
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    await store.write(async (w) => {
      for (let i = 0; i < 3000; i++) {
        const day = next(10);
        // Critical is rare (1 in 50), so status plus critical is read through tasks_rank; blocked is rare among the rest.
        const priority = next(50) === 0 ? 'critical' : (PRIORITIES[next(3)] as 'low' | 'medium' | 'high');
        const status = next(20) === 0 ? 'blocked' : ((['todo', 'in_progress', 'done'] as const)[next(3)] ?? 'todo');
        await w.insertTask(
          'w',
          {
            title: `t${i}`,
            description: '',
            status,
            priority,
            labels: [],
            assignee: next(2) === 0 ? 'ana' : null,
            due_date: day === 9 ? null : `2026-12-0${day + 1}`,
            parent_id: null,
          },
          actor,
          `2026-11-${String(1 + (i % 28)).padStart(2, '0')}T00:00:00.000Z`,
        );
      }
    });
    const all = await store.read((r) =>
      r.getTasks(
        'w',
        Array.from({ length: 3000 }, (_, i) => i + 1),
      ),
    );
    const filters: Array<[TaskFilter, (t: TaskRecord) => boolean]> = [
      [{ due_before: '2026-12-07' }, (t) => t.due_date !== null && t.due_date <= '2026-12-07'], // ~2,100: walked
      [{ due_after: '2026-12-03', due_before: '2026-12-05' }, (t) => t.due_date !== null && t.due_date >= '2026-12-03' && t.due_date <= '2026-12-05'],
      [{ due_after: '2026-12-02', assignee: 'ana' }, (t) => t.due_date !== null && t.due_date >= '2026-12-02' && t.assignee === 'ana'],
      [{ status: ['todo', 'in_progress'], priority: ['critical'] }, (t) => ['todo', 'in_progress'].includes(t.status) && t.priority === 'critical'],
      [{ status: ['blocked'], priority: ['low', 'medium'] }, (t) => t.status === 'blocked' && ['low', 'medium'].includes(t.priority)],
      [{ status: ['todo', 'done'], priority: ['low', 'medium', 'high'] }, (t) => ['todo', 'done'].includes(t.status) && t.priority !== 'critical'],
      [{ status: [...TASK_STATUSES] }, () => true],
    ];
    for (const [filter, keep] of filters) {
      for (const sort of SORTS) {
        for (const order of ['asc', 'desc'] as const) {
          const { dir, cmp } = PRIMARY[sort];
          const want = all.filter(keep).sort((a, b) => (order === dir ? cmp(a, b) : -cmp(a, b)));
          for (const offset of [0, 1000]) {
            const got = await store.read((r) => r.listTasks('w', { ...filter, sort, order, offset, limit: 40 }));
            const label = `${JSON.stringify(filter)} ${sort} ${order} @${offset}`;
            expect(got.total, label).toBe(want.length);
            expect(
              got.items.map((t) => t.id),
              label,
            ).toEqual(want.slice(offset, offset + 40).map((t) => t.id));
          }
        }
      }
    }
    expect(all.filter(filters[0]?.[1] ?? (() => false)).length).toBeGreaterThan(2000); // the walked plan ran
    // Id completion reads decimal ranges of the primary key: the same ids, in the same order, as matching the text.
    for (const prefix of ['', '2', '21', '299', '2999', '3000', '3001', '0', '9999']) {
      const want = all
        .map((t) => t.id)
        .filter((id) => String(id).startsWith(prefix))
        .slice(0, 20);
      expect(await store.read((r) => r.idsWithPrefix('w', prefix, 20)), prefix).toEqual(want);
    }
    await store.close();
  });

  it('walks every order of a large due range in index order: no sort of the matches', () => {
    const db = openDatabase(':memory:');
    for (const m of SQLITE_MIGRATIONS) typeof m === 'string' ? db.exec(m) : m(db);
    // Counts say 100,000 matches, so listPage walks the order's index; the page statement's plan is read back.
    const pages: Array<{ sql: string; params: unknown[] }> = [];
    const runner: SqlRunner = {
      get: () => ({ n: 100_000 }),
      all: (sql, ...params) => {
        pages.push({ sql, params });
        return [];
      },
    };
    for (const sort of SORTS) {
      for (const order of ['asc', 'desc'] as const) {
        for (const range of [{ due_before: '2026-12-07' }, { due_after: '2026-12-01', due_before: '2026-12-07' }]) {
          pages.length = 0;
          listPage(runner, 'w', { status: ['todo', 'in_progress', 'blocked'], ...range, sort, order, offset: 0, limit: 20 });
          const plan = (db.prepare(`EXPLAIN QUERY PLAN ${pages[0]?.sql}`).all(...(pages[0]?.params ?? [])) as Array<{ detail: string }>).map((r) => r.detail);
          expect(plan.join(' | '), `${sort} ${order} ${JSON.stringify(range)}`).not.toMatch(/TEMP B-TREE/);
          if (sort === 'due_date') expect(plan.join(' | ')).toMatch(/tasks_due_rank \(workspace=\? AND <expr>=\? AND due_date/);
        }
      }
    }
    db.close();
  });
});
