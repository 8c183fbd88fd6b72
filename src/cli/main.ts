#!/usr/bin/env node
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, isLoopback, loadConfig } from '../config/load.js';
import { CONFIG, type Config } from '../config/schema.js';
import { openApp } from '../server/app.js';
import { SelectionError } from '../server/select.js';
import { openConfiguredStore } from '../store/open.js';
import { NoSqliteDriver } from '../store/sqlite/driver.js';
import { StoreError, type TaskStore } from '../store/types.js';
import { createLogger } from '../telemetry/logger.js';
import { setupTelemetry } from '../telemetry/setup.js';
import { loadToolsets } from '../toolsets/manifests.js';
import type { serveHttp } from '../transport/http.js';
import { serveOverStdio } from '../transport/stdio.js';
import { consoleToStderr } from '../transport/stdio-console.js';
import { VERSION } from '../version.js';
import { type AuditOptions, AuditUsageError, readAudit } from './audit.js';
import { CLIENTS, type ClientName, currentLaunch, installInto, renderConfig } from './install.js';
import { runToken, TOKEN_OPTIONS, TOKEN_USAGE } from './token.js';

/**
 * `taskwire` command line. Nothing but JSON-RPC is ever written to stdout by
 * the stdio server; every message of this file goes to stderr, except the
 * output a user asked for (`--help`, `--version`, `install --print`).
 * Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error.
 */

const USAGE = `taskwire ${VERSION} — a task tracker for AI agents, as an MCP server

Usage:
  taskwire [options]                      serve one client over stdio (what MCP clients spawn)
  taskwire serve [options]                serve Streamable HTTP at http://127.0.0.1:8765/mcp (and the board at /)
  taskwire board [options]                open the board for a stdio install: serves it on a loopback port
                                          (any free one unless --port) over the same database; prints its URL
  taskwire install <client> [--print]     add Taskwire to a client's config (${CLIENTS.join(', ')})
${TOKEN_USAGE}
  taskwire doctor [serve options]         check a serving configuration (database, issuer, JWKS, audience,
                                          metadata) and print client config snippets; set
                                          TASKWIRE_DOCTOR_TOKEN to a sample access token to validate it too
  taskwire audit [--since 24h|ISO-date] [--principal P] [--tool T] [--limit N] [--json]
                                          recent tool calls of --workspace from the audit trail, newest first
  taskwire --help | --version

Options (flag, environment variable, default):
${Object.values(CONFIG)
  .map((k) => `  --${k.flag.padEnd(20)} ${k.env.padEnd(28)} ${k.defaultDoc}\n      ${k.doc}`)
  .join('\n')}
`;

function fail(message: string, code = 2): never {
  process.stderr.write(`taskwire: ${message}\n`);
  process.exit(code);
}

export async function main(argv: string[]): Promise<void> {
  const options: Record<string, { type: 'string' | 'boolean' }> = {
    help: { type: 'boolean' },
    version: { type: 'boolean' },
    print: { type: 'boolean' },
    // taskwire audit
    since: { type: 'string' },
    principal: { type: 'string' },
    tool: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
  };
  for (const key of Object.values(CONFIG)) options[key.flag] = { type: 'boolean' in key && key.boolean ? 'boolean' : 'string' };
  Object.assign(options, TOKEN_OPTIONS);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    fail(`${(error as Error).message}. See taskwire --help.`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  const [command = 'stdio', ...rest] = positionals;
  let config: Config;
  try {
    config = loadConfig(values as Record<string, string | boolean | undefined>);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  switch (command) {
    case 'stdio':
      return runStdio(config);
    case 'serve':
      return runHttp(config);
    case 'board':
      // The stdio user's own board: no authentication, so loopback only, on the same database.
      return runHttp({ ...config, auth: 'none', host: isLoopback(config.host) ? config.host : '127.0.0.1', port: values.port === undefined ? 0 : config.port }, true);
    case 'install':
      return runInstall(rest[0], Boolean(values.print), config, values);
    case 'token':
      return runToken(rest, values, config, fail);
    case 'doctor': {
      const { doctor, formatChecks } = await import('./doctor.js');
      const checks = await doctor(config, {
        store: () => openConfiguredStore(config),
        ...(process.env.TASKWIRE_DOCTOR_TOKEN ? { sampleToken: process.env.TASKWIRE_DOCTOR_TOKEN } : {}),
      });
      process.stdout.write(formatChecks(checks));
      if (checks.some((c) => c.status === 'fail')) process.exitCode = 1;
      return;
    }
    case 'audit':
      return runAudit(config, values as AuditOptions);
    default:
      fail(`unknown command "${command}"; expected serve, board, install, token, doctor or audit (or none for stdio). See taskwire --help.`);
  }
}

function localPrincipal(): string {
  try {
    return userInfo().username || 'local';
  } catch {
    return 'local';
  }
}

async function start(config: Config, http: boolean) {
  const logger = createLogger(config.logLevel);
  // Before the app: whether tracing is on decides how the store is wrapped. On stdio there is no GET /metrics,
  // so metrics are only made (and recorded) when they are exported over OTLP.
  const telemetry = await setupTelemetry({ metrics: config.metrics, prometheus: http });
  try {
    const app = await openApp(await loadToolsets(config.toolsets), config, logger, localPrincipal());
    app.telemetry = telemetry;
    return { app, logger };
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    if (error instanceof SelectionError) fail(`--toolsets/--tools/--exclude-tools: ${error.message}`);
    if (error instanceof StoreError) {
      // No driver is not a path problem: its message already says what to reinstall.
      if (error.details?.cause instanceof NoSqliteDriver) fail(error.message, 1);
      fail(`${error.message} (${config.databaseUrl ? 'check --database-url / DATABASE_URL' : 'set --db or TASKWIRE_DB to a writable path'})`, 1);
    }
    throw error;
  }
}

/**
 * Run a shutdown step with the event loop held open: once stdin or the
 * listener is closed nothing else keeps the process alive, and it would exit
 * mid-way, before buffered audit rows, spans and metrics are written.
 */
function keptAlive(fn: () => Promise<void>): () => Promise<void> {
  return async () => {
    const hold = setInterval(() => undefined, 1000);
    try {
      await fn();
    } finally {
      clearInterval(hold);
    }
  };
}

function onSignals(close: () => Promise<void>): void {
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    const timer = setTimeout(() => process.exit(1), 10_000).unref();
    close()
      .catch((error) => process.stderr.write(`taskwire: error during shutdown after ${signal}: ${error}\n`))
      .finally(() => {
        clearTimeout(timer);
        process.exit(0);
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

async function runStdio(config: Config): Promise<void> {
  consoleToStderr();
  const { app, logger } = await start(config, false);
  const handle = serveOverStdio(app);
  logger.info({ db: storeName(config), workspace: config.workspace, toolsets: config.toolsets }, 'taskwire serving over stdio');
  const close = keptAlive(async () => {
    await handle.close();
    await app.close();
    await app.telemetry?.shutdown(); // flush spans and metrics still batched
  });
  onSignals(close);
  // The client closing stdin ends the session.
  process.stdin.once('end', () => void close().finally(() => process.exit(0)));
}

async function runHttp(config: Config, boardOnly = false): Promise<void> {
  if (config.auth === 'none' && !isLoopback(config.host)) {
    fail(
      `refusing to bind ${config.host} without authentication: with --auth none only a loopback address (127.0.0.1, ::1, localhost) is allowed. Use --auth api-key (and taskwire token create) or --auth oauth --issuer URL --public-url URL, or --host 127.0.0.1.`,
    );
  }
  // The HTTP transport (and with it Hono, jose and the auth modules) is loaded only when serving HTTP.
  const [{ serveHttp }, { AuthConfigError }] = await Promise.all([import('../transport/http.js'), import('../auth/setup.js')]);
  const { app, logger } = await start(config, true);
  let http: Awaited<ReturnType<typeof serveHttp>>;
  try {
    http = await serveHttp(app);
  } catch (error) {
    if (error instanceof AuthConfigError) fail(error.message);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') fail(`port ${config.port} on ${config.host} is already in use; pick another with --port`, 1);
    throw error;
  }
  onSignals(
    keptAlive(async () => {
      await http.close();
      await app.close();
      await app.telemetry?.shutdown();
    }),
  );
  const url = config.publicUrl ?? http.url;
  const boardUrl = new URL('/', boardOnly ? http.url : url).toString();
  if (boardOnly) {
    process.stdout.write(`${boardUrl}\n`);
    process.stderr.write(`\nThe Taskwire board of ${storeName(config)} (workspace ${config.workspace}) is at ${boardUrl}\nPress Ctrl+C to stop.\n`);
    return;
  }
  const keyed = config.auth === 'api-key';
  const snippet = JSON.stringify(
    { mcpServers: { taskwire: { type: 'http', url, ...(keyed ? { headers: { Authorization: `Bearer \${TASKWIRE_API_KEY}` } } : {}) } } },
    null,
    2,
  );
  const who = config.auth === 'none' ? `workspace: ${config.workspace}` : `auth: ${config.auth}${config.issuer ? ` (issuer ${config.issuer})` : ''}`;
  process.stderr.write(
    `\nTaskwire ${VERSION} is serving MCP over Streamable HTTP at ${http.url}\n` +
      `The board for humans: ${boardUrl}\n` +
      `database: ${storeName(config)}   ${who}   toolsets: ${config.toolsets.join(',')}${config.readOnly ? '   read-only' : ''}\n\n` +
      `Connect Claude Code:  claude mcp add --transport http taskwire ${url}${keyed ? ' --header "Authorization: Bearer $TASKWIRE_API_KEY"' : ''}\n` +
      `Or add to a client's MCP config:\n${snippet}\n\nPress Ctrl+C to stop.\n\n`,
  );
  logger.info({ url: http.url }, 'taskwire serving over HTTP');
}

/** Where the tasks live, for humans: the SQLite path, or the PostgreSQL URL without its password. */
function storeName(config: Config): string {
  if (!config.databaseUrl) return config.db;
  const url = new URL(config.databaseUrl);
  if (url.password) url.password = '***';
  return `${url.toString()} (schema ${config.databaseSchema})`;
}

async function runAudit(config: Config, options: AuditOptions): Promise<void> {
  let store: TaskStore;
  try {
    store = await openConfiguredStore(config);
  } catch (error) {
    fail(`${(error as Error).message} (${config.databaseUrl ? 'check --database-url / DATABASE_URL' : 'set --db or TASKWIRE_DB'})`, 1);
  }
  try {
    process.stdout.write(await readAudit(store, config.workspace, options));
  } catch (error) {
    if (error instanceof AuditUsageError) fail(error.message);
    throw error;
  } finally {
    await store.close();
  }
}

function runInstall(client: string | undefined, print: boolean, config: Config, values: Record<string, unknown>): void {
  if (!client || !(CLIENTS as readonly string[]).includes(client)) {
    fail(`install needs a client: ${CLIENTS.join(', ')} (e.g. taskwire install claude-code)`);
  }
  const env: Record<string, string> = {};
  // Pin what the user chose explicitly, so the client runs with the same settings. A generic variable
  // (DATABASE_URL) may belong to another program: it is pinned only when given as a flag.
  for (const key of Object.values(CONFIG)) {
    const v = values[key.flag] ?? (key.env.startsWith('TASKWIRE_') ? process.env[key.env] : undefined);
    if (typeof v === 'string' && (key.commands as readonly string[]).includes('stdio')) env[key.env] = v;
  }
  env.TASKWIRE_DB = resolve(config.db); // the client starts the server elsewhere: never a relative path
  const launch = currentLaunch(env, VERSION);
  if (print) {
    process.stdout.write(renderConfig(client as ClientName, launch));
    return;
  }
  let path: string;
  try {
    path = installInto(client as ClientName, launch);
  } catch (error) {
    fail((error as Error).message, 1);
  }
  process.stderr.write(`Added "taskwire" to ${path}\nRestart ${client} to pick it up. It will run: ${launch.command} ${launch.args.join(' ')}\n`);
}

main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`taskwire: unexpected error: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
