import { ConfigError } from '../../config/errors.js';
import { OutboundClient } from '../../outbound/client.js';
import type { RequestContext } from '../../server/context.js';
import type { WeatherSettings } from './config.js';
import { WEATHER } from './manifest.js';
import { NwsApi } from './nws.js';

/** What the weather toolset's handlers share, built once per app by {@link createWeatherDeps}. */
export interface WeatherDeps {
  nws: NwsApi;
  http: OutboundClient;
  close(): Promise<void>;
}

/**
 * Build the NWS client from the settings.
 * @throws ConfigError when no User-Agent is configured (NWS answers 403 without one).
 */
export function createWeatherDeps(settings: WeatherSettings): WeatherDeps {
  if (!settings.weatherUserAgent) {
    throw new ConfigError(
      'the weather toolset needs --weather-user-agent (TASKWIRE_WEATHER_USER_AGENT): an application name and a contact address, e.g. "myapp/1.0 (ops@example.com)"; the NWS API refuses requests without one',
    );
  }
  const http = new OutboundClient({
    name: 'the NWS API',
    userAgent: settings.weatherUserAgent,
    connectTimeoutMs: 5_000,
    responseTimeoutMs: settings.weatherTimeoutMs,
    totalTimeoutMs: settings.weatherTimeoutMs + 10_000,
    retries: settings.weatherRetries,
    cache: { maxEntries: 1_000, maxBytes: 16 * 1024 * 1024 },
  });
  return { nws: new NwsApi(http, settings.weatherApiUrl), http, close: () => http.close() };
}

/** The weather dependencies among an app's toolset dependencies (`ctx.deps`, or what a resource watch gets). */
export function weatherDeps(deps: Readonly<Record<string, unknown>>): WeatherDeps {
  const weather = deps[WEATHER] as WeatherDeps | undefined;
  if (!weather) throw new Error('weather toolset used without its dependencies');
  return weather;
}

/** The weather dependencies of this request's app. */
export function weatherOf(ctx: RequestContext): WeatherDeps {
  return weatherDeps(ctx.deps);
}
