import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { PACKAGE_ROOT } from '../package-root.js';

/**
 * `taskwire install <client>`: the stdio launch line for each client's config
 * file. Formats checked against each client's documentation: Claude Desktop,
 * Cursor and Windsurf (`mcpServers`), Claude Code (`.mcp.json`, `mcpServers` with
 * `type`), VS Code (`.vscode/mcp.json`, `servers` with `type`), Codex CLI
 * (`$CODEX_HOME/config.toml`, a `[mcp_servers.<name>]` table with `command`,
 * `args` and an inline `env` table).
 */
export const CLIENTS = ['claude-desktop', 'claude-code', 'cursor', 'vscode', 'windsurf', 'codex'] as const;
export type ClientName = (typeof CLIENTS)[number];

/** The npm package name clients fetch with `npx -y`. */
export const PACKAGE_NAME = 'taskwire';

/**
 * How a client launches Taskwire over stdio.
 * - `npx`: from an installed package (npm, `npx`, global): `npx -y taskwire@<version>`, pinned to the
 *   version that wrote it, so the config keeps working after the npx cache is cleared.
 * - `clone`: from a git checkout: this Node binary and this CLI file, both absolute (clients do not
 *   inherit your shell's PATH or cwd).
 */
export interface Launch {
  mode: 'npx' | 'clone';
  command: string;
  args: string[];
  env: Record<string, string>;
}

/** The CLI entry users run (package.json `bin`). */
const THIS_CLI = join(PACKAGE_ROOT, 'dist', 'cli', 'main.js');

/** True when the CLI file lives inside a `node_modules` tree (npm install, npx cache, global install). */
export function isInstalledPackage(cli: string = THIS_CLI): boolean {
  return resolve(cli).split(sep).includes('node_modules');
}

/**
 * The launch line for this very installation (see {@link Launch}). On Windows a
 * client spawns without a shell, and `npx` is a `.cmd` script there, so the
 * npx form goes through `cmd /c`.
 */
export function currentLaunch(env: Record<string, string>, version: string, cli: string = THIS_CLI, platform: NodeJS.Platform = process.platform): Launch {
  if (!isInstalledPackage(cli)) return { mode: 'clone', command: process.execPath, args: [cli], env };
  const npx = ['-y', `${PACKAGE_NAME}@${version}`];
  return platform === 'win32' ? { mode: 'npx', command: 'cmd', args: ['/c', 'npx', ...npx], env } : { mode: 'npx', command: 'npx', args: npx, env };
}

/** Where each client keeps its MCP server list (user scope, or project scope for Claude Code and VS Code). */
export function configPath(client: ClientName, cwd = process.cwd(), home = homedir(), platform = process.platform): string {
  switch (client) {
    case 'claude-desktop':
      if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Claude', 'claude_desktop_config.json');
      if (platform === 'win32') return join(process.env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Claude', 'claude_desktop_config.json');
      return join(process.env.XDG_CONFIG_HOME ?? join(home, '.config'), 'Claude', 'claude_desktop_config.json');
    case 'claude-code':
      return join(cwd, '.mcp.json');
    case 'cursor':
      return join(home, '.cursor', 'mcp.json');
    case 'vscode':
      return join(cwd, '.vscode', 'mcp.json');
    case 'windsurf':
      return join(home, '.codeium', 'windsurf', 'mcp_config.json');
    case 'codex':
      return join(process.env.CODEX_HOME ?? join(home, '.codex'), 'config.toml');
  }
}

/** The JSON block for one JSON-configured client, keyed the way that client expects (`mcpServers`, or `servers` for VS Code). */
export function configBlock(client: Exclude<ClientName, 'codex'>, launch: Launch, name = 'taskwire'): Record<string, unknown> {
  const entry = { command: launch.command, args: launch.args, ...(Object.keys(launch.env).length ? { env: launch.env } : {}) };
  if (client === 'vscode') return { servers: { [name]: { type: 'stdio', ...entry } } };
  if (client === 'claude-code') return { mcpServers: { [name]: { type: 'stdio', ...entry } } };
  return { mcpServers: { [name]: entry } };
}

/**
 * Codex CLI's TOML table for the server. Strings are written as TOML basic
 * strings (JSON string escapes are valid TOML escapes); env var names are bare keys.
 */
export function codexTable(launch: Launch, name = 'taskwire'): string {
  const str = (s: string) => JSON.stringify(s);
  const lines = [`[mcp_servers.${name}]`, `command = ${str(launch.command)}`, `args = [${launch.args.map(str).join(', ')}]`];
  const env = Object.entries(launch.env);
  if (env.length) lines.push(`env = { ${env.map(([k, v]) => `${k} = ${str(v)}`).join(', ')} }`);
  return `${lines.join('\n')}\n`;
}

/**
 * Put the table into a TOML document: replace an existing `[mcp_servers.<name>]`
 * table (and its sub-tables) where it stands, else append. Everything else is
 * kept byte for byte. Table headers are recognised at the start of a line, which
 * is where TOML puts them (a multi-line string whose line starts with `[` would fool it).
 */
export function upsertTomlTable(document: string, table: string, name = 'taskwire'): string {
  const lines = document.split('\n');
  const own = new RegExp(`^\\s*\\[\\s*mcp_servers\\s*\\.\\s*("${name}"|${name})\\s*(\\.[^\\]]*)?\\]\\s*(#.*)?$`);
  const header = /^\s*\[/;
  const start = lines.findIndex((l) => own.test(l));
  if (start === -1) {
    const body = document.replace(/\n*$/, '');
    return body ? `${body}\n\n${table}` : table;
  }
  let end = start + 1;
  while (end < lines.length && !(header.test(lines[end] as string) && !own.test(lines[end] as string))) end++;
  // Keep the blank lines that separated the old table from the next one.
  while (end > start + 1 && (lines[end - 1] as string).trim() === '') end--;
  return [...lines.slice(0, start), table.replace(/\n$/, ''), ...lines.slice(end)].join('\n');
}

/**
 * Write a config file atomically (temp file + rename), through a symlink to its
 * target, keeping the existing file's permissions (it may hold other servers'
 * secrets); new files are 0600.
 */
function writeAtomically(requested: string, build: (current: string | undefined, path: string) => string): void {
  const path = existsSync(requested) ? realpathSync(requested) : requested;
  const exists = existsSync(path);
  const mode = exists ? statSync(path).mode & 0o777 : undefined;
  const text = build(exists ? readFileSync(path, 'utf8') : undefined, path);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.taskwire-${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: mode ?? 0o600 });
  if (mode !== undefined) chmodSync(tmp, mode);
  renameSync(tmp, path);
}

/**
 * Merge the block into the client's JSON config file, keeping every other server and setting.
 * @throws Error when the existing file is not valid JSON or not an object (it is left untouched).
 */
export function writeClientConfig(requested: string, block: Record<string, unknown>): void {
  writeAtomically(requested, (text, path) => {
    let current: Record<string, unknown> = {};
    if (text !== undefined) {
      let parsed: unknown;
      try {
        parsed = text.trim() ? JSON.parse(text) : {};
      } catch {
        throw new Error(`${path} is not valid JSON; fix or move it, then run install again (nothing was written)`);
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new Error(`${path} does not hold a JSON object; fix or move it, then run install again (nothing was written)`);
      }
      current = parsed as Record<string, unknown>;
    }
    for (const [key, servers] of Object.entries(block)) {
      current[key] = { ...((current[key] as Record<string, unknown> | undefined) ?? {}), ...(servers as Record<string, unknown>) };
    }
    return `${JSON.stringify(current, null, 2)}\n`;
  });
}

/** Put the Codex table into `config.toml` (see {@link upsertTomlTable}), atomically. */
export function writeCodexConfig(requested: string, table: string): void {
  writeAtomically(requested, (text) => upsertTomlTable(text ?? '', table));
}

/** A shell line for Claude Code's own CLI, equivalent to the project-scope file. */
export function claudeCodeCommand(launch: Launch): string {
  const env = Object.entries(launch.env).map(([k, v]) => `--env ${k}=${shellQuote(v)}`);
  return ['claude mcp add --scope user', ...env, 'taskwire --', shellQuote(launch.command), ...launch.args.map(shellQuote)].join(' ');
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** What `install` prints with `--print` (stdout) or writes: the config text for one client. */
export function renderConfig(client: ClientName, launch: Launch): string {
  if (client === 'codex') return codexTable(launch);
  const json = `${JSON.stringify(configBlock(client, launch), null, 2)}\n`;
  return client === 'claude-code' ? `${json}\n# or, with Claude Code's CLI:\n${claudeCodeCommand(launch)}\n` : json;
}

/** Write the client's config file for this launch. @throws Error as {@link writeClientConfig}. */
export function installInto(client: ClientName, launch: Launch, path = configPath(client)): string {
  if (client === 'codex') writeCodexConfig(path, codexTable(launch));
  else writeClientConfig(path, configBlock(client, launch));
  return path;
}
