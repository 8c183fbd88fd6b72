import { describe, expect, it } from 'vitest';
import { isSqliteError, NODE_API_10, openDatabase, sqliteDriver } from '../../src/store/sqlite/driver.js';

/** src/store/sqlite/driver.ts: which better-sqlite3 this Node loads, and that its errors are recognised. */
describe('the SQLite driver', () => {
  it('is better-sqlite3 13 with Node-API 10 (Node 22.14+), 12 without (Node 20)', () => {
    const driver = sqliteDriver();
    expect(driver.name).toBe(NODE_API_10 ? 'better-sqlite3' : 'better-sqlite3-v12');
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
});
