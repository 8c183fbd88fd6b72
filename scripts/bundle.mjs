#!/usr/bin/env node
// npm run bundle [-- --out DIR]: builds taskwire-<version>.mcpb (MCP Bundle, for Claude Desktop) with the
// official CLI (@anthropic-ai/mcpb: validate, then pack). Needs dist/ (npm run build) and node_modules.
//
// The bundle holds dist/ (no source maps), assets/, package.json, LICENSE, manifest.json and the production
// dependencies, copied from this checkout's node_modules (`npm ls --omit=dev`). The SQLite driver inside is
// better-sqlite3 13 (Node-API: its prebuilt binaries for this OS, any Node >= 22.14) and, if it was built here,
// better-sqlite3 12 for THIS machine's Node ABI (what Node 20 loads; src/store/sqlite/driver.ts picks). The staged
// manifest therefore narrows `compatibility` to this platform and this Node major, so Claude Desktop refuses
// the bundle elsewhere instead of failing to load the driver (modelcontextprotocol/mcpb#180). Build it on
// macOS for macOS and on Windows for Windows. Prints the file, its size and SHA-256 (server.json fileSha256).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = join(import.meta.dirname, '..');
const { values } = parseArgs({ options: { out: { type: 'string', default: ROOT } } });
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const mcpbPkg = join(ROOT, 'node_modules', '@anthropic-ai', 'mcpb', 'package.json');
if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('npm run bundle needs dist/: run npm run build first');
if (!existsSync(mcpbPkg)) throw new Error('npm run bundle needs the devDependency @anthropic-ai/mcpb: run npm install');
const mcpbBin = JSON.parse(readFileSync(mcpbPkg, 'utf8')).bin;
const MCPB = join(mcpbPkg, '..', typeof mcpbBin === 'string' ? mcpbBin : mcpbBin.mcpb);
const mcpb = (...args) => execFileSync(process.execPath, [MCPB, ...args], { stdio: ['ignore', 'pipe', 'inherit'] }).toString('utf8');

const stage = mkdtempSync(join(tmpdir(), 'taskwire-bundle-'));
try {
  const noMaps = (src) => !src.endsWith('.map');
  // What the npm package ships (package.json "files": dist/, asset directories), plus the license and README.
  for (const entry of pkg.files.filter((f) => !f.startsWith('!'))) {
    if (existsSync(join(ROOT, entry))) cpSync(join(ROOT, entry), join(stage, entry), { recursive: true, filter: noMaps });
  }
  for (const f of ['LICENSE', 'README.md']) cpSync(join(ROOT, f), join(stage, f));
  const { devDependencies: _dev, scripts: _scripts, ...runtimePkg } = pkg;
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(runtimePkg, null, 2)}\n`);

  // Production dependencies exactly as installed here (npm's own resolution of the lock file).
  const prod = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, maxBuffer: 16 << 20 })
    .toString('utf8')
    .split('\n')
    .filter((p) => p && resolve(p) !== resolve(ROOT));
  for (const dir of prod) {
    const rel = relative(ROOT, dir);
    if (!rel.startsWith('node_modules')) continue;
    cpSync(dir, join(stage, rel), {
      recursive: true,
      // Not needed to run: the native driver's C sources, build intermediates and docs, and better-sqlite3 13's
      // binaries for other operating systems (`prebuilds/<os>[musl]-<cpu>.node`).
      filter: (src) => {
        const r = relative(dir, src);
        if (/^prebuilds[\\/].+\.node$/.test(r) && !r.slice('prebuilds/'.length).startsWith(process.platform)) return false;
        return !/^(deps|src|build[\\/](Release[\\/])?(obj|obj\.target|deps)|docs?|test|benchmark)([\\/]|$)/.test(r) && noMaps(src) && !src.endsWith('.d.ts');
      },
    });
  }

  const manifest = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8'));
  const nodeMajor = process.versions.node.split('.')[0];
  manifest.compatibility = { ...manifest.compatibility, platforms: [process.platform], runtimes: { node: `>=${nodeMajor}.0.0 <${Number(nodeMajor) + 1}.0.0` } };
  manifest._meta = {
    ...manifest._meta,
    'io.github.taskwire/build': { platform: process.platform, arch: process.arch, node: process.version, nodeModuleVersion: process.versions.modules },
  };
  writeFileSync(join(stage, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

  mcpb('validate', join(stage, 'manifest.json'));
  mkdirSync(values.out, { recursive: true });
  const file = join(resolve(values.out), `${pkg.name}-${pkg.version}.mcpb`);
  rmSync(file, { force: true });
  mcpb('pack', stage, file);
  const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
  console.log(`${file}: ${(statSync(file).size / 1e6).toFixed(2)} MB, sha256 ${sha256}`);
  console.log(`native driver built for ${process.platform}-${process.arch}, Node ${process.version} (ABI ${process.versions.modules}): install it on that platform only`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
