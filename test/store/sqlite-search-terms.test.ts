import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Database from '../../src/store/sqlite/driver.js';
import { openDatabase } from '../../src/store/sqlite/driver.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { SearchTerms } from '../../src/store/sqlite/search-terms.js';
import type { TaskStore } from '../../src/store/types.js';
import { tempDir } from '../harness.js';
import { actor, newTask, now } from './fixtures.js';

/**
 * SQLite search resolves each prefix word to the workspace table's own terms (search-terms.ts). The words share
 * prefixes, stem differently, and include stems porter would stem again (`agreed` → `agre` → `agr`), so a wrong
 * resolution shows as a different match set than the plain prefix query gives on the same table.
 */
const WORDS = ['login', 'logins', 'logistics', 'logo', 'agreed', 'agreement', 'generalisation', 'general', 'running', 'runner', 'zephyr', 'crème', 'nest', 'nesting'];

describe('SQLite search terms', () => {
  const tmp = tempDir();
  const path = join(tmp.dir, 'terms.db');
  let store: TaskStore;
  let raw: Database.Database;
  beforeAll(async () => {
    store = openSqliteStore({ path });
    await store.write(async (w) => {
      for (let i = 0; i < 60; i++) {
        const words = [WORDS[i % WORDS.length], WORDS[(i * 7 + 3) % WORDS.length], WORDS[(i * 5 + 1) % WORDS.length]];
        await w.insertTask('a', newTask({ title: words.slice(0, 2).join(' '), description: words[2] }), actor, now);
      }
      await w.insertTask('b', newTask({ title: 'logarithm zebra' }), actor, now);
    });
    raw = openDatabase(path, { readonly: true });
  });
  afterAll(async () => {
    raw.close();
    await store.close();
    tmp.cleanup();
  });

  /** Task ids matching `text` as a plain prefix query on workspace a's table, read directly. */
  const direct = (text: string): number[] => {
    const query = (text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []).map((w) => `"${w}"*`).join(' ');
    const rows = raw
      .prepare("SELECT t.id FROM tasks_fts_1 f JOIN tasks t ON t.rid = f.rowid WHERE tasks_fts_1 MATCH ? AND t.workspace = 'a' ORDER BY t.id")
      .all(`{title description comments} : (${query})`);
    return (rows as Array<{ id: number }>).map((r) => r.id);
  };

  it('finds exactly what the prefix query finds, for any prefixes of the words (property test)', async () => {
    const prefix = fc.constantFrom(...WORDS).chain((w) => fc.integer({ min: 1, max: w.length }).map((n) => w.slice(0, n)));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(prefix, fc.constantFrom('zzz', 'agr', 'gener', 'runn', 'lo')), { minLength: 1, maxLength: 3 }), async (words) => {
        const text = words.join(' ');
        const page = await store.read((r) => r.searchTasks('a', { text, offset: 0, limit: 100 }));
        expect(
          page.items.map((h) => h.task.id).sort((x, y) => x - y),
          text,
        ).toEqual(direct(text));
        expect(page.total, text).toBe(direct(text).length);
      }),
      { numRuns: 150 },
    );
  });

  it('resolves a word to its one term, a few terms to an OR, and keeps the prefix where that is not exact', () => {
    const db = openDatabase(path, { readonly: true });
    try {
      const terms = new SearchTerms(db, (sql) => db.prepare(sql));
      expect(terms.query('tasks_fts_1', 'zephyr')).toBe('"zephyr"');
      expect(terms.query('tasks_fts_1', 'Crème')).toBe('"creme"'); // folded as the tokenizer folds it
      expect(terms.query('tasks_fts_1', 'logi')).toBe('("login" OR "logist")');
      expect(terms.query('tasks_fts_1', 'nest zephyr')).toBe('"nest" AND "zephyr"');
      expect(terms.query('tasks_fts_1', 'agreed')).toBe('"agreed"*'); // its stem agre would stem again to agr
      expect(terms.query('tasks_fts_1', 'lo')).toBe('"lo"*'); // too short to look up
      expect(terms.query('tasks_fts_1', 'f_1')).toBe('"f_1"*'); // two tokens: a phrase
      expect(terms.query('tasks_fts_1', 'zephyr logarithm')).toBeUndefined(); // no task of a has it (b's does not count)
    } finally {
      db.close();
    }
  });
});
