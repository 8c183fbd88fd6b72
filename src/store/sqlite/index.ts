import { randomUUID } from 'node:crypto';
import { Mutex } from '../mutex.js';
import { storeGuard } from '../store-guard.js';
import type { TaskStore } from '../types.js';
import { sqliteApiKeys } from './api-keys.js';
import { sqliteAudit } from './audit.js';
import { openConnections, type SqliteStoreOptions } from './connection.js';
import { translateError } from './errors.js';
import { SqliteReadRepo } from './repo-read.js';
import { SqliteWriteRepo } from './repo-write.js';
import { readTransaction, writeTransaction } from './transaction.js';

export type { SqliteStoreOptions } from './connection.js';
export { RANKED_MATCHES } from './search-index.js';

/**
 * Open (creating if needed) a SQLite task store: WAL journal, `synchronous=FULL`,
 * `busy_timeout`, FTS5 search, migrations applied on open.
 *
 * Writes go through one connection and are serialized; reads use a second
 * connection, so they see committed data only (WAL snapshot isolation).
 *
 * @throws StoreError `unavailable` when the file cannot be opened or migrated.
 */
export function openSqliteStore(options: SqliteStoreOptions): TaskStore {
  const { writer, reader, memory } = openConnections(options);
  const origin = randomUUID();
  const writeRepo = new SqliteWriteRepo(writer, origin);
  const readRepo = memory ? writeRepo : new SqliteReadRepo(reader, origin);
  const writeLock = new Mutex();
  const readLock = memory ? writeLock : new Mutex();
  const locks = { write: writeLock, read: readLock };
  const { run: guard, close } = storeGuard(translateError);

  return {
    engine: 'sqlite',
    origin,
    apiKeys: sqliteApiKeys(writer, reader, locks, guard),
    audit: sqliteAudit(writer, reader, locks, guard),
    read: (fn) => guard(() => readLock.run(() => readTransaction(readRepo, fn))),
    write: (fn) => guard(() => writeLock.run(() => writeTransaction(writer, writeRepo, fn))),
    prune: (before) => guard(() => writeLock.run(async () => writer.transaction(() => writeRepo.history.prune(before)).immediate())),
    ping: () => guard(async () => void reader.prepare('SELECT 1').get()),
    close: async () => {
      if (!close()) return;
      await writeLock.run(async () => undefined);
      await readLock.run(async () => undefined);
      writer.pragma('optimize'); // refresh planner statistics that drifted (SQLite's advice before closing)
      if (!memory) reader.close();
      writer.close();
    },
  };
}
