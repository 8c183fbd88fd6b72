import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * Every configuration key, declared once: its CLI flag, environment variable,
 * default, documentation and validator. The CLI parser, `--help` and the
 * README's configuration table are all generated from this list.
 * Precedence: flag, then environment variable, then default.
 */
export interface ConfigKey<T = unknown> {
  /** `--flag-name` (without dashes). */
  flag: string;
  env: string;
  doc: string;
  /** Shown in docs; `undefined` when the default is computed. */
  defaultDoc: string;
  schema: z.ZodType<T>;
  /** Which commands read it. */
  commands: ReadonlyArray<'stdio' | 'serve'>;
  /** Boolean switch (no value). */
  boolean?: boolean;
}

/** `$XDG_DATA_HOME/taskwire/taskwire.db`, else `~/.local/share/taskwire/taskwire.db` (XDG Base Directory spec). */
export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_DATA_HOME?.startsWith('/') ? env.XDG_DATA_HOME : join(homedir(), '.local', 'share');
  return join(base, 'taskwire', 'taskwire.db');
}

const csv = z.string().transform((s) =>
  s
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean),
);
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const both = ['stdio', 'serve'] as const;
/** `on`/`off` (also `true`/`false`, `1`/`0`) → boolean. */
const onOff = (fallback: 'on' | 'off') =>
  z
    .enum(['on', 'off', 'true', 'false', '1', '0'], { message: 'must be on or off' })
    .default(fallback)
    .transform((v) => v === 'on' || v === 'true' || v === '1');

export const CONFIG = {
  db: {
    flag: 'db',
    env: 'TASKWIRE_DB',
    doc: 'SQLite database file (created with its directory if missing).',
    defaultDoc: '$XDG_DATA_HOME/taskwire/taskwire.db, else ~/.local/share/taskwire/taskwire.db',
    schema: z
      .string()
      .min(1)
      .default(() => defaultDbPath()),
    commands: both,
  },
  workspace: {
    flag: 'workspace',
    env: 'TASKWIRE_WORKSPACE',
    doc: 'Workspace every task belongs to when serving without authentication.',
    defaultDoc: 'local',
    schema: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, dot, dash or underscore')
      .default('local'),
    commands: both,
  },
  toolsets: {
    flag: 'toolsets',
    env: 'TASKWIRE_TOOLSETS',
    doc: 'Comma-separated toolsets to serve (`all` for every one).',
    defaultDoc: 'tasks',
    schema: csv.default(['tasks']),
    commands: both,
  },
  host: {
    flag: 'host',
    env: 'TASKWIRE_HOST',
    doc: 'Address to bind. Without authentication only a loopback address is allowed.',
    defaultDoc: '127.0.0.1',
    schema: z.string().min(1).default('127.0.0.1'),
    commands: ['serve'],
  },
  port: {
    flag: 'port',
    env: 'TASKWIRE_PORT',
    doc: 'TCP port to listen on (0 = any free port).',
    defaultDoc: '8765',
    schema: int(0, 65535).default(8765),
    commands: ['serve'],
  },
  allowedHosts: {
    flag: 'allowed-hosts',
    env: 'TASKWIRE_ALLOWED_HOSTS',
    doc: 'Extra `Host` header names accepted besides localhost, 127.0.0.1 and [::1] (DNS-rebinding protection).',
    defaultDoc: '(none)',
    schema: csv.default([]),
    commands: ['serve'],
  },
  allowedOrigins: {
    flag: 'allowed-origins',
    env: 'TASKWIRE_ALLOWED_ORIGINS',
    doc: 'Extra browser-origin host names (e.g. app.example.com; any scheme and port) accepted besides localhost, 127.0.0.1 and [::1]; a request with any other `Origin` gets 403.',
    defaultDoc: '(none)',
    schema: csv.default([]),
    commands: ['serve'],
  },
  maxBodyBytes: {
    flag: 'max-body-bytes',
    env: 'TASKWIRE_MAX_BODY_BYTES',
    doc: 'Largest accepted HTTP request body in bytes; larger gets 413.',
    defaultDoc: '1048576 (1 MiB)',
    schema: int(1024, 64 * 1024 * 1024).default(1024 * 1024),
    commands: ['serve'],
  },
  sessionIdleMs: {
    flag: 'session-idle-ms',
    env: 'TASKWIRE_SESSION_IDLE_MS',
    doc: 'A 2025-era HTTP session unused this long (ms) is closed; its client re-initializes.',
    defaultDoc: '1800000 (30 min)',
    schema: int(1000, 7 * 86_400_000).default(30 * 60_000),
    commands: ['serve'],
  },
  maxSessions: {
    flag: 'max-sessions',
    env: 'TASKWIRE_MAX_SESSIONS',
    doc: 'Most concurrent 2025-era HTTP sessions; a new one beyond it gets 503 with Retry-After.',
    defaultDoc: '1000',
    schema: int(1, 1_000_000).default(1000),
    commands: ['serve'],
  },
  sqliteSynchronous: {
    flag: 'sqlite-synchronous',
    env: 'TASKWIRE_SQLITE_SYNCHRONOUS',
    doc: 'SQLite `synchronous` pragma: FULL survives power loss, NORMAL only process crashes (faster).',
    defaultDoc: 'FULL',
    schema: z.enum(['FULL', 'NORMAL']).default('FULL'),
    commands: both,
  },
  logLevel: {
    flag: 'log-level',
    env: 'TASKWIRE_LOG_LEVEL',
    doc: 'Log level for the JSON logs on stderr: trace, debug, info, warn, error, fatal, silent.',
    defaultDoc: 'info',
    schema: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    commands: both,
  },
  metrics: {
    flag: 'metrics',
    env: 'TASKWIRE_METRICS',
    doc: 'Collect metrics: `GET /metrics` (Prometheus text) on `serve`, and OTLP when `OTEL_METRICS_EXPORTER=otlp`. Tracing is configured by the standard `OTEL_*` variables (see Observability).',
    defaultDoc: 'on',
    schema: onOff('on'),
    commands: both,
  },
  traceContent: {
    flag: 'trace-content',
    env: 'TASKWIRE_TRACE_CONTENT',
    doc: 'Record tool-call arguments and results (each capped at 4096 characters) on trace spans.',
    defaultDoc: 'on',
    schema: onOff('on'),
    commands: both,
  },
  audit: {
    flag: 'audit',
    env: 'TASKWIRE_AUDIT',
    doc: 'Record every tool call in the audit trail (`taskwire audit`, `tasks://activity`).',
    defaultDoc: 'on',
    schema: onOff('on'),
    commands: both,
  },
  auditRetentionDays: {
    flag: 'audit-retention-days',
    env: 'TASKWIRE_AUDIT_RETENTION_DAYS',
    doc: 'Audit rows older than this many days are deleted (checked at start-up and hourly); 0 keeps them forever.',
    defaultDoc: '30',
    schema: int(0, 36_500).default(30),
    commands: both,
  },
} as const satisfies Record<string, ConfigKey>;

export type ConfigName = keyof typeof CONFIG;
export type Config = { [K in ConfigName]: z.output<(typeof CONFIG)[K]['schema']> };
