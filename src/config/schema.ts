import type { z } from 'zod';
import { WEATHER_CONFIG } from '../toolsets/weather/config.js';
import { AUTH_KEYS } from './keys/auth.js';
import { CALL_LIMIT_KEYS, FLOOD_KEYS } from './keys/guardrails.js';
import { HTTP_LIMIT_KEYS, REPLICA_KEYS, SERVING_KEYS, TOOL_SELECTION_KEYS } from './keys/serving.js';
import { REDIS_KEYS, RETENTION_KEYS, STORAGE_KEYS } from './keys/storage.js';
import { TELEMETRY_KEYS } from './keys/telemetry.js';

export { defaultDbPath } from './keys/serving.js';

/**
 * Every configuration key, declared once: its CLI flag, environment variable,
 * default, documentation and validator. The CLI parser, `--help` and the
 * README's configuration table are all generated from this list.
 * Precedence: flag, then environment variable, then default.
 */
export interface ConfigKey<T = unknown> {
  /** `--flag-name` (without dashes). */
  flag: string;
  env: string;
  doc: string;
  /** Shown in docs; `undefined` when the default is computed. */
  defaultDoc: string;
  schema: z.ZodType<T>;
  /** Which commands read it. */
  commands: ReadonlyArray<'stdio' | 'serve'>;
  /** Boolean switch (no value). */
  boolean?: boolean;
}

/**
 * The whole table, assembled from the owners' groups (src/config/keys/). The
 * order of the spreads is the order of `--help` and of the README's
 * configuration table: a group is a run of consecutive rows, which is why an
 * owner may hold more than one.
 */
export const CONFIG = {
  ...SERVING_KEYS,
  ...AUTH_KEYS,
  ...TOOL_SELECTION_KEYS,
  ...HTTP_LIMIT_KEYS,
  ...STORAGE_KEYS,
  ...FLOOD_KEYS,
  ...REDIS_KEYS,
  ...REPLICA_KEYS,
  ...CALL_LIMIT_KEYS,
  ...TELEMETRY_KEYS,
  ...RETENTION_KEYS,
  // Keys a toolset owns live in its folder.
  ...WEATHER_CONFIG,
} as const satisfies Record<string, ConfigKey>;

export type ConfigName = keyof typeof CONFIG;
export type Config = { [K in ConfigName]: z.output<(typeof CONFIG)[K]['schema']> };
