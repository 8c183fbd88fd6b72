import type { GuardrailEvent } from '../guard/events.js';
import { recordLoopDetected, recordRateLimited, recordTimeout, recordTruncation } from './metrics.js';

/**
 * Count guardrail events (src/guard/events.ts) in the process metrics
 * (src/telemetry/metrics.ts; no-ops until a meter is bound). Idempotent replays
 * are not counted here: the metrics module already counts results marked
 * `replayed: true`.
 */
export function recordGuardrail(event: GuardrailEvent): void {
  switch (event.type) {
    case 'rate_limited':
      recordRateLimited(event.principal, event.tool);
      break;
    case 'http_rate_limited':
      recordRateLimited('(http)');
      break;
    case 'timeout':
      recordTimeout(event.tool);
      break;
    case 'truncated':
      recordTruncation(event.tool);
      break;
    case 'loop_hint':
      recordLoopDetected(event.tool);
      break;
    case 'idempotent_replay':
      break;
  }
}
