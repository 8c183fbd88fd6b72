import { z } from 'zod';
import type { ConfigKey } from '../schema.js';
import { both, int, onOff } from './helpers.js';

/** Where tasks live and how changes travel: SQLite durability, PostgreSQL connection, schema and pool, the change bus. */
export const STORAGE_KEYS = {
  sqliteSynchronous: {
    flag: 'sqlite-synchronous',
    env: 'TASKWIRE_SQLITE_SYNCHRONOUS',
    doc: 'SQLite `synchronous` pragma: FULL survives power loss, NORMAL only process crashes (faster).',
    defaultDoc: 'FULL',
    schema: z.enum(['FULL', 'NORMAL']).default('FULL'),
    commands: both,
  },
  databaseUrl: {
    flag: 'database-url',
    env: 'DATABASE_URL',
    doc: 'PostgreSQL connection string (`postgres://user:password@host:5432/db`); when set, tasks live in PostgreSQL instead of the SQLite file (`--db` is ignored). Needed for several replicas.',
    defaultDoc: '(none: SQLite)',
    schema: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    commands: both,
  },
  databaseSchema: {
    flag: 'database-schema',
    env: 'TASKWIRE_DATABASE_SCHEMA',
    doc: "PostgreSQL schema holding Taskwire's tables (created if missing); also names the change-notification channel, so deployments sharing a database stay apart.",
    defaultDoc: 'public',
    schema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier (letters, digits, underscore; at most 63)')
      .default('public'),
    commands: both,
  },
  databasePoolSize: {
    flag: 'database-pool-size',
    env: 'TASKWIRE_DATABASE_POOL_SIZE',
    doc: 'Most PostgreSQL connections one process opens (plus one for change notifications).',
    defaultDoc: '10',
    schema: int(1, 1000).default(10),
    commands: both,
  },
  databasePreparedStatements: {
    flag: 'database-prepared-statements',
    env: 'TASKWIRE_DATABASE_PREPARED_STATEMENTS',
    doc: 'Run PostgreSQL statements as prepared statements, parsed once per connection and not planned on every call (faster calls for one workspace; in one run a small workspace beside a 100k one got 1.5-4x slower under generic plans, so it is opt-in). Keep off behind a pooler that shares server sessions between clients (PgBouncer in transaction mode); the store also turns it off by itself the first time the server shows it lost one.',
    defaultDoc: 'off',
    schema: onOff('off'),
    commands: both,
  },
  changeBus: {
    flag: 'change-bus',
    env: 'TASKWIRE_CHANGE_BUS',
    doc: 'How task changes reach subscribers on other processes: `postgres` (LISTEN/NOTIFY), `redis` (pub/sub, needs --redis-url), `sqlite` (other processes on the same --db file; reads its change history every 200 ms), `local` (this process only), or `auto` (postgres on PostgreSQL, sqlite on a SQLite file, local on :memory:).',
    defaultDoc: 'auto',
    schema: z.enum(['auto', 'postgres', 'redis', 'sqlite', 'local']).default('auto'),
    commands: both,
  },
} as const satisfies Record<string, ConfigKey>;

/** The Redis URL shared by the change bus and the rate-limit counters. */
export const REDIS_KEYS = {
  redisUrl: {
    flag: 'redis-url',
    env: 'TASKWIRE_REDIS_URL',
    doc: 'Redis URL (`redis://host:6379/0`) for `--change-bus redis` and for rate-limit counters shared by replicas (`--rate-limit-store redis`, the default once this is set).',
    defaultDoc: '(none)',
    schema: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
      .optional(),
    commands: both,
  },
} as const satisfies Record<string, ConfigKey>;

/** How long audit rows, change records and trashed tasks are kept. */
export const RETENTION_KEYS = {
  auditRetentionDays: {
    flag: 'audit-retention-days',
    env: 'TASKWIRE_AUDIT_RETENTION_DAYS',
    doc: 'Audit rows older than this many days are deleted (checked at start-up and hourly); 0 keeps them forever.',
    defaultDoc: '30',
    schema: int(0, 36_500).default(30),
    commands: both,
  },
  historyRetentionDays: {
    flag: 'history-retention-days',
    env: 'TASKWIRE_HISTORY_RETENTION_DAYS',
    doc: 'Change records (list_changes, get_task history, revert_changes) older than this many days are deleted (checked at start-up and hourly); 0 keeps them forever.',
    defaultDoc: '90',
    schema: int(0, 36_500).default(90),
    commands: both,
  },
  trashRetentionDays: {
    flag: 'trash-retention-days',
    env: 'TASKWIRE_TRASH_RETENTION_DAYS',
    doc: 'Deleted tasks stay restorable in the trash (revert_changes) for this many days, then are gone for good; 0 keeps them forever.',
    defaultDoc: '30',
    schema: int(0, 36_500).default(30),
    commands: both,
  },
} as const satisfies Record<string, ConfigKey>;
