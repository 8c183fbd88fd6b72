import { z } from 'zod';
import { cidrProblem } from '../../guard/client-address.js';
import type { ConfigKey } from '../schema.js';
import { both, csv, int } from './helpers.js';

/** Guardrails against floods (issue 4; README "Guardrails"): rate limits, concurrency caps, HTTP flood limits, trusted proxies, where counters live. */
export const FLOOD_KEYS = {
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
} as const satisfies Record<string, ConfigKey>;

/** Guardrails on each call (README "Guardrails"): timeouts, result budgets, loop hints, async operations. */
export const CALL_LIMIT_KEYS = {
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
    schema: int(0, 1_000_000).default(3),
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
} as const satisfies Record<string, ConfigKey>;
