import type { z } from 'zod';
import { TOOLSET_MANIFESTS } from '../toolsets/manifests.js';
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
 * The core's keys, assembled from the owners' groups (src/config/keys/). The
 * order of the spreads is the order of `--help` and of the README's
 * configuration table: a group is a run of consecutive rows, which is why an
 * owner may hold more than one.
 */
export const CORE_CONFIG = {
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
} as const satisfies Record<string, ConfigKey>;

export type ConfigName = keyof typeof CORE_CONFIG;
/** The resolved core configuration. A toolset's own keys are there too at run time, read by name (`ToolsetEnv.config`). */
export type Config = { [K in ConfigName]: z.output<(typeof CORE_CONFIG)[K]['schema']> };

/**
 * The core's keys, then each toolset's (`Toolset.config`), in toolset order.
 * @throws Error when a toolset's key repeats another key's name, flag or env var (a build mistake).
 */
export function collectConfig(
  core: Readonly<Record<string, ConfigKey>>,
  toolsets: ReadonlyArray<{ id: string; config?: Readonly<Record<string, ConfigKey>> }>,
): Readonly<Record<string, ConfigKey>> {
  const table: Record<string, ConfigKey> = { ...core };
  const flags = new Set(Object.values(core).map((k) => k.flag));
  const envs = new Set(Object.values(core).map((k) => k.env));
  for (const set of toolsets) {
    for (const [name, key] of Object.entries(set.config ?? {})) {
      if (name in table || flags.has(key.flag) || envs.has(key.env)) {
        throw new Error(`toolset ${set.id}: config key ${name} (--${key.flag}, ${key.env}) repeats an existing key`);
      }
      table[name] = key;
      flags.add(key.flag);
      envs.add(key.env);
    }
  }
  return table;
}

/** Every configuration key: the core's ({@link CORE_CONFIG}), then the shipped toolsets' own. */
export const CONFIG: Readonly<Record<string, ConfigKey>> = collectConfig(CORE_CONFIG, TOOLSET_MANIFESTS);
