import type { RequestContext } from '../../server/context.js';
import { defineResource, type ResourceDef } from '../../toolkit/define.js';
import { ResourceMiss } from '../../toolkit/errors.js';
import { watchAlerts } from './alert-watch.js';
import { activeAlerts } from './alerts.js';
import { weatherDeps, weatherOf } from './deps.js';
import { completeState, isStateCode } from './states.js';
import { WEATHER_READ, WEATHER_TIMEOUT_MS } from './tools/policy.js';

/** How long (ms) a client may reuse a `weather://config` read. */
export const WEATHER_CONFIG_TTL_MS = 5_000;

const json = (uri: string, value: unknown) => [{ uri, mimeType: 'application/json', text: JSON.stringify(value) }];

/** `alerts://{state}/active`: the tool's answer as a resource; the state code completes. */
export const activeAlertsResource = defineResource<RequestContext>({
  name: 'active_alerts',
  title: 'Active weather alerts of a state',
  description: 'Active NWS alerts for a US state or territory (two-letter code), most severe first, cut to the result budget. Same data as get_alerts.',
  mimeType: 'application/json',
  uri: 'alerts://{state}/active',
  scopes: WEATHER_READ,
  timeoutMs: WEATHER_TIMEOUT_MS, // it waits on NWS, like the tools
  complete: { state: async (value) => completeState(value) },
  // The same alerts for every caller, fresh for as long as NWS's own answer is (its Cache-Control / Expires, as cached).
  cache: ({ vars }, ctx) => {
    const state = (vars.state ?? '').toUpperCase();
    return { scope: 'public', ttlMs: isStateCode(state) ? weatherOf(ctx).nws.alertsFreshForMs(state) : 0 };
  },
  // Subscribers hear when the set of alerts changes: polled while anyone is subscribed, no faster than NWS's cache headers allow.
  watch: (_uri, vars, deps, changed) => {
    const state = (vars.state ?? '').toUpperCase();
    return isStateCode(state) ? watchAlerts(weatherDeps(deps), state, changed) : () => undefined;
  },
  read: async (uri, vars, ctx) => {
    const state = (vars.state ?? '').toUpperCase();
    if (!isStateCode(state)) throw new ResourceMiss(uri);
    return json(uri, await activeAlerts(ctx, state, { budget: ctx.resultTokens ?? 8_000 }));
  },
});

/** `weather://config`: the effective outbound settings and the cache and circuit state. */
export const weatherConfigResource = defineResource<RequestContext>({
  name: 'weather_config',
  title: 'Weather toolset settings',
  description: 'Effective settings of the NWS client: API URL, timeouts (ms), retries, cache bounds and hit counts, circuit state, User-Agent.',
  mimeType: 'application/json',
  uri: 'weather://config',
  scopes: WEATHER_READ,
  // Hit counts and circuit state move with every call; deployment details are not for shared caches.
  cache: { scope: 'private', ttlMs: WEATHER_CONFIG_TTL_MS },
  read: async (uri, _vars, ctx) => {
    const { nws, http } = weatherOf(ctx);
    const s = http.settings;
    return json(uri, {
      api_url: nws.baseUrl,
      user_agent: s.userAgent,
      connect_timeout_ms: s.connectTimeoutMs,
      response_timeout_ms: s.responseTimeoutMs,
      total_timeout_ms: s.totalTimeoutMs,
      retries: s.retries,
      backoff_ms: { base: s.backoffBaseMs, cap: s.backoffCapMs },
      cache: http.cache
        ? { ttl: 'from the response headers (s-maxage, max-age, Expires), at most 1 h', entries: http.cache.size, bytes: http.cache.sizeBytes, ...http.cache.stats }
        : null,
      circuit: { state: http.breaker.state, retry_after_ms: http.breaker.retryAfterMs },
      requests_sent: http.requests,
    });
  },
});

export const weatherResources: ReadonlyArray<ResourceDef<RequestContext>> = [activeAlertsResource, weatherConfigResource];
