import { z } from 'zod';
import type { ConfigKey } from '../../config/schema.js';

/**
 * The weather toolset's configuration keys (flag, env var, default, doc),
 * declared on the toolset (`Toolset.config`) and collected into the one config
 * table (src/config/schema.ts) so `--help`, the
 * README table and validation come from the same declarations. The flag names
 * are fixed by issue 15: outside checks use them.
 */
export const WEATHER_CONFIG = {
  weatherApiUrl: {
    flag: 'weather-api-url',
    env: 'TASKWIRE_WEATHER_API_URL',
    doc: 'Base URL of the National Weather Service API (point it at a mirror or a test server; forecast links are always followed on this base).',
    defaultDoc: 'https://api.weather.gov',
    schema: z
      .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
      .default('https://api.weather.gov')
      .transform((u) => u.replace(/\/+$/, '')),
    commands: ['stdio', 'serve'],
  },
  weatherUserAgent: {
    flag: 'weather-user-agent',
    env: 'TASKWIRE_WEATHER_USER_AGENT',
    doc: 'User-Agent sent to the NWS API, with a contact address, e.g. `myapp/1.0 (ops@example.com)`; NWS refuses requests without one. Required with the weather toolset.',
    defaultDoc: '(none)',
    schema: z.string().trim().max(200, 'must be at most 200 characters').optional(),
    commands: ['stdio', 'serve'],
  },
  weatherTimeoutMs: {
    flag: 'weather-timeout-ms',
    env: 'TASKWIRE_WEATHER_TIMEOUT_MS',
    doc: 'Response timeout (ms) per NWS request: to the headers, and between body chunks. Connecting has 5000 ms; a whole call, retries included, at most this plus 10000.',
    defaultDoc: '15000',
    schema: z.coerce.number().int().min(100).max(120_000).default(15_000),
    commands: ['stdio', 'serve'],
  },
  weatherRetries: {
    flag: 'weather-retries',
    env: 'TASKWIRE_WEATHER_RETRIES',
    doc: 'Retries of an NWS request after a 429, a 5xx, a timeout or a failed connection (exponential backoff with jitter, Retry-After honoured).',
    defaultDoc: '2',
    schema: z.coerce.number().int().min(0).max(5).default(2),
    commands: ['stdio', 'serve'],
  },
} satisfies Record<string, ConfigKey>;

/** The resolved weather settings. */
export interface WeatherSettings {
  weatherApiUrl: string;
  weatherUserAgent?: string;
  weatherTimeoutMs: number;
  weatherRetries: number;
}
