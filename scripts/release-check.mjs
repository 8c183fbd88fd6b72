#!/usr/bin/env node
// npm run release:check [-- --fix] [--server-json FILE] [--manifest FILE] [--no-tarball]
//
// Everything a release publishes, checked against the code (needs dist/: npm run build):
// - server.json (MCP Registry) valid against the registry's own schema, vendored in
//   vendor/mcp-registry/schemas/<version>/ (README there says where it came from); name = package.json
//   mcpName, versions = package.json version, every environment variable a real configuration key of the
//   command it runs, described with that key's own doc;
// - manifest.json (MCP Bundle) valid by the official `mcpb validate`, version and identity matching, tools
//   and prompts exactly the default toolset's, user config wired to the environment variables;
// - the npm tarball (`npm pack --dry-run`): every compiled module and shipped icon, nothing else (no
//   sources, tests, benchmarks, source maps); its size is printed.
// --fix rewrites the derived parts (versions, descriptions, tool and prompt lists) instead of failing on them.
// Exit 0 when all pass, 1 with one line per problem otherwise.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = join(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const { values: args } = parseArgs({
  options: {
    fix: { type: 'boolean', default: false },
    'server-json': { type: 'string', default: join(ROOT, 'server.json') },
    manifest: { type: 'string', default: join(ROOT, 'manifest.json') },
    'no-tarball': { type: 'boolean', default: false },
  },
});

const problems = [];
const problem = (where, message) => problems.push(`${where}: ${message}`);
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) {
  console.error('release:check needs dist/: run npm run build first');
  process.exit(1);
}
const pkg = readJson(join(ROOT, 'package.json'));
const { CONFIG } = await import('../dist/config/schema.js');
const { TOOLSETS } = await import('../dist/toolsets/index.js');
const { SERVER_IDENTITY, SERVER_ICON } = await import('../dist/server/identity.js');
const configByEnv = new Map(Object.values(CONFIG).map((k) => [k.env, k]));

// ---------------------------------------------------------------- server.json
const REGISTRY_SCHEMA_DIR = join(ROOT, 'vendor', 'mcp-registry', 'schemas');
function checkServerJson(path) {
  const where = relative(ROOT, path) || path;
  const server = readJson(path);
  const versions = readdirSync(REGISTRY_SCHEMA_DIR).sort();
  const schemaPath = join(REGISTRY_SCHEMA_DIR, versions.at(-1), 'server.schema.json');
  const schema = readJson(schemaPath);
  if (server.$schema !== schema.$id) problem(where, `$schema must be ${schema.$id} (the vendored registry schema), not ${server.$schema}`);
  const mustEqual = (field, actual, expected, fix) => {
    if (same(actual, expected)) return;
    if (args.fix && fix) fix();
    else problem(where, `${field} is ${JSON.stringify(actual)}; expected ${JSON.stringify(expected)}`);
  };
  mustEqual('name', server.name, pkg.mcpName);
  mustEqual('version', server.version, pkg.version, () => {
    server.version = pkg.version;
  });
  mustEqual('title', server.title, SERVER_IDENTITY.title);
  mustEqual('description', server.description, SERVER_IDENTITY.description);
  mustEqual('websiteUrl', server.websiteUrl, SERVER_IDENTITY.websiteUrl);
  (server.packages ?? []).forEach((p, i) => {
    const at = `packages[${i}]`;
    mustEqual(`${at}.identifier`, p.identifier, pkg.name);
    mustEqual(`${at}.version`, p.version, pkg.version, () => {
      p.version = pkg.version;
    });
    const command = (p.packageArguments ?? []).some((a) => a.type === 'positional' && a.value === 'serve') ? 'serve' : 'stdio';
    const transport = command === 'serve' ? 'streamable-http' : 'stdio';
    mustEqual(`${at}.transport.type`, p.transport?.type, transport);
    (p.environmentVariables ?? []).forEach((v, j) => {
      const key = configByEnv.get(v.name);
      if (!key) {
        problem(where, `${at}.environmentVariables[${j}]: ${v.name} is not a configuration key (src/config/schema.ts)`);
        return;
      }
      if (!key.commands.includes(command)) problem(where, `${at}.environmentVariables[${j}]: ${v.name} does not apply to \`taskwire ${command}\``);
      mustEqual(`${at}.environmentVariables[${j}].description`, v.description, key.doc, () => {
        v.description = key.doc;
      });
    });
  });
  if (args.fix) writeFileSync(path, `${JSON.stringify(server, null, 2)}\n`);

  const Ajv = require('ajv');
  const addFormats = require('ajv-formats');
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  if (!validate(server)) {
    for (const e of validate.errors ?? []) problem(where, `schema ${versions.at(-1)}: ${e.instancePath || '/'} ${e.message}`);
  }
  return { schemaVersion: versions.at(-1) };
}

// ---------------------------------------------------------------- manifest.json
const firstSentence = (text) => (/^.*?\.(?=\s|$)/s.exec(text)?.[0] ?? text).replace(/\s+/g, ' ').trim();
function expectedManifestParts() {
  const served = TOOLSETS.filter((t) => t.default);
  return {
    tools: served.flatMap((t) => t.tools).map((t) => ({ name: t.name, description: firstSentence(t.description) })),
    prompts: served
      .flatMap((t) => t.prompts)
      .map((p) => ({ name: p.name, description: p.description, ...(p.args ? { arguments: Object.keys(p.args.shape) } : {}), text: p.title })),
  };
}
/** The official MCPB CLI (devDependency @anthropic-ai/mcpb), by its package's own `bin`. */
const MCPB_PKG = join(ROOT, 'node_modules', '@anthropic-ai', 'mcpb', 'package.json'); // not in its exports map
const MCPB_BIN = readJson(MCPB_PKG).bin;
const MCPB_CLI = join(MCPB_PKG, '..', typeof MCPB_BIN === 'string' ? MCPB_BIN : MCPB_BIN.mcpb);
const USER_CONFIG_ENV = { TASKWIRE_DB: 'database', TASKWIRE_WORKSPACE: 'workspace', TASKWIRE_LOG_LEVEL: 'log_level' };

function checkManifest(path) {
  const where = relative(ROOT, path) || path;
  const manifest = readJson(path);
  const expected = expectedManifestParts();
  const mustEqual = (field, actual, wanted, fix) => {
    if (same(actual, wanted)) return;
    if (args.fix && fix) fix();
    else problem(where, `${field} is ${JSON.stringify(actual)}; expected ${JSON.stringify(wanted)}`);
  };
  mustEqual('name', manifest.name, pkg.name);
  mustEqual('version', manifest.version, pkg.version, () => {
    manifest.version = pkg.version;
  });
  mustEqual('display_name', manifest.display_name, SERVER_IDENTITY.title);
  mustEqual('description', manifest.description, SERVER_IDENTITY.description);
  mustEqual('homepage', manifest.homepage, pkg.homepage);
  mustEqual('license', manifest.license, pkg.license);
  mustEqual('server.entry_point', manifest.server?.entry_point, pkg.bin.taskwire);
  mustEqual('server.mcp_config.args', manifest.server?.mcp_config?.args, [`\${__dirname}/${pkg.bin.taskwire}`]);
  mustEqual('tools', manifest.tools, expected.tools, () => {
    manifest.tools = expected.tools;
  });
  mustEqual('prompts', manifest.prompts, expected.prompts, () => {
    manifest.prompts = expected.prompts;
  });
  for (const [env, option] of Object.entries(USER_CONFIG_ENV)) {
    if (!manifest.user_config?.[option]) problem(where, `user_config.${option} is missing`);
    mustEqual(`server.mcp_config.env.${env}`, manifest.server?.mcp_config?.env?.[env], `\${user_config.${option}}`);
    const key = configByEnv.get(env);
    if (!key) problem(where, `${env} is not a configuration key`);
  }
  if (args.fix) writeFileSync(path, `${JSON.stringify(manifest, null, 2)}\n`);
  try {
    execFileSync(process.execPath, [MCPB_CLI, 'validate', path], { stdio: 'pipe' });
  } catch (error) {
    problem(where, `mcpb validate failed:\n${error.stdout?.toString() ?? ''}${error.stderr?.toString() ?? ''}`);
  }
}

// ---------------------------------------------------------------- the npm tarball
// package.json "files" decides what ships: `dist` (compiled), directories of run-time assets (another team's
// assets: add their directory there, or build them into dist/), and single files. npm adds package.json,
// README.md and LICENSE itself.
const SHIPPED = pkg.files.filter((f) => !f.startsWith('!'));
const ROOT_FILES = new Set([
  'package.json',
  'README.md',
  'LICENSE',
  ...SHIPPED.filter((f) => !f.includes('/') && existsSync(join(ROOT, f)) && !statSync(join(ROOT, f)).isDirectory()),
]);
const ASSET_DIRS = SHIPPED.filter((f) => f !== 'dist' && existsSync(join(ROOT, f)) && statSync(join(ROOT, f)).isDirectory());
function listFiles(dir, base = dir, keep = () => true) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name), base, keep) : keep(e.name) ? [relative(base, join(dir, e.name)).split('\\').join('/')] : [],
  );
}
function checkTarball() {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const [info] = JSON.parse(out.toString('utf8'));
  const files = new Set(info.files.map((f) => f.path));
  const required = [
    ...ROOT_FILES,
    pkg.bin.taskwire,
    ...listFiles(join(ROOT, 'src'), join(ROOT, 'src'), (n) => n.endsWith('.ts')).map((f) => `dist/${f.replace(/\.ts$/, '.js')}`),
    ...ASSET_DIRS.flatMap((d) => listFiles(join(ROOT, d)).map((f) => `${d}/${f}`)),
    `assets/icons/${SERVER_ICON}.svg`,
    ...TOOLSETS.filter((t) => t.icon).map((t) => `assets/icons/${t.icon}.svg`),
  ];
  for (const f of required) if (!files.has(f)) problem('tarball', `${f} is missing`);
  for (const f of files) {
    const listed = f.startsWith('dist/') || ASSET_DIRS.some((d) => f.startsWith(`${d}/`));
    const allowed = ROOT_FILES.has(f) || (listed && !f.endsWith('.map') && !(f.endsWith('.ts') && !f.endsWith('.d.ts')));
    if (!allowed) problem('tarball', `${f} is not needed at run time (package.json "files")`);
  }
  return info;
}

const { schemaVersion } = checkServerJson(args['server-json']);
checkManifest(args.manifest);
const tarball = args['no-tarball'] ? undefined : checkTarball();

if (problems.length) {
  for (const p of problems) console.error(`release:check: ${p}`);
  console.error(`release:check: ${problems.length} problem(s)${args.fix ? '' : ' (npm run release:check -- --fix rewrites versions, descriptions, tools and prompts)'}`);
  process.exit(1);
}
const kB = (n) => `${(n / 1000).toFixed(1)} kB`;
console.log(`release:check: server.json valid (MCP Registry schema ${schemaVersion}), manifest.json valid (mcpb validate)`);
if (tarball) {
  console.log(
    `release:check: ${tarball.filename}: ${tarball.entryCount} files, ${kB(tarball.size)} packed, ${kB(tarball.unpackedSize)} unpacked (dist/ without maps, ${ASSET_DIRS.map((d) => `${d}/`).join(', ')}, ${[...ROOT_FILES].join(', ')})`,
  );
}
