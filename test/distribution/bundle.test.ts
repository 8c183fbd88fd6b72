import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../e2e/cli-process.js';
import { ok, tempDir } from '../harness.js';

const ROOT = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
const mcpbBin = (JSON.parse(readFileSync(join(ROOT, 'node_modules', '@anthropic-ai', 'mcpb', 'package.json'), 'utf8')) as { bin: string }).bin;
const MCPB = join(ROOT, 'node_modules', '@anthropic-ai', 'mcpb', mcpbBin);

interface Manifest {
  version: string;
  server: { mcp_config: { command: string; args: string[]; env: Record<string, string> } };
  tools: Array<{ name: string }>;
  prompts: Array<{ name: string }>;
  user_config: Record<string, { default?: string }>;
  compatibility: { platforms: string[]; runtimes: { node: string } };
}

/** `npm run bundle`: the .mcpb the official CLI packs, unpacked and launched the way Claude Desktop does. */
describe('MCP Bundle (npm run bundle)', () => {
  const tmp = tempDir('taskwire-bundle-test-');
  const unpacked = join(tmp.dir, 'unpacked');
  let manifest: Manifest;
  let printed = '';

  beforeAll(async () => {
    assertBuilt();
    const { stdout } = await run(process.execPath, [join(ROOT, 'scripts', 'bundle.mjs'), '--out', tmp.dir], { cwd: ROOT, timeout: 5 * 60_000, maxBuffer: 16 << 20 });
    printed = stdout;
    mkdirSync(unpacked);
    await run(process.execPath, [MCPB, 'unpack', join(tmp.dir, `${pkg.name}-${pkg.version}.mcpb`), unpacked], { timeout: 120_000, maxBuffer: 16 << 20 });
    manifest = JSON.parse(readFileSync(join(unpacked, 'manifest.json'), 'utf8'));
  }, 6 * 60_000);
  // Asynchronous: removing installed node_modules trees synchronously blocks the worker past vitest's RPC timeout.
  afterAll(() => rm(tmp.dir, { recursive: true, force: true }), 5 * 60_000);

  it('is built by the official CLI, passes mcpb validate, and prints its size and SHA-256', async () => {
    expect(printed).toMatch(new RegExp(`${pkg.name}-${pkg.version}\\.mcpb: [\\d.]+ MB, sha256 [0-9a-f]{64}`));
    const { stdout } = await run(process.execPath, [MCPB, 'validate', join(unpacked, 'manifest.json')], { timeout: 60_000 });
    expect(stdout).toContain('Manifest schema validation passes!');
    expect(manifest.version).toBe(pkg.version);
  });

  it('declares only this platform and Node major, whose ABI the bundled native driver was built for', () => {
    const major = Number(process.versions.node.split('.')[0]);
    expect(manifest.compatibility.platforms).toEqual([process.platform]);
    expect(manifest.compatibility.runtimes.node).toBe(`>=${major}.0.0 <${major + 1}.0.0`);
    // better-sqlite3 13's own binaries for this OS only (any Node >= 22.14), and 12 built for this Node's ABI where it has no Node-API 10.
    const modules = join(unpacked, 'node_modules');
    const prebuilds = readdirSync(join(modules, 'better-sqlite3', 'prebuilds'));
    expect(prebuilds).toContain(`${process.platform}-${process.arch}.node`);
    expect(prebuilds.filter((f) => !f.startsWith(process.platform))).toEqual([]);
    if (Number(process.versions.napi) < 10) expect(existsSync(join(modules, 'better-sqlite3-v12', 'build', 'Release', 'better_sqlite3.node'))).toBe(true);
    for (const driver of ['better-sqlite3', 'better-sqlite3-v12']) expect(existsSync(join(modules, driver, 'deps')), `${driver}/deps`).toBe(false);
    // Sources stay out; only asset directories package.json "files" lists (the board's src/board/assets) ship.
    const shipped = existsSync(join(unpacked, 'src')) ? readdirSync(join(unpacked, 'src'), { recursive: true, encoding: 'utf8' }) : [];
    expect(shipped.filter((f) => f.endsWith('.ts'))).toEqual([]);
  });

  it('runs from the unpacked bundle with the user config substituted, serving exactly the tools and prompts it declares', async () => {
    const values: Record<string, string> = { database: join(tmp.dir, 'desktop.db'), workspace: manifest.user_config.workspace?.default ?? '', log_level: 'warn' };
    const substitute = (s: string) => s.replace(/\$\{__dirname\}/, unpacked).replace(/\$\{user_config\.(\w+)\}/g, (_, k: string) => values[k] ?? '');
    const { command, args, env } = manifest.server.mcp_config;
    expect(command).toBe('node');
    const client = new Client({ name: 'claude-desktop-like', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: args.map(substitute),
        env: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, substitute(v)])),
        stderr: 'ignore',
      }),
    );
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(manifest.tools.map((t) => t.name).sort());
      const { prompts } = await client.listPrompts();
      expect(prompts.map((p) => p.name).sort()).toEqual(manifest.prompts.map((p) => p.name).sort());
      await ok(client, 'create_tasks', { tasks: [{ title: 'From the bundle' }] });
    } finally {
      await client.close();
    }
    expect(existsSync(values.database as string)).toBe(true);
  }, 60_000);
});
