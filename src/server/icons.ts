import { readFileSync } from 'node:fs';

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

/** The directory of shipped icons: `assets/icons/` beside `dist/` and `src/`. */
const ICON_DIR = new URL('../../assets/icons/', import.meta.url);

const cache = new Map<string, Icon[]>();

/**
 * The icon list for `assets/icons/<name>.svg`, read once.
 * @throws Error naming the file when it is missing (a packaging bug, caught by test/dist).
 */
export function iconsFor(name: string): Icon[] {
  let icons = cache.get(name);
  if (!icons) {
    const svg = readFileSync(new URL(`${name}.svg`, ICON_DIR));
    icons = [{ src: `data:image/svg+xml;base64,${svg.toString('base64')}`, mimeType: 'image/svg+xml', sizes: ['any'] }];
    cache.set(name, icons);
  }
  return icons;
}
