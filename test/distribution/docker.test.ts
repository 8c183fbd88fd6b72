import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../e2e/cli-process.js';
import { tempDir } from '../harness.js';

/**
 * The Dockerfile, checked without a Docker engine (none runs on these machines) and without hadolint
 * (Debian does not package it): its instructions, and the file sets its two `npm` steps produce,
 * reproduced here. Not tested: that `docker build` succeeds, the image's size, its HEALTHCHECK.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

interface Instruction {
  op: string;
  args: string;
}
/** Dockerfile instructions (continuation lines joined, comments dropped), grouped by stage. */
function stages(text: string): Instruction[][] {
  const logical = text.replace(/\\\n/g, ' ').split('\n');
  const out: Instruction[][] = [];
  for (const line of logical) {
    const m = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (!m || line.trim().startsWith('#')) continue;
    const [, op = '', args = ''] = m;
    if (op === 'FROM') out.push([]);
    out.at(-1)?.push({ op, args: args.trim() });
  }
  return out;
}

function filesUnder(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name), base) : [relative(base, join(dir, e.name)).split('\\').join('/')],
  );
}

/** name@version of every package under node_modules (nested ones too). */
function packages(dir: string): Set<string> {
  const found = new Set<string>();
  const walk = (nm: string) => {
    if (!existsSync(nm)) return;
    for (const entry of readdirSync(nm)) {
      if (entry.startsWith('.')) continue;
      const names = entry.startsWith('@') ? readdirSync(join(nm, entry)).map((n) => `${entry}/${n}`) : [entry];
      for (const name of names) {
        const pj = join(nm, name, 'package.json');
        if (!existsSync(pj)) continue;
        found.add(`${name}@${(JSON.parse(readFileSync(pj, 'utf8')) as { version: string }).version}`);
        walk(join(nm, name, 'node_modules'));
      }
    }
  };
  walk(join(dir, 'node_modules'));
  return found;
}

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const [build = [], runtime = []] = stages(dockerfile);
  const tmp = tempDir('taskwire-docker-');
  let tarballFiles: string[] = [];
  let tarball = '';

  beforeAll(async () => {
    assertBuilt();
    const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp.dir], { cwd: ROOT, timeout: 120_000 });
    const [info] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(tmp.dir, info?.filename ?? '');
    tarballFiles = (info?.files ?? []).map((f) => f.path).sort();
  }, 120_000);
  // Asynchronous: removing installed node_modules trees synchronously blocks the worker past vitest's RPC timeout.
  afterAll(() => rm(tmp.dir, { recursive: true, force: true }), 5 * 60_000);

  it('follows the rules hadolint would check here: pinned non-latest bases, apt hygiene, non-root user, exec-form entrypoint', () => {
    const froms = [build, runtime].map((s) => s[0]?.args ?? '');
    for (const from of froms) expect(from).toMatch(/^node:\d+-[a-z]+-slim( AS \w+)?$/);
    for (const run of build.filter((i) => i.op === 'RUN' && i.args.includes('apt-get install'))) {
      expect(run.args).toContain('--no-install-recommends');
      expect(run.args).toContain('-y');
      expect(run.args).toContain('rm -rf /var/lib/apt/lists/*');
      expect(run.args).toContain('apt-get update');
    }
    expect(runtime.find((i) => i.op === 'USER')?.args).toBe('node');
    for (const op of ['ENTRYPOINT', 'CMD']) expect(runtime.find((i) => i.op === op)?.args.startsWith('[')).toBe(true);
    expect(runtime.filter((i) => i.op === 'RUN').every((i) => !i.args.includes('apt-get'))).toBe(true);
  });

  it('builds the app from the npm tarball only: the build stage copies every file npm pack needs, the runtime stage only the unpacked package', () => {
    const copied = build.filter((i) => i.op === 'COPY').flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    const roots = new Set(tarballFiles.map((f) => f.split('/')[0] as string));
    roots.delete('dist'); // built in the image by `npm run build`
    for (const root of roots) expect(copied, `the build stage must COPY ${root} for npm pack`).toContain(root);
    for (const c of copied) expect(existsSync(join(ROOT, c)), c).toBe(true);
    // `npm run build` runs tsc and then the scripts it names (the CLI bundler): each must be in the image too.
    const buildScript = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { build: string } }).scripts.build;
    const scripts = [...buildScript.matchAll(/node (scripts\/\S+)/g)].map((m) => m[1] as string);
    expect(scripts).toContain('scripts/bundle-cli.mjs');
    for (const script of scripts) expect(copied, `the build stage must COPY ${script} for npm run build`).toContain(script);
    const buildRuns = build
      .filter((i) => i.op === 'RUN')
      .map((i) => i.args)
      .join('\n');
    expect(buildRuns).toMatch(/npm pack --ignore-scripts/);
    expect(buildRuns).toMatch(/tar -xzf \/tmp\/taskwire-\*\.tgz -C \/app --strip-components=1/);
    expect(buildRuns).toMatch(/npm ci --omit=dev --ignore-scripts/);
    expect(runtime.filter((i) => i.op === 'COPY').map((i) => i.args)).toEqual(['--from=build /app ./']);
  });

  it(
    "gives the image the tarball's files and, from the lock, the same production packages a user's npm install of the tarball gets",
    async () => {
      // The build stage's /app, reproduced: the tarball unpacked, the lock, npm ci --omit=dev.
      const app = join(tmp.dir, 'app');
      mkdirSync(app);
      await run('tar', ['-xzf', tarball, '-C', app, '--strip-components=1']);
      copyFileSync(join(ROOT, 'package-lock.json'), join(app, 'package-lock.json'));
      await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: app, timeout: 10 * 60_000, maxBuffer: 16 << 20 });
      const appFiles = filesUnder(app)
        .filter((f) => !f.startsWith('node_modules/') && f !== 'package-lock.json')
        .sort();
      expect(appFiles).toEqual(tarballFiles);

      // A user's `npm install taskwire`: the tarball into an empty project, resolved from the registry.
      const user = join(tmp.dir, 'user');
      mkdirSync(user);
      writeFileSync(join(user, 'package.json'), '{ "name": "user", "private": true }\n');
      await run('npm', ['install', tarball, '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: user, timeout: 10 * 60_000, maxBuffer: 16 << 20 });
      const image = packages(app);
      const installed = packages(join(user, 'node_modules', 'taskwire'));
      for (const p of packages(user)) if (!p.startsWith('taskwire@')) installed.add(p);
      const names = (s: Set<string>) => new Set([...s].map((p) => p.slice(0, p.lastIndexOf('@'))));
      expect([...names(image)].sort()).toEqual([...names(installed)].sort());
      const drift = [...image].filter((p) => !installed.has(p));
      console.log(
        `image: ${image.size} packages from the lock; a fresh install of the tarball: ${installed.size}; versions differing: ${drift.length ? drift.join(', ') : 'none'}`,
      );
    },
    20 * 60_000,
  );
});
