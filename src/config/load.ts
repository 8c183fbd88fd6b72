import { ConfigError } from './errors.js';
import { CONFIG, type Config } from './schema.js';

export { ConfigError };

/**
 * Resolve every key (the core's and the toolsets', see {@link CONFIG}) from
 * parsed flags, then the environment, then the default. The result is typed
 * by the core's keys; a toolset reads its own keys by name (`ToolsetEnv.config`).
 * @throws ConfigError naming the flag and env var, e.g. `--port (TASKWIRE_PORT): must be at most 65535`.
 */
export function loadConfig(flags: Record<string, string | boolean | undefined>, env: NodeJS.ProcessEnv = process.env): Config {
  const out: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(CONFIG)) {
    const raw = flags[key.flag] ?? env[key.env];
    const parsed = key.schema.safeParse(raw === '' ? undefined : raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ConfigError(`--${key.flag} (${key.env}): ${issue?.message ?? 'invalid value'} (got ${JSON.stringify(raw)})`);
    }
    out[name] = parsed.data;
  }
  return out as Config;
}

/** Is `host` a loopback address or name (127.0.0.0/8, ::1, localhost)? */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}
