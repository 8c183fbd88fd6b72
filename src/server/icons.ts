import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../package-root.js';

/**
 * Icons (spec 2025-11-25, `Icon`: `src`, `mimeType`, `sizes`, `theme`) for the
 * server's `serverInfo` and for each toolset's tools, prompts and resources.
 * The SVG files ship in the package (`assets/icons/`, listed in package.json
 * `files`) and are inlined as `data:` URIs, so no client ever fetches an
 * external URL (the spec allows `https:` or `data:`; clients SHOULD reject others).
 */
export interface Icon {
  src: string;
  mimeType: string;
  sizes: string[];
}

/** The directory of shipped icons: the package's `assets/icons/`. */
const ICON_DIR = join(PACKAGE_ROOT, 'assets', 'icons');

const cache = new Map<string, Icon[]>();

/**
 * The icon list for `assets/icons/<name>.svg`, read once.
 * @throws Error naming the file when it is missing (a packaging bug, caught by test/dist).
 */
export function iconsFor(name: string): Icon[] {
  let icons = cache.get(name);
  if (!icons) {
    const svg = readFileSync(join(ICON_DIR, `${name}.svg`));
    icons = [{ src: `data:image/svg+xml;base64,${svg.toString('base64')}`, mimeType: 'image/svg+xml', sizes: ['any'] }];
    cache.set(name, icons);
  }
  return icons;
}
