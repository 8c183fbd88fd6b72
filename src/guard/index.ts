import type { Config } from '../config/schema.js';
import { loopDetect } from '../middleware/loop-detect.js';
import type { GuardrailSteps } from '../middleware/pipeline.js';
import { rateLimit } from '../middleware/rate-limit.js';
import { resultBudget } from '../middleware/result-budget.js';
import { timeout } from '../middleware/timeout.js';
import { type RequestContext, withCallAbort } from '../server/context.js';
import type { Logger } from '../telemetry/logger.js';
import { ConcurrencyGate } from './concurrency.js';
import { emitter, type GuardrailListener } from './events.js';
import { type BudgetKind, type Budgets, openBudgets } from './limiters.js';

/**
 * The guardrails of one process (issue 4; README "Guardrails"): the
 * middleware steps (rate limit, timeout, loop detection, result budget), which
 * `src/middleware/pipeline.ts` places in the onion, and the HTTP-layer flood
 * limits (per principal; per client address for failed authentication).
 */
export interface Guardrails {
  /** Absent with `--guardrails off`. */
  steps?: GuardrailSteps;
  /**
   * HTTP flood limit of one authenticated principal (`--http-rate-limit`), taken
   * after authentication: `null` when admitted, else ms until it may retry
   * (answer 429 + Retry-After).
   */
  admitHttp(principal: string): Promise<number | null>;
  /**
   * The separate budget of requests that failed authentication, per client
   * address (`--http-unauthenticated-rate-limit`; see client-address.ts): taken
   * only for a failed attempt, so a flood of bad credentials never spends a
   * valid principal's budget. `null` = answer the 401, else ms until retry (429).
   */
  admitUnauthenticated(address: string): Promise<number | null>;
  gate: ConcurrencyGate;
  /** Resolves to the counter store in use once it is set up: the configured one, or `memory` after a fallback. */
  ready: Promise<'memory' | 'redis' | 'postgres'>;
  close(): Promise<void>;
}

export interface GuardrailOptions {
  /** Metrics hook (see `events.ts`): rate-limit refusals, timeouts, truncated pages, loop hints, replays. */
  onGuardrail?: GuardrailListener;
  /** Redis key prefix / PostgreSQL table prefix; distinct per deployment (default `taskwire`). */
  prefix?: string;
  /** PostgreSQL schema for the counter table. */
  pgSchema?: string;
}

/** Build the guardrails from config. A shared store that cannot be set up is logged and replaced by in-memory counters. */
export function createGuardrails(config: Config, logger: Logger, options: GuardrailOptions = {}): Guardrails {
  if (config.guardrails === 'off') {
    return {
      gate: new ConcurrencyGate(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 0),
      ready: Promise.resolve('memory'),
      admitHttp: async () => null,
      admitUnauthenticated: async () => null,
      close: async () => {},
    };
  }
  const emit = emitter(options.onGuardrail);
  const perMinute: Record<BudgetKind, number> = {
    read: config.rateLimitReads,
    write: config.rateLimitWrites,
    http: config.httpRateLimit,
    http_unauthenticated: config.httpUnauthenticatedRateLimit,
  };
  const store = config.rateLimitStore ?? (config.redisUrl ? 'redis' : 'memory');
  const memory = () => openBudgets({ perMinute, store: 'memory' });
  const opened: Promise<Budgets> = openBudgets({
    perMinute,
    store,
    redisUrl: config.redisUrl,
    databaseUrl: config.databaseUrl,
    prefix: options.prefix,
    pgSchema: options.pgSchema,
  }).catch((error: unknown) => {
    logger.error({ err: error, store }, 'rate-limit store unavailable; using per-process counters');
    return memory();
  });
  let ready: Budgets | undefined;
  void opened.then((b) => {
    ready = b;
  });
  const budgets: Budgets = {
    store,
    // Straight to the counters once they are open (one promise less per call).
    take: (kind, key) => (ready ? ready.take(kind, key) : opened.then((b) => b.take(kind, key))),
    close: async () => (await opened).close(),
  };
  const gate = new ConcurrencyGate(config.maxConcurrentCalls, config.maxConcurrentPerPrincipal, config.queueWaitMs);
  const principalOf = (ctx: RequestContext) => ctx.caller.actor.principal;
  const steps: GuardrailSteps = {
    rateLimit: rateLimit<RequestContext>({ budgets, gate, principalOf, signalOf: (ctx) => ctx.signal, onGuardrail: emit }),
    timeout: timeout<RequestContext>({
      defaultMs: config.toolTimeoutMs,
      perTool: config.toolTimeouts, // else the definition's own timeoutMs, else --tool-timeout-ms
      onGuardrail: emit,
      withAbort: withCallAbort,
    }),
    loopDetect: loopDetect<RequestContext>({ threshold: config.loopThreshold, windowMs: config.loopWindowMs, principalOf, onGuardrail: emit }),
    resultBudget: resultBudget<RequestContext>({ defaultMaxTokens: config.maxResultTokens, onGuardrail: emit }),
  };
  return {
    steps,
    gate,
    ready: opened.then((b) => b.store),
    admitHttp: async (principal) => {
      const wait = await budgets.take('http', principal);
      if (wait !== null) emit({ type: 'http_rate_limited', budget: 'principal', client: principal, retryAfterMs: wait });
      return wait;
    },
    admitUnauthenticated: async (address) => {
      const wait = await budgets.take('http_unauthenticated', address);
      if (wait !== null) emit({ type: 'http_rate_limited', budget: 'unauthenticated', client: address, retryAfterMs: wait });
      return wait;
    },
    close: () => budgets.close(),
  };
}
