import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG } from '../../src/config/schema.js';
import { tempDir } from '../harness.js';
import { CLI, runCli } from './cli-process.js';

describe('taskwire command line', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('prints help with every configuration key, and the version', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const key of Object.values(CONFIG)) {
      expect(help.stdout).toContain(`--${key.flag}`);
      expect(help.stdout).toContain(key.env);
    }
    const version = await runCli(['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it.each([
    [['serve', '--port', '99999'], /--port \(TASKWIRE_PORT\)/],
    [['--toolsets', 'tasks,bogus'], /unknown toolset "bogus"; available: tasks, weather, conformance, all/],
    [['--frobnicate'], /Unknown option '--frobnicate'/],
    [['launch'], /unknown command "launch"/],
    [['--sqlite-synchronous', 'MAYBE'], /--sqlite-synchronous/],
    [['--toolsets', 'tasks,weather'], /the weather toolset needs --weather-user-agent/],
  ])('rejects bad configuration %j with one clear line and exit 2', async (args, message) => {
    const r = await runCli([...args, '--db', join(tmp.dir, 'x.db')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });

  it('reads configuration from the environment', async () => {
    const r = await runCli(['serve'], { TASKWIRE_HOST: '10.1.2.3', TASKWIRE_DB: join(tmp.dir, 'env.db') });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('refusing to bind 10.1.2.3');
  });

  it.each(['claude-desktop', 'claude-code', 'cursor', 'vscode'])('prints a %s config block with absolute paths', async (client) => {
    const r = await runCli(['install', client, '--print', '--db', join(tmp.dir, 'tasks.db')]);
    expect(r.code).toBe(0);
    const block = JSON.parse(r.stdout.split('\n\n#')[0] as string);
    const servers = block.mcpServers ?? block.servers;
    const entry = servers.taskwire;
    expect(isAbsolute(entry.command)).toBe(true);
    expect(entry.command).toBe(process.execPath);
    expect(entry.args).toEqual([CLI]);
    expect(entry.env.TASKWIRE_DB).toBe(join(tmp.dir, 'tasks.db'));
    const relative = await runCli(['install', client, '--print', '--db', 'relative.db']);
    expect(JSON.parse(relative.stdout.split('\n\n#')[0] as string)[block.mcpServers ? 'mcpServers' : 'servers'].taskwire.env.TASKWIRE_DB).toBe(
      join(process.cwd(), 'relative.db'),
    );
    // A generic DATABASE_URL in the environment may be another program's: pinned only when given as a flag.
    const stray = await runCli(['install', client, '--print', '--db', 'relative.db'], { DATABASE_URL: 'postgres://other-app@db/other' });
    expect(stray.stdout).not.toContain('other-app');
    if (client === 'vscode') expect(entry.type).toBe('stdio');
    if (client === 'claude-code') expect(r.stdout).toContain('claude mcp add --scope user');
  });

  it('merges into an existing client config, keeping other servers, and never clobbers a broken file', async () => {
    const home = join(tmp.dir, 'home');
    mkdirSync(join(home, '.cursor'), { recursive: true });
    const path = join(home, '.cursor', 'mcp.json');
    writeFileSync(path, JSON.stringify({ mcpServers: { other: { command: 'other' } }, theme: 'dark' }));
    const r = await runCli(['install', 'cursor', '--db', join(tmp.dir, 'tasks.db')], { HOME: home });
    expect(r.code).toBe(0);
    const written = JSON.parse(readFileSync(path, 'utf8'));
    expect(Object.keys(written.mcpServers)).toEqual(['other', 'taskwire']);
    expect(written.theme).toBe('dark');
    writeFileSync(path, '{ not json');
    const broken = await runCli(['install', 'cursor'], { HOME: home });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('not valid JSON');
    expect(readFileSync(path, 'utf8')).toBe('{ not json');
    expect(readdirSync(join(home, '.cursor')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    writeFileSync(path, '[]');
    const notObject = await runCli(['install', 'cursor'], { HOME: home });
    expect(notObject.code).toBe(1);
    expect(notObject.stderr).toContain('does not hold a JSON object');
  });
});
