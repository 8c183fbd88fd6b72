// better-sqlite3 vs node:sqlite (Node >= 22) on Taskwire's kind of work, same file settings (WAL,
// synchronous=FULL, as Taskwire opens it). Issue 16: is the driver without native code the better choice?
//   node bench/sqlite-drivers.mjs [--rows 5000] [--better-sqlite3 DIR]
// DIR: a node_modules holding a better-sqlite3 to compare instead of the repo's own (13, Node-API: one binary
// for every Node >= 22.14). Prints ops/s per driver and step; one run, on a shared machine: noisy.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '5000' }, 'better-sqlite3': { type: 'string' } } });
const ROWS = Number(values.rows);
const require = createRequire(values['better-sqlite3'] ? join(values['better-sqlite3'], 'x.js') : import.meta.url);
const BetterSqlite3 = require('better-sqlite3');
const { DatabaseSync } = await import('node:sqlite');

const drivers = {
  'better-sqlite3': (path) => {
    const db = new BetterSqlite3(path);
    return { exec: (sql) => db.exec(sql), prepare: (sql) => db.prepare(sql), close: () => db.close() };
  },
  'node:sqlite': (path) => {
    const db = new DatabaseSync(path);
    return { exec: (sql) => db.exec(sql), prepare: (sql) => db.prepare(sql), close: () => db.close() };
  },
};

function time(n, fn) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  const ms = performance.now() - t0;
  return Math.round((n / ms) * 1000);
}

const words = ['ship', 'tarball', 'driver', 'native', 'bundle', 'registry', 'schema', 'icon', 'docker', 'readme'];
const results = {};
for (const [name, open] of Object.entries(drivers)) {
  const dir = mkdtempSync(join(tmpdir(), 'taskwire-drivers-'));
  const db = open(join(dir, 'bench.db'));
  db.exec('PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;');
  db.exec('CREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT NOT NULL, status TEXT NOT NULL, priority INTEGER NOT NULL)');
  db.exec('CREATE INDEX tasks_status ON tasks (status, priority)');
  db.exec("CREATE VIRTUAL TABLE tasks_fts USING fts5(title, content='tasks', content_rowid='id')");
  const insert = db.prepare('INSERT INTO tasks (title, status, priority) VALUES (?, ?, ?)');
  const indexFts = db.prepare('INSERT INTO tasks_fts (rowid, title) VALUES (?, ?)');
  const byId = db.prepare('SELECT * FROM tasks WHERE id = ?');
  const page = db.prepare('SELECT * FROM tasks WHERE status = ? ORDER BY priority DESC, id LIMIT 50');
  const search = db.prepare('SELECT rowid FROM tasks_fts WHERE tasks_fts MATCH ? ORDER BY rank LIMIT 20');
  const r = {};
  r['insert (1 commit each)'] = time(ROWS, (i) => {
    db.exec('BEGIN IMMEDIATE');
    const title = `${words[i % 10]} ${words[(i * 7) % 10]} task ${i}`;
    const { lastInsertRowid } = insert.run(title, i % 3 ? 'todo' : 'done', i % 4);
    indexFts.run(lastInsertRowid, title);
    db.exec('COMMIT');
  });
  r['get by id'] = time(ROWS * 4, (i) => byId.get((i % ROWS) + 1));
  r['list page (50 rows)'] = time(2000, (i) => page.all(i % 2 ? 'todo' : 'done'));
  r['FTS5 search'] = time(2000, (i) => search.all(`${words[i % 10]}*`));
  db.close();
  rmSync(dir, { recursive: true, force: true });
  results[name] = r;
}
console.log(`Node ${process.version}, ${ROWS} rows, ops/s (higher is better)`);
console.table(results);
