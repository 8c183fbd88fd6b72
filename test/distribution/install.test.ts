import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { codexTable, currentLaunch, isInstalledPackage, renderConfig, upsertTomlTable } from '../../src/cli/install.js';
import { CLI, runCli } from '../e2e/cli-process.js';
import { tempDir } from '../harness.js';

/** Parse TOML with Python's standard tomllib (a real parser; none ships in node_modules). */
function parseToml(text: string): Record<string, unknown> {
  const out = execFileSync('python3', ['-c', 'import sys, json, tomllib; print(json.dumps(tomllib.loads(sys.stdin.read())))'], { input: text });
  return JSON.parse(out.toString('utf8'));
}

const ENV = { TASKWIRE_DB: '/home/a b/"quoted"\\db.sqlite' };

describe('taskwire install: which launch line', () => {
  it('uses npx pinned to this version when running from node_modules (npm, npx cache, global), absolute paths from a clone', () => {
    expect(isInstalledPackage('/home/u/.npm/_npx/0a1b/node_modules/taskwire/dist/cli/main.js')).toBe(true);
    expect(isInstalledPackage('/usr/lib/node_modules/taskwire/dist/cli/main.js')).toBe(true);
    expect(isInstalledPackage('/home/u/src/taskwire/dist/cli/main.js')).toBe(false);
    expect(isInstalledPackage('/home/u/node_modules_backup/taskwire/dist/cli/main.js')).toBe(false);
    const installed = '/p/node_modules/taskwire/dist/cli/main.js';
    expect(currentLaunch(ENV, '1.2.3', installed, 'linux')).toEqual({ mode: 'npx', command: 'npx', args: ['-y', 'taskwire@1.2.3'], env: ENV });
    expect(currentLaunch(ENV, '1.2.3', installed, 'win32')).toMatchObject({ command: 'cmd', args: ['/c', 'npx', '-y', 'taskwire@1.2.3'] });
    expect(currentLaunch(ENV, '1.2.3', '/src/taskwire/dist/cli/main.js', 'linux')).toEqual({
      mode: 'clone',
      command: process.execPath,
      args: ['/src/taskwire/dist/cli/main.js'],
      env: ENV,
    });
  });

  it('prints the npx form for every JSON client and Claude Code CLI line', () => {
    const launch = currentLaunch(ENV, '1.2.3', '/p/node_modules/taskwire/dist/cli/main.js', 'linux');
    for (const client of ['claude-desktop', 'cursor', 'windsurf'] as const) {
      expect(JSON.parse(renderConfig(client, launch)).mcpServers.taskwire).toEqual({ command: 'npx', args: ['-y', 'taskwire@1.2.3'], env: ENV });
    }
    expect(JSON.parse(renderConfig('vscode', launch)).servers.taskwire.type).toBe('stdio');
    expect(renderConfig('claude-code', launch)).toContain(
      'claude mcp add --scope user --env TASKWIRE_DB=\'/home/a b/"quoted"\\db.sqlite\' taskwire -- npx -y taskwire@1.2.3',
    );
  });
});

describe('taskwire install codex (TOML)', () => {
  const launch = currentLaunch(ENV, '1.2.3', '/p/node_modules/taskwire/dist/cli/main.js', 'linux');

  it('writes a [mcp_servers.taskwire] table that a TOML parser reads back exactly, quotes and backslashes included', () => {
    expect(parseToml(codexTable(launch))).toEqual({ mcp_servers: { taskwire: { command: 'npx', args: ['-y', 'taskwire@1.2.3'], env: ENV } } });
  });

  it('keeps every other setting and server, replaces its own table (and sub-tables) in place, and is idempotent', () => {
    const before = [
      '# my codex config',
      'model = "o3"',
      '',
      '[mcp_servers.other]',
      'command = "other"',
      '',
      '[mcp_servers.taskwire]',
      'command = "/old/node"',
      'args = ["/old/main.js"]',
      '',
      '[mcp_servers.taskwire.env]',
      'TASKWIRE_DB = "/old.db"',
      '',
      '[profiles.fast]',
      'model = "o4-mini"',
      '',
    ].join('\n');
    const after = upsertTomlTable(before, codexTable(launch));
    const parsed = parseToml(after) as { model: string; mcp_servers: Record<string, unknown>; profiles: unknown };
    expect(parsed.model).toBe('o3');
    expect(parsed.profiles).toEqual({ fast: { model: 'o4-mini' } });
    expect(parsed.mcp_servers).toEqual({ other: { command: 'other' }, taskwire: { command: 'npx', args: ['-y', 'taskwire@1.2.3'], env: ENV } });
    expect(after.startsWith('# my codex config\nmodel = "o3"\n\n[mcp_servers.other]')).toBe(true);
    expect(after.indexOf('[mcp_servers.taskwire]')).toBeLessThan(after.indexOf('[profiles.fast]'));
    expect(upsertTomlTable(after, codexTable(launch))).toBe(after);
    expect(parseToml(upsertTomlTable('', codexTable(launch)))).toEqual(parseToml(codexTable(launch)));
  });
});

describe('taskwire install from a clone (the built CLI)', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('writes Windsurf and Codex configs with absolute paths, keeping what was there', async () => {
    const home = join(tmp.dir, 'home');
    const codexHome = join(tmp.dir, 'codex-home');
    mkdirSync(join(home, '.codeium', 'windsurf'), { recursive: true });
    mkdirSync(codexHome, { recursive: true });
    writeFileSync(join(home, '.codeium', 'windsurf', 'mcp_config.json'), JSON.stringify({ mcpServers: { other: { serverUrl: 'https://x/mcp' } } }));
    writeFileSync(join(codexHome, 'config.toml'), 'model = "o3"\n');
    const db = join(tmp.dir, 'tasks.db');
    const env = { HOME: home, CODEX_HOME: codexHome };
    expect((await runCli(['install', 'windsurf', '--db', db], env)).code).toBe(0);
    expect((await runCli(['install', 'codex', '--db', db], env)).code).toBe(0);
    const windsurf = JSON.parse(readFileSync(join(home, '.codeium', 'windsurf', 'mcp_config.json'), 'utf8'));
    expect(Object.keys(windsurf.mcpServers)).toEqual(['other', 'taskwire']);
    expect(windsurf.mcpServers.taskwire).toEqual({ command: process.execPath, args: [CLI], env: { TASKWIRE_DB: db } });
    const codex = parseToml(readFileSync(join(codexHome, 'config.toml'), 'utf8'));
    expect(codex).toEqual({ model: 'o3', mcp_servers: { taskwire: { command: process.execPath, args: [CLI], env: { TASKWIRE_DB: db } } } });
    const printed = await runCli(['install', 'codex', '--print', '--db', db], env);
    expect(parseToml(printed.stdout)).toEqual({ mcp_servers: codex.mcp_servers });
  });
});
