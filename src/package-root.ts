import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const found = findRoot(dirname(fileURLToPath(import.meta.url)));

/**
 * Taskwire's package directory (the one holding its `package.json`, `assets/`, `dist/` and `src/board/assets/`),
 * found by walking up from this module to the nearest `package.json` named `taskwire`. Shipped files are found from
 * here, never by a fixed `../..` from a module: the CLI runs as an esbuild bundle (`dist/cli/main.js` plus
 * `dist/cli/chunks/`), where a module's code no longer sits at its source depth.
 * @throws Error when no such `package.json` is above this module (a broken install).
 */
export const PACKAGE_ROOT: string = found.dir;

/** The parsed `package.json` of {@link PACKAGE_ROOT}. */
export const PACKAGE_JSON: { name: string; version: string } = found.json;

/** The nearest directory at or above `from` whose package.json is named `taskwire`, with that file parsed (read once). */
function findRoot(from: string): { dir: string; json: { name: string; version: string } } {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const json = JSON.parse(readFileSync(file, 'utf8')) as { name: string; version: string };
      if (json.name === 'taskwire') return { dir, json };
    }
    if (dirname(dir) === dir) throw new Error(`taskwire: no package.json named "taskwire" above ${from} (broken install)`);
  }
}
