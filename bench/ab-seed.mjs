// The A/B benches' shared database: 10,000 tasks written by the first build given, so every build reads the same file.
import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Seed a fresh SQLite file in a new temp directory (`prefix`) with `bench/store.mjs`'s 10,000-task population,
 * written by the build at `root` (its dist/ must be built).
 * @returns the file's path and that build's bench caller (whose workspace the servers serve).
 */
export async function seedWithBuild(root, prefix) {
  const { CALLER, populate } = await import(`${root}/bench/store.mjs`);
  const db = join(mkdtempSync(join(tmpdir(), prefix)), 't.db');
  // Builds from before the SQLite engine was split into files (issue 15) have sqlite-store.js, not index.js.
  const sqliteEntry = existsSync(`${root}/dist/store/sqlite/index.js`) ? 'index.js' : 'sqlite-store.js';
  const { openSqliteStore } = await import(`${root}/dist/store/sqlite/${sqliteEntry}`);
  const { TaskService } = await import(`${root}/dist/toolsets/tasks/service.js`);
  const store = openSqliteStore({ path: db, synchronous: 'NORMAL' });
  await populate(new TaskService(store), 0, 10000);
  await store.close();
  return { db, CALLER };
}

/**
 * The shared database for an A/B run over `roots`: seeded once by the LAST root given (by convention the older build,
 * `ab-*.mjs <new> <old>`, whose schema every newer build can migrate), then copied per root, so a newer build's
 * migrations never leave a file an older build refuses to open.
 * @returns `dbFor(root)`: that root's copy, and the seeding build's bench caller.
 */
export async function seedPerBuild(roots, prefix) {
  const { db, CALLER } = await seedWithBuild(roots.at(-1), prefix);
  const copies = new Map();
  const dbFor = (root) => {
    if (!copies.has(root)) {
      const copy = `${db}.${copies.size}.db`;
      copyFileSync(db, copy);
      copies.set(root, copy);
    }
    return copies.get(root);
  };
  return { dbFor, CALLER };
}
