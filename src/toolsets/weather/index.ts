import type { RequestContext } from '../../server/context.js';
import type { Toolset } from '../../toolkit/define.js';
import type { WeatherSettings } from './config.js';
import { createWeatherDeps } from './deps.js';
import { weatherHeader } from './manifest.js';
import { weatherPrompts } from './prompts.js';
import { weatherResources } from './resources.js';
import { getAlerts } from './tools/get-alerts.js';
import { getForecast } from './tools/get-forecast.js';

/**
 * US weather from the National Weather Service API (the reference tutorials'
 * second server): alerts and forecasts, read through the outbound client
 * (timeouts, retries, cache, circuit breaker). Off by default:
 * `--toolsets tasks,weather` with `--weather-user-agent`.
 */
export const weatherToolset: Toolset<RequestContext> = {
  ...weatherHeader,
  createDeps: (env) => createWeatherDeps(env.config as unknown as WeatherSettings),
  tools: [getAlerts, getForecast],
  resources: weatherResources,
  prompts: weatherPrompts,
  instructions:
    'Weather (NWS, US only): get_alerts {state} for active alerts (no alerts is a normal answer), get_forecast {latitude, longitude} for the next periods. Upstream trouble comes back as upstream_unavailable or upstream_timeout (retryable).',
};
