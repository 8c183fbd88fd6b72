import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLIENTS = ['claude-desktop', 'claude-code', 'cursor', 'vscode'] as const;
export type ClientName = (typeof CLIENTS)[number];

/** How a client launches Taskwire over stdio: absolute paths only (clients do not inherit your shell's PATH or cwd). */
export interface Launch {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/** The launch line for this very installation: this Node binary and this CLI file, both absolute. */
export function currentLaunch(env: Record<string, string> = {}): Launch {
  const cli = resolve(fileURLToPath(new URL('./main.js', import.meta.url)));
  return { command: process.execPath, args: [cli], env };
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
  }
}

/** The JSON block for one client, keyed the way that client expects (`mcpServers`, or `servers` for VS Code). */
export function configBlock(client: ClientName, launch: Launch, name = 'taskwire'): Record<string, unknown> {
  const entry = { command: launch.command, args: launch.args, ...(Object.keys(launch.env).length ? { env: launch.env } : {}) };
  if (client === 'vscode') return { servers: { [name]: { type: 'stdio', ...entry } } };
  if (client === 'claude-code') return { mcpServers: { [name]: { type: 'stdio', ...entry } } };
  return { mcpServers: { [name]: entry } };
}

/**
 * Merge the block into the client's config file, keeping every other server and
 * setting; written atomically (temp file + rename).
 * @throws Error when the existing file is not valid JSON (it is left untouched).
 */
export function writeClientConfig(requested: string, block: Record<string, unknown>): void {
  // Write through a symlinked config to its target, and keep the file's permissions (it may hold other servers' secrets).
  const path = existsSync(requested) ? realpathSync(requested) : requested;
  let current: Record<string, unknown> = {};
  let mode: number | undefined;
  if (existsSync(path)) {
    mode = statSync(path).mode & 0o777;
    const text = readFileSync(path, 'utf8');
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
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.taskwire-${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(current, null, 2)}\n`, { mode: mode ?? 0o600 });
  if (mode !== undefined) chmodSync(tmp, mode);
  renameSync(tmp, path);
}

/** A shell line for Claude Code's own CLI, equivalent to the project-scope file. */
export function claudeCodeCommand(launch: Launch): string {
  const env = Object.entries(launch.env).map(([k, v]) => `--env ${k}=${shellQuote(v)}`);
  return ['claude mcp add --scope user', ...env, 'taskwire --', shellQuote(launch.command), ...launch.args.map(shellQuote)].join(' ');
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
