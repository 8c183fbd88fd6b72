import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { CONFIG, CORE_CONFIG, collectConfig } from '../src/config/schema.js';
import { weatherToolset } from '../src/toolsets/weather/index.js';

/**
 * The core knows no toolset (issue 15): nothing under these folders imports
 * anything under `src/toolsets/`, not even a type. A toolset plugs in through
 * what it declares (`Toolset` in src/toolkit/define.ts); the one list of
 * toolsets (src/toolsets/manifests.ts) is imported by the composition root
 * (src/cli) and the docs generator only.
 */
const SRC = resolve(import.meta.dirname, '../src');
const CORE = ['server', 'middleware', 'guard', 'cluster', 'auth', 'transport'];
const TOOLSETS = join(SRC, 'toolsets');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mts|cts)$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

/** Every module specifier of a file: static imports and re-exports (type-only too), `import()` and `require()`. */
function importSpecifiers(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/** The relative specifiers of `file` that resolve into src/toolsets/. */
function toolsetImports(file: string): string[] {
  return importSpecifiers(readFileSync(file, 'utf8')).filter((spec) => {
    if (!spec.startsWith('.')) return false;
    const target = resolve(dirname(file), spec);
    return target === TOOLSETS || target.startsWith(TOOLSETS + sep);
  });
}

/** The task domain's names: scope tokens (`tasks:read`) and resource URIs (`tasks://board`). */
const TASK_DOMAIN = /tasks:/;

/**
 * The string literals of a file that name the task domain: plain and template
 * strings (each part of a template), and regular expressions. Comments are not
 * literals, so an example in a comment is not found.
 */
function taskDomainLiterals(fileName: string, text: string): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node) || ts.isRegularExpressionLiteral(node)) {
      if (TASK_DOMAIN.test(node.text)) found.push(node.getText());
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true));
  return found;
}

describe('architecture', () => {
  it('reads every kind of import specifier (so the rule below cannot miss one)', () => {
    const text = [
      "import { a } from '../toolsets/a.js';",
      "import type { B } from '../toolsets/b.js';",
      "export { c } from '../toolsets/c.js';",
      "export type * from '../toolsets/d.js';",
      "import '../toolsets/e.js';",
      "const f = await import('../toolsets/f.js');",
      "const g = require('../toolsets/g.js');",
      "// import { h } from '../toolsets/h.js' in a comment is not an import",
    ].join('\n');
    expect(importSpecifiers(text)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((x) => `../toolsets/${x}.js`));
  });

  it('finds the task domain in every kind of literal, and not in comments', () => {
    const text = [
      "const a = 'tasks:read';",
      'const b = "tasks://board";',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a template literal
      'const c = `tasks:${x}`;',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a template literal
      'const d = `${x} tasks://${y} end`;',
      'const e = /^tasks:\\/\\//;',
      "type F = 'tasks:admin';",
      "import g from './tasks:g.js';",
      '// tasks:read in a comment, and /* tasks://board */ in another',
      "const h = 'mytasks'; const i = 'tasks';",
    ].join('\n');
    expect(taskDomainLiterals('probe.ts', text)).toEqual([
      "'tasks:read'",
      '"tasks://board"',
      '`tasks:${',
      '} tasks://${',
      '/^tasks:\\/\\//',
      "'tasks:admin'",
      "'./tasks:g.js'",
    ]);
  });

  it.each(CORE)('src/%s names no task scope or task URI in a string literal', (folder) => {
    const files = sourceFiles(join(SRC, folder));
    expect(files.length).toBeGreaterThan(0);
    const offending = files.flatMap((file) => taskDomainLiterals(file, readFileSync(file, 'utf8')).map((literal) => `${relative(SRC, file)}: ${literal}`));
    expect(offending).toEqual([]);
  });

  it.each(CORE)('src/%s imports nothing from src/toolsets', (folder) => {
    const files = sourceFiles(join(SRC, folder));
    expect(files.length).toBeGreaterThan(0);
    const offending = files.flatMap((file) => toolsetImports(file).map((spec) => `${relative(SRC, file)} imports ${spec}`));
    expect(offending).toEqual([]);
  });
});

describe('configuration keys a toolset declares', () => {
  it('are collected after the core keys, in toolset order, under their own flags', () => {
    const names = Object.keys(CONFIG);
    expect(names.slice(0, Object.keys(CORE_CONFIG).length)).toEqual(Object.keys(CORE_CONFIG));
    expect(names.slice(-4)).toEqual(['weatherApiUrl', 'weatherUserAgent', 'weatherTimeoutMs', 'weatherRetries']);
    expect(Object.values(weatherToolset.config ?? {}).map((k) => k.flag)).toEqual(['weather-api-url', 'weather-user-agent', 'weather-timeout-ms', 'weather-retries']);
  });

  it('may not repeat a name, flag or env var of another key', () => {
    const key = CORE_CONFIG.port;
    expect(() => collectConfig(CORE_CONFIG, [{ id: 'x', config: { port: { ...key, flag: 'x-port', env: 'TASKWIRE_X_PORT' } } }])).toThrow(/toolset x: config key port/);
    expect(() => collectConfig(CORE_CONFIG, [{ id: 'x', config: { xPort: { ...key, env: 'TASKWIRE_X_PORT' } } }])).toThrow(/--port/);
    expect(() => collectConfig(CORE_CONFIG, [{ id: 'x', config: { xPort: { ...key, flag: 'x-port' } } }])).toThrow(/TASKWIRE_PORT/);
    expect(Object.keys(collectConfig(CORE_CONFIG, [{ id: 'x', config: { xPort: { ...key, flag: 'x-port', env: 'TASKWIRE_X_PORT' } } }])).at(-1)).toBe('xPort');
  });
});
