import type { Mutex } from '../mutex.js';
import type { Guard } from '../store-guard.js';
import type { ApiKeyRecord, ApiKeyStore } from '../types.js';
import type * as Database from './driver.js';
import { type Row, toApiKey } from './rows.js';

/**
 * The SQLite API keys (table `api_keys`): inserts and revocations take the store's write lock like any write, on the
 * writer connection; lookups and lists use the reader connection. `guard` is the store's (closed check, errors
 * translated to {@link StoreError}).
 */
export function sqliteApiKeys(writer: Database.Database, reader: Database.Database, locks: { write: Mutex; read: Mutex }, guard: Guard): ApiKeyStore {
  const { write: writeLock, read: readLock } = locks;
  return {
    insert: (key) =>
      guard(() =>
        writeLock.run(async () => {
          writer
            .prepare('INSERT INTO api_keys (id, workspace, name, scopes, secret_hash, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
            .run(key.id, key.workspace, key.name, JSON.stringify(key.scopes), key.secret_hash, key.created_at, key.expires_at, key.revoked_at);
        }),
      ),
    get: (id) => guard(() => readLock.run(async () => toApiKey(reader.prepare('SELECT * FROM api_keys WHERE id = ?').get(id) as Row | undefined))),
    list: (workspace) =>
      guard(() =>
        readLock.run(async () => {
          const rows = (
            workspace === undefined
              ? reader.prepare('SELECT * FROM api_keys ORDER BY created_at, id').all()
              : reader.prepare('SELECT * FROM api_keys WHERE workspace = ? ORDER BY created_at, id').all(workspace)
          ) as Row[];
          return rows.map((r) => toApiKey(r) as ApiKeyRecord);
        }),
      ),
    revoke: (id, now) =>
      guard(() => writeLock.run(async () => writer.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id).changes > 0)),
  };
}
