import type { RequestContext } from '../../server/context.js';
import type { ToolsetHeader, ToolsetManifest } from '../../toolkit/define.js';
import { WEATHER_CONFIG } from './config.js';

/** The toolset's id, and the key of its dependencies in `RequestContext.deps`. */
export const WEATHER = 'weather';

export const weatherHeader: ToolsetHeader = {
  id: WEATHER,
  description: 'US weather from the National Weather Service: active alerts by state and point forecasts.',
  default: false,
  scopes: { 'weather:read': 'Read NWS weather alerts and forecasts (get_alerts, get_forecast, alerts:// and weather:// resources, emergency_summary).' },
  // Eager: the configuration table (flags, env vars, --help) holds every toolset's keys, selected or not.
  config: WEATHER_CONFIG,
};

/** The NWS weather toolset, loaded only with `--toolsets ...,weather`. */
export const weatherManifest: ToolsetManifest<RequestContext> = {
  ...weatherHeader,
  load: async () => (await import('./index.js')).weatherToolset,
};
