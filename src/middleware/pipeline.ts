import type { RequestContext } from '../server/context.js';
import type { AuditWriter } from '../telemetry/audit-writer.js';
import type { Logger } from '../telemetry/logger.js';
import { compose } from './compose.js';
import { errorBoundary, lastResort, protocolErrorBoundary, requestLastResort } from './errors.js';
import { observe } from './observe.js';
import type { Call, Middleware, Step, ToolHandler } from './types.js';

/**
 * The middleware onion, declared once. Outermost first:
 *
 * | step | `tools/call` | `resources/read`, `prompts/get` | `completion/complete` |
 * |---|---|---|---|
 * | last resort (errors.ts): shapes what `observe` itself throws; unknown → `internal` | `lastResort`: `isError` result | `requestLastResort`: rethrown typed | same |
 * | `observe` (observe.ts): outcome + duration → span, metrics, audit row, call log | ✓ | ✓ (audit row) | ✓ (no audit row) |
 * | error boundary (errors.ts): typed error recorded on the call; unknown → `internal` | `isError` result | rethrown, mapped to JSON-RPC by registration | same |
 * | `rateLimit` (rate-limit.ts): per-principal budget + concurrency slot | read or write budget | read budget | read budget |
 * | `loopDetect` (loop-detect.ts): the same call and result again and again | ✓ | — | — |
 * | `resultBudget` (result-budget.ts): the call's token budget (`max_tokens`, else the tool's declared one, else `--max-result-tokens`) | ✓ | — | — |
 * | `timeout` (timeout.ts): deadline + cancellation signal | ✓ | ✓ | ✓ |
 * | the handler | validate + run the tool | read / get | complete |
 *
 * Why this order: observation sits outside the boundary so it sees every
 * shaped outcome (`rate_limited`, `timeout`, `invalid_input`); the rate limit
 * comes first among the guardrails so a refused call costs nothing else; loop
 * detection sees the final result and the arguments as the caller sent them;
 * the timeout is innermost, so the context it makes (whose `signal` is made
 * only when read, guard/call-abort.ts) is the one the handler gets, unspread.
 * With `--guardrails off` the four guardrail steps are left out.
 */

/** The guardrail steps (built by `src/guard/index.ts` from config), placed by {@link createPipeline}. */
export interface GuardrailSteps {
  rateLimit: Step<RequestContext>;
  timeout: Step<RequestContext>;
  loopDetect: Middleware<RequestContext>;
  resultBudget: Middleware<RequestContext>;
}

export interface PipelineParts {
  logger: Logger;
  /** Record tool arguments and results on spans (config `trace-content`). */
  traceContent: boolean;
  /** Where audit rows go (config `audit`); no audit trail when absent. */
  audit?: AuditWriter;
  /** Absent with `--guardrails off`. */
  guardrails?: GuardrailSteps;
}

/** Wraps handlers in the onion; each is called once per definition at start-up, never per call. */
export interface Pipeline<Ctx> {
  /** `tools/call`: the innermost handler validates and runs `call.tool`. */
  tool(handler: ToolHandler<Ctx>): ToolHandler<Ctx>;
  /** `resources/read`, `prompts/get` and `completion/complete`: failures reject with the typed `ToolError`. */
  request<C extends Call<Ctx>, R>(handler: (call: C) => Promise<R>): (call: C) => Promise<R>;
}

export function createPipeline(parts: PipelineParts): Pipeline<RequestContext> {
  const { logger, guardrails: g } = parts;
  const observed = observe(parts);
  const tool: Middleware<RequestContext>[] = [
    lastResort<RequestContext>(logger),
    observed,
    errorBoundary<RequestContext>(logger),
    ...(g ? [g.rateLimit, g.loopDetect, g.resultBudget, g.timeout] : []),
  ];
  const request: Step<RequestContext>[] = [requestLastResort(logger), observed, protocolErrorBoundary(logger), ...(g ? [g.rateLimit, g.timeout] : [])];
  return {
    tool: (handler) => compose(tool, handler),
    request: <C extends Call<RequestContext>, R>(handler: (call: C) => Promise<R>) =>
      compose<C, R>(request as ReadonlyArray<(call: C, next: (call: C) => Promise<R>) => Promise<R>>, handler),
  };
}
