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
      return recordRateLimited(event.principal, event.tool);
    case 'http_rate_limited':
      return recordRateLimited('(http)');
    case 'timeout':
      return recordTimeout(event.tool);
    case 'truncated':
      return recordTruncation(event.tool);
    case 'loop_hint':
      return recordLoopDetected(event.tool);
    case 'idempotent_replay':
      return;
  }
}
