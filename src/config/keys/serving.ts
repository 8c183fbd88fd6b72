import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { ConfigKey } from '../schema.js';
import { both, csv, int } from './helpers.js';

/** `$XDG_DATA_HOME/taskwire/taskwire.db`, else `~/.local/share/taskwire/taskwire.db` (XDG Base Directory spec). */
export function defaultDbPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_DATA_HOME?.startsWith('/') ? env.XDG_DATA_HOME : join(homedir(), '.local', 'share');
  return join(base, 'taskwire', 'taskwire.db');
}

/** What is served and where: database file, workspace, toolsets, bind address, Host/Origin allowlists, body and session limits. */
export const SERVING_KEYS = {
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
} as const satisfies Record<string, ConfigKey>;

/** Which tools of the selected toolsets are served. */
export const TOOL_SELECTION_KEYS = {
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
} as const satisfies Record<string, ConfigKey>;

/** CORS, per-principal session and stream caps, slow-client timeout. */
export const HTTP_LIMIT_KEYS = {
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
} as const satisfies Record<string, ConfigKey>;

/** The replica name behind a load balancer (README "Scale out"). */
export const REPLICA_KEYS = {
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
} as const satisfies Record<string, ConfigKey>;
