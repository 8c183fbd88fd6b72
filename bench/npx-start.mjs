// How long `npx -y taskwire` takes to start, from a warm npm cache (issue 16):
//   node bench/npx-start.mjs [--runs 3]
// Packs the package (npm pack; dist/ must be built), then times, through npx exactly as a client config runs it:
//   1. the first `npx -y <tarball> --version`: npx installs into a new directory of its cache (packages from
//      the warm npm cache; better-sqlite3 13 comes with its binaries, the optional 12 is downloaded prebuilt, or
//      compiled where GitHub is unreachable);
//   2. later `--version` runs (npx reuses that directory);
//   3. a stdio session through npx: spawn to the answer of tools/list (what a client waits for).
// One machine, shared: noisy. Leaves nothing behind but the npx cache directory of the packed tarball.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const ROOT = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'taskwire-npx-'));
try {
  const [info] = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT }).toString());
  // `./file.tgz`, relative to cwd: npx reads an absolute path as a command to run, not a package.
  const tarball = `./${info.filename}`;
  const timed = (args) => {
    const t0 = performance.now();
    const r = spawnSync('npx', ['-y', tarball, ...args], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`npx failed (${r.status}):\n${r.stderr}`);
    return (performance.now() - t0) / 1000;
  };
  console.log(`first npx -y ${info.filename} --version (install into the npx cache): ${timed(['--version']).toFixed(1)} s`);
  const later = Array.from({ length: Number(values.runs) }, () => timed(['--version']));
  console.log(`later --version runs: ${later.map((s) => s.toFixed(2)).join(', ')} s`);
  const sessions = [];
  for (let i = 0; i < Number(values.runs); i++) {
    const t0 = performance.now();
    const client = new Client({ name: 'npx-start', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: 'npx', args: ['-y', tarball, '--db', join(dir, 'npx.db')], cwd: dir, stderr: 'ignore' }));
    const { tools } = await client.listTools();
    sessions.push((performance.now() - t0) / 1000);
    await client.close();
    if (!tools.length) throw new Error('no tools');
  }
  console.log(`stdio through npx, spawn to tools/list answered: ${sessions.map((s) => s.toFixed(2)).join(', ')} s`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
