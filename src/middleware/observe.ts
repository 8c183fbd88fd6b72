import type { RequestContext } from '../server/context.js';
import type { AuditWriter } from '../telemetry/audit-writer.js';
import type { Logger } from '../telemetry/logger.js';
import { auditCall } from './audit.js';
import { logCall } from './logging.js';
import { outcomeOf } from './outcome.js';
import { traceCall } from './tracing.js';
import type { Call } from './types.js';

export interface ObserveOptions {
  logger: Logger;
  /** Record tool arguments and result text on spans (config `trace-content`). */
  traceContent: boolean;
  /** Where audit rows go (config `audit`); no audit trail when absent. */
  audit?: AuditWriter;
}

/**
 * The one observation step, for every kind of operation: it times the call,
 * takes its outcome once from what the error boundary recorded
 * ({@link outcomeOf}), and hands both to the span and metrics
 * ({@link traceCall}), the audit trail ({@link auditCall}, for audited
 * operations) and the call log ({@link logCall}). Outside the error boundary,
 * so it sees every outcome the boundary shaped (`rate_limited`, `timeout`,
 * `invalid_input`): rejected calls are logged and audited too.
 */
export function observe(options: ObserveOptions) {
  const { logger, traceContent, audit } = options;
  return async function observeCall<C extends Call<RequestContext>, R>(call: C, next: (call: C) => Promise<R>): Promise<R> {
    const started = performance.now();
    let result: R | undefined;
    try {
      result = await next(call);
      return result;
    } finally {
      const ms = performance.now() - started;
      const outcome = outcomeOf(call, result);
      traceCall(call, result, outcome, traceContent);
      if (audit && call.op.audited) auditCall(audit, call, outcome, ms);
      await logCall(logger, call, outcome, ms);
    }
  };
}
