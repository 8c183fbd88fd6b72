import type { Kysely } from 'kysely';
import type { Guard } from '../store-guard.js';
import type { ApiKeyStore } from '../types.js';
import type { Database } from './schema.js';

/**
 * The API keys (table `api_keys`, migration 2), each call its own statement outside any transaction: the table has
 * no row-level security, as a key is looked up before its workspace is known. `guard` rejects calls on a closed
 * store and translates database errors (see errors.ts).
 */
export function postgresApiKeys(db: Kysely<Database>, guard: Guard): ApiKeyStore {
  return {
    insert: (key) => guard(async () => void (await db.insertInto('api_keys').values(key).execute())),
    get: (id) => guard(async () => await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst()),
    list: (workspace) =>
      guard(async () => {
        let q = db.selectFrom('api_keys').selectAll();
        if (workspace !== undefined) q = q.where('workspace', '=', workspace);
        return await q.orderBy('created_at').orderBy('id').execute();
      }),
    revoke: (id, now) =>
      guard(async () => {
        const r = await db.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
        return Number(r.numUpdatedRows) > 0;
      }),
  };
}
