import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { cidrProblem } from '../guard/client-address.js';
import { WEATHER_CONFIG } from '../toolsets/weather/config.js';

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
    doc: "Workspace every task belongs to when serving without authentication (with auth, each caller's workspace comes from its credentials); also the workspace of `token create`.",
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
    doc: 'Address to bind. With --auth none only a loopback address is allowed.',
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
  auth: {
    flag: 'auth',
    env: 'TASKWIRE_AUTH',
    doc: 'How HTTP callers authenticate: `none` (loopback binds only), `api-key` (`taskwire token create`), `oauth` (JWT access tokens from --issuer), or `api-key,oauth`.',
    defaultDoc: 'none',
    schema: z
      .string()
      .transform((s) => [...new Set(s.split(',').map((p) => p.trim()))].sort().join(','))
      .pipe(z.enum(['none', 'api-key', 'oauth', 'api-key,oauth'], 'must be none, api-key, oauth or api-key,oauth'))
      .default('none'),
    commands: ['serve'],
  },
  publicUrl: {
    flag: 'public-url',
    env: 'TASKWIRE_PUBLIC_URL',
    doc: 'The canonical URL clients use for the MCP endpoint (e.g. https://tasks.example.com/mcp, behind TLS termination): the audience OAuth tokens must carry (RFC 8707) and the `resource` of the protected resource metadata. Required with oauth.',
    defaultDoc: '(none)',
    schema: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    commands: ['serve'],
  },
  issuer: {
    flag: 'issuer',
    env: 'TASKWIRE_ISSUER',
    doc: 'OAuth authorization server issuer URL (exact `iss`); its metadata is discovered via RFC 8414, then OpenID Connect Discovery. Required with oauth.',
    defaultDoc: '(none)',
    schema: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    commands: ['serve'],
  },
  jwksUri: {
    flag: 'jwks-uri',
    env: 'TASKWIRE_JWKS_URI',
    doc: 'JWKS URL to verify access-token signatures with, instead of the one discovered from --issuer.',
    defaultDoc: '(discovered)',
    schema: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    commands: ['serve'],
  },
  workspaceClaim: {
    flag: 'workspace-claim',
    env: 'TASKWIRE_WORKSPACE_CLAIM',
    doc: "Access-token claim that names the caller's workspace (e.g. org_id); `sub` when the token lacks it.",
    defaultDoc: 'sub',
    schema: z.string().min(1).optional(),
    commands: ['serve'],
  },
  tokenType: {
    flag: 'token-type',
    env: 'TASKWIRE_TOKEN_TYPE',
    doc: 'Required `typ` header of access tokens (RFC 9068); `any` skips the check.',
    defaultDoc: 'at+jwt',
    schema: z.string().min(1).default('at+jwt'),
    commands: ['serve'],
  },
  jwtAlgorithms: {
    flag: 'jwt-algorithms',
    env: 'TASKWIRE_JWT_ALGORITHMS',
    doc: 'Accepted access-token signature algorithms (asymmetric only).',
    defaultDoc: 'RS256,PS256,ES256,EdDSA',
    schema: csv
      .pipe(
        z
          .array(z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'], 'must be an asymmetric JWS algorithm'))
          .min(1),
      )
      .default(['RS256', 'PS256', 'ES256', 'EdDSA']),
    commands: ['serve'],
  },
  readOnly: {
    flag: 'read-only',
    env: 'TASKWIRE_READ_ONLY',
    doc: 'Serve only tools whose readOnlyHint is true; overrides --toolsets and --tools.',
    defaultDoc: 'false',
    schema: z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')]).default(false),
    commands: both,
    boolean: true,
  },
  tools: {
    flag: 'tools',
    env: 'TASKWIRE_TOOLS',
    doc: 'Serve only these tools (comma-separated names from the selected toolsets).',
    defaultDoc: '(all of the toolsets)',
    schema: csv.default([]),
    commands: both,
  },
  excludeTools: {
    flag: 'exclude-tools',
    env: 'TASKWIRE_EXCLUDE_TOOLS',
    doc: 'Never serve these tools (comma-separated names).',
    defaultDoc: '(none)',
    schema: csv.default([]),
    commands: both,
  },
  corsOrigins: {
    flag: 'cors-origins',
    env: 'TASKWIRE_CORS_ORIGINS',
    doc: 'Browser origins (e.g. https://app.example.com) allowed to call the endpoint cross-origin; CORS is off when empty. Never `*`.',
    defaultDoc: '(none)',
    schema: csv.pipe(z.array(z.url({ error: 'each must be an origin like https://app.example.com' }))).default([]),
    commands: ['serve'],
  },
  maxSessionsPerPrincipal: {
    flag: 'max-sessions-per-principal',
    env: 'TASKWIRE_MAX_SESSIONS_PER_PRINCIPAL',
    doc: 'With authentication: most concurrent 2025-era HTTP sessions one principal may hold (idle ones expire after --session-idle-ms); beyond it gets 429 with Retry-After.',
    defaultDoc: '100',
    schema: int(1, 100_000).default(100),
    commands: ['serve'],
  },
  maxStreamsPerPrincipal: {
    flag: 'max-streams-per-principal',
    env: 'TASKWIRE_MAX_STREAMS_PER_PRINCIPAL',
    doc: 'With authentication: most HTTP requests and open streams (SSE, subscriptions/listen) one principal may have in flight at once; beyond it gets 429 with Retry-After.',
    defaultDoc: '32',
    schema: int(1, 100_000).default(32),
    commands: ['serve'],
  },
  requestTimeoutMs: {
    flag: 'request-timeout-ms',
    env: 'TASKWIRE_REQUEST_TIMEOUT_MS',
    doc: "A client must send a request's headers and body within this many ms, or the connection is closed (slow-client protection; open response streams are not cut).",
    defaultDoc: '30000 (30 s)',
    schema: int(100, 600_000).default(30_000),
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
  changeBus: {
    flag: 'change-bus',
    env: 'TASKWIRE_CHANGE_BUS',
    doc: 'How task changes reach subscribers on other processes: `postgres` (LISTEN/NOTIFY), `redis` (pub/sub, needs --redis-url), `sqlite` (other processes on the same --db file; reads its change history every 200 ms), `local` (this process only), or `auto` (postgres on PostgreSQL, sqlite on a SQLite file, local on :memory:).',
    defaultDoc: 'auto',
    schema: z.enum(['auto', 'postgres', 'redis', 'sqlite', 'local']).default('auto'),
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
    doc: 'HTTP requests to /mcp allowed per authenticated principal per minute, counted after authentication (0 = unlimited); beyond it 429 with Retry-After. Without --auth every caller is the one local principal.',
    defaultDoc: '3000',
    schema: int(0, 10_000_000).default(3000),
    commands: ['serve'],
  },
  httpUnauthenticatedRateLimit: {
    flag: 'http-unauthenticated-rate-limit',
    env: 'TASKWIRE_HTTP_UNAUTHENTICATED_RATE_LIMIT',
    doc: 'Requests to /mcp failing authentication (401) allowed per client address per minute (0 = unlimited); beyond it that address gets 429 with Retry-After for its unauthenticated requests, while valid credentials from the same address keep working. The address is the socket peer, or the forwarded client behind --trust-proxy.',
    defaultDoc: '300',
    schema: int(0, 10_000_000).default(300),
    commands: ['serve'],
  },
  trustProxy: {
    flag: 'trust-proxy',
    env: 'TASKWIRE_TRUST_PROXY',
    doc: 'Comma-separated addresses or CIDRs of your reverse proxies (e.g. `127.0.0.1/32,10.0.0.0/8`). Only a request whose socket peer is one of them has its client address taken from `Forwarded` (RFC 7239) or `X-Forwarded-For`, read right to left past the trusted hops; from anyone else those headers are ignored.',
    defaultDoc: '(none)',
    schema: csv
      .superRefine((entries, ctx) => {
        for (const entry of entries) {
          const problem = cidrProblem(entry);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        }
      })
      .default([]),
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
    env: 'TASKWIRE_REDIS_URL',
    doc: 'Redis URL (`redis://host:6379/0`) for `--change-bus redis` and for rate-limit counters shared by replicas (`--rate-limit-store redis`, the default once this is set).',
    defaultDoc: '(none)',
    schema: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
      .optional(),
    commands: both,
  },
  replicaId: {
    flag: 'replica-id',
    env: 'TASKWIRE_REPLICA_ID',
    doc: "This replica's name behind a load balancer: 2025-era session ids start with `NAME.` so the balancer can route a session back to the replica that holds it (see Scale out).",
    defaultDoc: '(none)',
    schema: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1-32 letters, digits, dash or underscore')
      .optional(),
    commands: ['serve'],
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
  asyncOpTtlMs: {
    flag: 'async-op-ttl-ms',
    env: 'TASKWIRE_ASYNC_OP_TTL_MS',
    doc: 'How long an async operation (MCP Tasks extension) and its result are kept after creation (ms); one still running then is cancelled.',
    defaultDoc: '900000',
    schema: int(1000, 86_400_000).default(900_000),
    commands: both,
  },
  maxAsyncOpsPerPrincipal: {
    flag: 'max-async-ops-per-principal',
    env: 'TASKWIRE_MAX_ASYNC_OPS_PER_PRINCIPAL',
    doc: 'Async operations (MCP Tasks extension) one principal may run at once (more are refused with rate_limited); finished ones are kept for their result, at most 4 times as many.',
    defaultDoc: '16',
    schema: int(1, 1000).default(16),
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
  // Keys a toolset owns live in its folder.
  ...WEATHER_CONFIG,
} as const satisfies Record<string, ConfigKey>;

export type ConfigName = keyof typeof CONFIG;
export type Config = { [K in ConfigName]: z.output<(typeof CONFIG)[K]['schema']> };
