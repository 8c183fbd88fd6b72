/**
 * Guardrail events: one tiny hook so metrics (owned by `src/telemetry/metrics.ts`)
 * can count what the guardrails did without the guardrails depending on it.
 * Wire it with `createGuardrails(config, logger, { onGuardrail })`; a listener
 * must not throw (errors are swallowed) and should be cheap (it runs inline).
 */
export type GuardrailEvent =
  /** A call refused by a per-principal budget (`budget`) or the concurrency cap (`concurrency`). */
  | { type: 'rate_limited'; tool: string; principal: string; limit: 'read' | 'write' | 'concurrency'; retryAfterMs: number }
  /**
   * An HTTP request answered 429 before its body is read: `client` is the principal
   * (`budget: 'principal'`) or, for a failed authentication, the client address.
   */
  | { type: 'http_rate_limited'; budget: 'principal' | 'unauthenticated'; client: string; retryAfterMs: number }
  /** A call cut off by its time limit (ms). */
  | { type: 'timeout'; tool: string; timeoutMs: number }
  /** A read page cut short by its token budget: `shown` of `total` records. */
  | { type: 'truncated'; tool: string; shown: number; total: number; maxTokens: number }
  /** The same call with the same result, `repeats` times in a row. */
  | { type: 'loop_hint'; tool: string; principal: string; repeats: number }
  /** A write answered from its idempotency record instead of being applied again. */
  | { type: 'idempotent_replay'; tool: string };

export type GuardrailListener = (event: GuardrailEvent) => void;

/** Call `listener` safely: a faulty listener never breaks a tool call. */
export function emitter(listener?: GuardrailListener): GuardrailListener {
  if (!listener) return () => {};
  return (event) => {
    try {
      listener(event);
    } catch {
      /* metrics are best effort */
    }
  };
}
