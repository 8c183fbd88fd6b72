import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSqliteError, NODE_API_10, openDatabase, sqliteDriver } from '../../src/store/sqlite/driver.js';

/** src/store/sqlite/driver.ts: which better-sqlite3 this Node loads, and that its errors are recognised. */
describe('the SQLite driver', () => {
  it('is better-sqlite3 13 with Node-API 10 (Node 22.14+), 12 without (Node 20)', () => {
    const driver = sqliteDriver();
    // Without Node-API 10, a node_modules from before the alias has 12 under its own name: either is right.
    if (NODE_API_10) expect(driver.name).toBe('better-sqlite3');
    expect(driver.version.split('.')[0]).toBe(NODE_API_10 ? '13' : '12');
    expect(sqliteDriver()).toBe(driver); // loaded once
  });

  it("recognises the loaded driver's SqliteError, with its extended code, and nothing else", () => {
    const db = openDatabase(':memory:');
    try {
      db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
      db.prepare('INSERT INTO t (id) VALUES (1)').run();
      let thrown: unknown;
      try {
        db.prepare('INSERT INTO t (id) VALUES (1)').run();
      } catch (error) {
        thrown = error;
      }
      expect(isSqliteError(thrown)).toBe(true);
      expect(isSqliteError(thrown) && thrown.code).toBe('SQLITE_CONSTRAINT_PRIMARYKEY');
      expect(isSqliteError(new Error('no'))).toBe(false);
    } finally {
      db.close();
    }
  });

  it('is the only module that imports better-sqlite3 (13 loaded on Node 20 segfaults)', () => {
    const root = join(import.meta.dirname, '..', '..');
    const direct = ['src', 'test', 'bench', 'scripts']
      .flatMap((dir) => readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' }).map((f) => join(root, dir, f)))
      .filter((f) => /\.(ts|mjs|js)$/.test(f) && !f.endsWith(join('src', 'store', 'sqlite', 'driver.ts')))
      .filter((f) =>
        /^import (?!type )[^;]*from 'better-sqlite3(-v12)?'|import\('better-sqlite3(-v12)?'\)|require\('better-sqlite3(-v12)?'\)/m.test(readFileSync(f, 'utf8')),
      )
      .map((f) => relative(root, f));
    // bench/sqlite-drivers.mjs compares better-sqlite3 with node:sqlite, on Node >= 22 only, optionally from another directory.
    expect(direct).toEqual(['bench/sqlite-drivers.mjs']);
  });
});
