import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/sqlite/driver.js';

const SQLITE_DIR = join(import.meta.dirname, '../../src/store/sqlite');

describe('SQLite statements bind LIMIT, OFFSET and LIKE operands as +? (statements.ts contract)', () => {
  it('no statement of the SQLite store binds a bare parameter there (each execution would re-prepare it)', () => {
    const offenders: string[] = [];
    for (const file of readdirSync(SQLITE_DIR).filter((f) => f.endsWith('.ts'))) {
      readFileSync(join(SQLITE_DIR, file), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/\b(LIMIT|OFFSET|LIKE)\s+(\?|@\w+|:\w+|\$\w+)/.test(line) && !line.trimStart().startsWith('*')) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });

  it('+? is the same value to the query: pages, offsets and patterns', () => {
    const db = openDatabase(':memory:');
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO t (name) VALUES ('ab'), ('ac'), ('b'), ('ad')");
    const page = db.prepare('SELECT id FROM t ORDER BY id LIMIT +? OFFSET +?');
    expect(page.all(2, 1)).toEqual([{ id: 2 }, { id: 3 }]);
    expect(page.all(10, 3)).toEqual([{ id: 4 }]);
    expect(db.prepare("SELECT id FROM t WHERE name LIKE +? ESCAPE '\\' ORDER BY id").all('a%')).toEqual([{ id: 1 }, { id: 2 }, { id: 4 }]);
    db.close();
  });
});
