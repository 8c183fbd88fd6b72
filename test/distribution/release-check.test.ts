import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../e2e/cli-process.js';
import { tempDir } from '../harness.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'release-check.mjs');
const run = async (args: string[]) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [SCRIPT, ...args], { cwd: ROOT, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

/** `npm run release:check`: server.json, manifest.json and the tarball, and that it catches each kind of drift. */
describe('release:check', () => {
  const tmp = tempDir();
  const server = JSON.parse(readFileSync(join(ROOT, 'server.json'), 'utf8'));
  const manifest = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8'));
  const variant = (name: string, value: unknown) => {
    const path = join(tmp.dir, name);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };
  beforeAll(() => assertBuilt());
  afterAll(() => tmp.cleanup());

  it('passes on the committed files and prints the tarball size', async () => {
    const r = await run([]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/server\.json valid \(MCP Registry schema 2025-12-11\), manifest\.json valid \(mcpb validate\)/);
    expect(r.stdout).toMatch(/taskwire-\d+\.\d+\.\d+\.tgz: \d+ files, [\d.]+ kB packed/);
  }, 120_000);

  it('rejects a server.json the registry schema rejects, or whose variables or versions drifted from the code', async () => {
    const latest = structuredClone(server);
    latest.packages[0].version = 'latest';
    latest.description = 'x'.repeat(101);
    const r1 = await run(['--no-tarball', '--server-json', variant('latest.json', latest)]);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toContain('/packages/0/version must NOT be valid');
    expect(r1.stderr).toContain('/description must NOT have more than 100 characters');
    expect(r1.stderr).toContain('packages[0].version is "latest"');

    const drift = structuredClone(server);
    drift.packages[0].environmentVariables.push({ name: 'TASKWIRE_BOGUS', description: 'x' });
    drift.packages[0].environmentVariables.push({ name: 'TASKWIRE_PORT', description: 'x' });
    drift.packages[0].environmentVariables[0].description = 'stale';
    drift.name = 'io.github.someone/else';
    const r2 = await run(['--no-tarball', '--server-json', variant('drift.json', drift)]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('TASKWIRE_BOGUS is not a configuration key');
    expect(r2.stderr).toContain('TASKWIRE_PORT does not apply to `taskwire stdio`');
    expect(r2.stderr).toContain('environmentVariables[0].description is "stale"');
    expect(r2.stderr).toContain('name is "io.github.someone/else"');
  }, 120_000);

  it('rejects a manifest.json that mcpb validate rejects, or whose tools and user config drifted', async () => {
    const invalid = structuredClone(manifest);
    invalid.user_config.database.type = 'path';
    const r1 = await run(['--no-tarball', '--manifest', variant('manifest-invalid.json', invalid)]);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toContain('mcpb validate failed');

    const drift = structuredClone(manifest);
    drift.tools = drift.tools.slice(1);
    drift.server.mcp_config.env.TASKWIRE_WORKSPACE = 'fixed';
    const r2 = await run(['--no-tarball', '--manifest', variant('manifest-drift.json', drift)]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/manifest-drift\.json: tools is \[/);
    expect(r2.stderr).toContain('server.mcp_config.env.TASKWIRE_WORKSPACE is "fixed"');
  }, 120_000);
});
