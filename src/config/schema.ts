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
  // ---- guardrails (issue 4; README "Guardrails") ----
  guardrails: {
    flag: 'guardrails',
    env: 'TASKWIRE_GUARDRAILS',
    doc: 'off disables every guardrail below (rate limits, concurrency cap, timeouts, result budgets, loop hints): for benchmarks and debugging only.',
    defaultDoc: 'on',
    schema: z.enum(['on', 'off']).default('on'),
    commands: both,
  },
  rateLimitReads: {
    flag: 'rate-limit-reads',
    env: 'TASKWIRE_RATE_LIMIT_READS',
    doc: 'Read-only tool calls allowed per principal per minute (0 = unlimited); beyond it `rate_limited` with `retryAfterMs`.',
    defaultDoc: '600',
    schema: int(0, 1_000_000).default(600),
    commands: both,
  },
  rateLimitWrites: {
    flag: 'rate-limit-writes',
    env: 'TASKWIRE_RATE_LIMIT_WRITES',
    doc: 'Writing tool calls allowed per principal per minute (0 = unlimited).',
    defaultDoc: '120',
    schema: int(0, 1_000_000).default(120),
    commands: both,
  },
  maxConcurrentCalls: {
    flag: 'max-concurrent-calls',
    env: 'TASKWIRE_MAX_CONCURRENT_CALLS',
    doc: 'Tool calls running at once in this process; more wait (backpressure) up to --queue-wait-ms, then get `rate_limited`.',
    defaultDoc: '32',
    schema: int(1, 10_000).default(32),
    commands: both,
  },
  maxConcurrentPerPrincipal: {
    flag: 'max-concurrent-per-principal',
    env: 'TASKWIRE_MAX_CONCURRENT_PER_PRINCIPAL',
    doc: 'Tool calls one principal may have running or waiting at once, so one agent cannot take every slot.',
    defaultDoc: '8',
    schema: int(1, 10_000).default(8),
    commands: both,
  },
  queueWaitMs: {
    flag: 'queue-wait-ms',
    env: 'TASKWIRE_QUEUE_WAIT_MS',
    doc: 'Longest a call waits for a free slot under --max-concurrent-calls (ms).',
    defaultDoc: '2000',
    schema: int(0, 600_000).default(2000),
    commands: both,
  },
  httpRateLimit: {
    flag: 'http-rate-limit',
    env: 'TASKWIRE_HTTP_RATE_LIMIT',
    doc: 'HTTP requests to /mcp allowed per client address per minute (0 = unlimited); beyond it 429 with Retry-After.',
    defaultDoc: '3000',
    schema: int(0, 10_000_000).default(3000),
    commands: ['serve'],
  },
  rateLimitStore: {
    flag: 'rate-limit-store',
    env: 'TASKWIRE_RATE_LIMIT_STORE',
    doc: 'Where rate-limit counters live: memory (this process), redis (--redis-url) or postgres (--database-url), so replicas share budgets. Default: redis when --redis-url is set, else memory.',
    defaultDoc: 'memory',
    schema: z.enum(['memory', 'redis', 'postgres']).optional(),
    commands: both,
  },
  redisUrl: {
    flag: 'redis-url',
    env: 'REDIS_URL',
    doc: 'Redis URL (redis://host:6379/0) for shared rate-limit counters.',
    defaultDoc: '(none)',
    schema: z.string().url().optional(),
    commands: both,
  },
  databaseUrl: {
    flag: 'database-url',
    env: 'DATABASE_URL',
    doc: 'PostgreSQL URL (postgres://user@host/db).',
    defaultDoc: '(none)',
    schema: z.string().min(1).optional(),
    commands: both,
  },
  toolTimeoutMs: {
    flag: 'tool-timeout-ms',
    env: 'TASKWIRE_TOOL_TIMEOUT_MS',
    doc: 'A tool call running longer (ms) is cancelled and answered `timeout`; a cancelled write leaves nothing behind.',
    defaultDoc: '10000',
    schema: int(1, 3_600_000).default(10_000),
    commands: both,
  },
  toolTimeouts: {
    flag: 'tool-timeouts',
    env: 'TASKWIRE_TOOL_TIMEOUTS',
    doc: 'Per-tool timeouts (ms) overriding --tool-timeout-ms, e.g. `list_tasks=2000,export_tasks=120000`; export_tasks and import_tasks get 60000 unless named.',
    defaultDoc: '(none)',
    schema: z
      .string()
      .default('')
      .transform((s, ctx) => {
        const out: Record<string, number> = {};
        for (const part of s
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean)) {
          const m = /^([a-z0-9_]+)=(\d{1,7})$/.exec(part);
          if (!m || Number(m[2]) < 1) {
            ctx.addIssue({ code: 'custom', message: `"${part}" is not tool_name=milliseconds` });
            return z.NEVER;
          }
          out[m[1] as string] = Number(m[2]);
        }
        return out;
      }),
    commands: both,
  },
  maxResultTokens: {
    flag: 'max-result-tokens',
    env: 'TASKWIRE_MAX_RESULT_TOKENS',
    doc: 'Default token budget (o200k_base) of one list or search result page when the call gives no max_tokens.',
    defaultDoc: '8000',
    schema: int(200, 100_000).default(8000),
    commands: both,
  },
  loopThreshold: {
    flag: 'loop-threshold',
    env: 'TASKWIRE_LOOP_THRESHOLD',
    doc: 'The same call with the same result this many times in a row (per principal) gets a hint that it is looping (0 = off).',
    defaultDoc: '3',
    schema: int(0, 1000).default(3),
    commands: both,
  },
  loopWindowMs: {
    flag: 'loop-window-ms',
    env: 'TASKWIRE_LOOP_WINDOW_MS',
    doc: 'Repeats count towards --loop-threshold only within this window (ms).',
    defaultDoc: '60000',
    schema: int(1000, 86_400_000).default(60_000),
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
} as const satisfies Record<string, ConfigKey>;

export type ConfigName = keyof typeof CONFIG;
export type Config = { [K in ConfigName]: z.output<(typeof CONFIG)[K]['schema']> };
