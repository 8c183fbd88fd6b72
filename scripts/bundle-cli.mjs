#!/usr/bin/env node
// Part of `npm run build`, after tsc: bundles the CLI (src/cli/main.ts and every module of ours it reaches) into
// dist/cli/main.js, with the code behind each dynamic import (HTTP serving, PostgreSQL, the buses, doctor) split
// into dist/cli/chunks/ so it still loads only when used. npm packages (but those named in BUNDLED) stay
// external: they resolve from node_modules exactly as before. Why: a stdio cold start spent about a quarter of its
// CPU resolving, reading and compiling some 240 separate ES modules of ours (issue 17, cold start). tsc's per-module
// dist/ stays for the tests and benches that import modules directly; only the entry users run is replaced.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const ROOT = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
// Bundled although packages: CommonJS trees loaded at every start, ~45 files between them.
// - The OpenTelemetry API: its state lives in a process-wide registry (a Symbol.for key), so this copy and the SDK
//   packages' own copy are one API.
// - pino (with its dependencies): Taskwire never uses pino transports (worker threads loading files by path, which a
//   bundle breaks); it writes through pino.destination (sonic-boom) only.
const BUNDLED = new Set(['@opentelemetry/api', 'pino']);
const external = Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.devDependencies })
  .filter((name) => !BUNDLED.has(name))
  .flatMap((name) => [name, `${name}/*`]);
const OUT = join(ROOT, 'dist', 'cli');
rmSync(join(OUT, 'chunks'), { recursive: true, force: true });
await build({
  absWorkingDir: ROOT,
  entryPoints: { main: 'src/cli/main.ts' },
  outdir: OUT,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  sourcemap: 'linked',
  // The bundled CommonJS code calls require(): give the ES module one.
  banner: { js: "import { createRequire as __bundleRequire } from 'node:module';\nconst require = __bundleRequire(import.meta.url);" },
  logLevel: 'warning',
});
