import type { WeatherDeps } from './deps.js';
import type { StateCode } from './states.js';

/** Poll at most this often when the answer allows reuse for less (or gives no cache headers at all), ms. */
export const MIN_POLL_MS = 1_000;
/** Poll this often when the answer carries no freshness at all (no-store, no headers), ms. */
export const DEFAULT_POLL_MS = 60_000;

/**
 * Watch a state's active alerts for `alerts://{state}/active` subscribers:
 * poll when the last answer goes stale by its own cache headers (never
 * sooner), and call `changed()` when the set of alert ids differs from the
 * previous poll. A failed poll keeps the previous set and tries again at the
 * next interval. Returns the function that stops polling.
 */
export function watchAlerts(weather: WeatherDeps, state: StateCode, changed: () => void): () => void {
  let previous: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const controller = new AbortController();
  const poll = async () => {
    try {
      const alerts = await weather.nws.alerts(state, controller.signal);
      const ids = alerts
        .map((a) => a.id)
        .sort()
        .join('\n');
      if (previous !== undefined && ids !== previous) changed();
      previous = ids;
    } catch {
      // upstream trouble: keep the previous set; the next poll tries again
    }
    if (stopped) return;
    const fresh = weather.nws.alertsFreshForMs(state);
    timer = setTimeout(poll, fresh > 0 ? Math.max(MIN_POLL_MS, fresh) : DEFAULT_POLL_MS);
    timer.unref();
  };
  void poll();
  return () => {
    stopped = true;
    controller.abort();
    if (timer) clearTimeout(timer);
  };
}
