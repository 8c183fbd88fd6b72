import type { OutboundClient, UpstreamResponse } from '../../outbound/client.js';
import { ToolError } from '../../toolkit/errors.js';
import type { StateCode } from './states.js';

/**
 * The National Weather Service API (https://www.weather.gov/documentation/services-web-api,
 * OpenAPI 1.9.0), read through an {@link OutboundClient}. Parses only the fields
 * it needs and tolerates format drift (2019 `/points` bodies have no `gridId`;
 * newer forecasts drop `updated`). Upstream bodies never leave this module:
 * problem+json answers (RFC 7807) become `ToolError`s naming our own fields.
 */

/** One active alert, as the tools return it. */
export interface Alert {
  id: string;
  event: string;
  severity: string;
  urgency: string;
  certainty: string;
  headline: string | null;
  area: string;
  effective: string | null;
  expires: string | null;
  instruction: string | null;
}

/** One forecast period. */
export interface ForecastPeriod {
  name: string;
  start: string;
  temperature: number | null;
  temperature_unit: string;
  wind: string;
  short_forecast: string;
  detailed_forecast: string;
}

export interface Forecast {
  /** The point as sent to the API (rounded to 4 decimals). */
  latitude: number;
  longitude: number;
  /** Nearest place named by the API, e.g. "Linn, KS". */
  location: string | null;
  office: string | null;
  hourly: boolean;
  periods: ForecastPeriod[];
}

const GEO_JSON = 'application/geo+json';

export class NwsApi {
  constructor(
    private readonly http: OutboundClient,
    /** Base URL without a trailing slash, e.g. https://api.weather.gov. */
    readonly baseUrl: string,
  ) {}

  /** Active alerts for a state or territory (`GET /alerts/active/area/{state}`). */
  async alerts(state: StateCode, signal?: AbortSignal): Promise<Alert[]> {
    const res = await this.http.get(`${this.baseUrl}/alerts/active/area/${state}`, { signal, accept: GEO_JSON });
    if (res.status !== 200) throw problem(res, 'state');
    const features = (res.body as { features?: unknown })?.features;
    if (!Array.isArray(features)) throw malformed('alerts');
    return features.map((f) => toAlert((f as { properties?: Record<string, unknown> })?.properties ?? {}));
  }

  /** How long (ms) the cached alerts of `state` stay fresh by their response headers (0: none cached). */
  alertsFreshForMs(state: StateCode): number {
    return this.http.freshForMs(`${this.baseUrl}/alerts/active/area/${state}`, GEO_JSON);
  }

  /**
   * The forecast for a point: `GET /points/{lat},{lon}`, then the forecast (or
   * hourly) link it gives, requested on our own base URL (its path only), so a
   * response can never send us to another host.
   */
  async forecast(latitude: number, longitude: number, hourly: boolean, signal?: AbortSignal): Promise<Forecast> {
    const lat = round4(latitude);
    const lon = round4(longitude);
    const res = await this.http.get(`${this.baseUrl}/points/${lat},${lon}`, { signal, accept: GEO_JSON });
    if (res.status !== 200) throw problem(res, 'point');
    const props = (res.body as { properties?: Record<string, unknown> })?.properties ?? {};
    const link = props[hourly ? 'forecastHourly' : 'forecast'];
    if (typeof link !== 'string') throw outsideCoverage();
    const forecast = await this.http.get(this.onBase(link), { signal, accept: GEO_JSON });
    if (forecast.status !== 200) throw problem(forecast, 'point');
    const periods = (forecast.body as { properties?: { periods?: unknown } })?.properties?.periods;
    if (!Array.isArray(periods)) throw malformed('forecast');
    const place = ((props.relativeLocation as { properties?: Record<string, unknown> })?.properties ?? {}) as Record<string, unknown>;
    return {
      latitude: lat,
      longitude: lon,
      location: typeof place.city === 'string' ? `${place.city}${typeof place.state === 'string' ? `, ${place.state}` : ''}` : null,
      office: typeof props.gridId === 'string' ? props.gridId : officeFromUrl(link),
      hourly,
      periods: periods.map((p) => toPeriod(p as Record<string, unknown>)),
    };
  }

  private onBase(link: string): string {
    let path: string;
    try {
      const url = new URL(link, this.baseUrl);
      path = `${url.pathname}${url.search}`;
    } catch {
      throw malformed('points');
    }
    return `${this.baseUrl}${path}`;
  }
}

/** Round to the 4 decimals the API accepts; `String()` then drops trailing zeros, so `/points` never answers 301. */
export function round4(value: number): number {
  const r = Number(value.toFixed(4));
  return Object.is(r, -0) ? 0 : r;
}

const str = (v: unknown) => (typeof v === 'string' ? v : null);

function toAlert(p: Record<string, unknown>): Alert {
  return {
    id: str(p.id) ?? '',
    event: str(p.event) ?? 'Alert',
    severity: str(p.severity) ?? 'Unknown',
    urgency: str(p.urgency) ?? 'Unknown',
    certainty: str(p.certainty) ?? 'Unknown',
    headline: str(p.headline),
    area: str(p.areaDesc) ?? '',
    effective: str(p.effective),
    expires: str(p.expires),
    instruction: str(p.instruction),
  };
}

function toPeriod(p: Record<string, unknown>): ForecastPeriod {
  const wind = [str(p.windSpeed), str(p.windDirection)].filter(Boolean).join(' ');
  return {
    name: str(p.name) || str(p.startTime) || '',
    start: str(p.startTime) ?? '',
    temperature: typeof p.temperature === 'number' ? p.temperature : null,
    temperature_unit: str(p.temperatureUnit) ?? '',
    wind,
    short_forecast: str(p.shortForecast) ?? '',
    detailed_forecast: str(p.detailedForecast) ?? '',
  };
}

function officeFromUrl(link: string): string | null {
  return /\/gridpoints\/([A-Z]{3})\//.exec(link)?.[1] ?? null;
}

function outsideCoverage(): ToolError {
  return new ToolError('invalid_input', 'The NWS API has no forecast for this point: it is outside its coverage (the US and its territories).', {
    fields: [
      { field: 'latitude', message: 'must be inside NWS coverage (US states and territories)' },
      { field: 'longitude', message: 'must be inside NWS coverage (US states and territories)' },
    ],
  });
}

function malformed(what: string): ToolError {
  return new ToolError('upstream_unavailable', `The NWS API sent a ${what} response in an unexpected shape.`, { hint: 'Retry later.' });
}

/**
 * An answer the client did not retry (3xx, 4xx): map the API's problem+json to
 * our error, by its `type`, never passing its body on. 404 `InvalidPoint` /
 * outside coverage → `invalid_input` on latitude and longitude; a 400 with
 * `parameterErrors` → `invalid_input`; anything else (403 from the edge without
 * a User-Agent, HTML bodies) → `upstream_unavailable`.
 */
function problem(res: UpstreamResponse, subject: 'state' | 'point'): ToolError {
  const body = (res.contentType.includes('problem+json') && typeof res.body === 'object' && res.body) || {};
  const type = String((body as { type?: unknown }).type ?? '');
  if (subject === 'point' && (res.status === 404 || /InvalidPoint/.test(type))) return outsideCoverage();
  if (res.status === 400 || res.status === 404) {
    const field = subject === 'state' ? 'state' : 'latitude';
    return new ToolError('invalid_input', `The NWS API refused the ${subject} (HTTP ${res.status}).`, {
      fields: [{ field, message: subject === 'state' ? 'must be a two-letter state or territory code' : 'must be a valid point' }],
    });
  }
  return new ToolError('upstream_unavailable', `The NWS API refused the request (HTTP ${res.status}).`, {
    hint: res.status === 403 ? 'The server operator must set a User-Agent with a contact address (--weather-user-agent).' : 'Retry later.',
  });
}
