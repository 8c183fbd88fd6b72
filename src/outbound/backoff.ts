/**
 * Retry timing for outbound calls: exponential backoff with full jitter
 * (AWS Architecture Blog, "Exponential Backoff and Jitter"), and the
 * `Retry-After` header of RFC 9110 §10.2.3 (delay-seconds or an HTTP-date).
 */

/**
 * The wait before retry number `attempt` (1 = the first retry), in ms: a random
 * value in [0, min(capMs, baseMs·2^(attempt-1))]. `random` is injectable for tests.
 */
export function backoffMs(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(random() * ceiling);
}

/**
 * `Retry-After` as a delay in ms from `now` (ms since the epoch): delay-seconds
 * (`120`) or an HTTP-date (`Wed, 21 Oct 2015 07:28:00 GMT`). Undefined when
 * absent or unparsable; a date in the past gives 0.
 */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
