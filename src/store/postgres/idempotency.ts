import type { Kysely } from 'kysely';
import type { IdempotencyRecord } from '../types.js';
import type { Database } from './schema.js';

/** The record stored under an idempotency key, or undefined. */
export function getIdempotency(db: Kysely<Database>, workspace: string, key: string): Promise<IdempotencyRecord | undefined> {
  return db
    .selectFrom('idempotency_keys')
    .select(['tool', 'args_hash', 'result', 'created_at'])
    .where('workspace', '=', workspace)
    .where('key', '=', key)
    .executeTakeFirst();
}

/** Store a result under an idempotency key (the key must be new). */
export async function putIdempotency(db: Kysely<Database>, workspace: string, key: string, record: IdempotencyRecord): Promise<void> {
  await db
    .insertInto('idempotency_keys')
    .values({ workspace, key, tool: record.tool, args_hash: record.args_hash, result: record.result, created_at: record.created_at })
    .execute();
}
