import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, sep } from 'node:path';
import { PACKAGE_ROOT } from '../package-root.js';

/**
 * The board's static front end (issue 14): `GET /` is the page, `GET /board/<file>` its modules and
 * style sheet. The page holds no data: it talks MCP to `/mcp` (same origin) with the caller's own
 * credential, so every read and write goes through the same tools, scopes, audit and version checks
 * as any agent's. Nothing here authenticates: the files are the same for everyone.
 *
 * Response headers (every board response):
 * - `Content-Security-Policy`: scripts, styles and connections from this origin only; no inline
 *   script, no `eval`, no plugins, no framing (`frame-ancestors 'none'`), no forms posting anywhere;
 * - `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY`.
 */
export const BOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};

/**
 * Where the assets are: the package's `src/board/assets/` (package.json `files` ships it), with a trailing slash.
 * @throws Error when its `index.html` is missing (a packaging bug).
 */
export function assetsDir(): string {
  const dir = join(PACKAGE_ROOT, 'src', 'board', 'assets') + sep;
  if (existsSync(`${dir}index.html`)) return dir;
  throw new Error(`board assets not found (expected ${dir}index.html in the package)`);
}

/** One file name segment: letters, digits, dash, dot; no path traversal. */
const FILE = /^[a-z0-9-]+\.(js|css|svg)$/;

/** Asset bodies read once per process. */
const cache = new Map<string, Buffer>();

function load(name: string): Buffer | undefined {
  let body = cache.get(name);
  if (body) return body;
  const path = `${assetsDir()}${name}`;
  if (!existsSync(path)) return undefined;
  body = readFileSync(path);
  cache.set(name, body);
  return body;
}

/** Whether `path` is the board's (`/`, `/index.html`, `/board/...`). */
export function isBoardPath(path: string): boolean {
  return path === '/' || path === '/index.html' || path === '/board' || path.startsWith('/board/');
}

/**
 * Answer a board request. GET/HEAD only (405 otherwise); unknown files 404.
 * Call after the `Host`/`Origin` checks that guard `/mcp`.
 */
export function serveBoard(req: IncomingMessage, res: ServerResponse, path: string): void {
  res.setHeader('content-security-policy', BOARD_CSP);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('x-frame-options', 'DENY');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed');
    return;
  }
  const name = path === '/' || path === '/index.html' || path === '/board' || path === '/board/' ? 'index.html' : path.slice('/board/'.length);
  const body = name === 'index.html' || FILE.test(name) ? load(name) : undefined;
  if (!body) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
    return;
  }
  const ext = name.split('.').pop() as string;
  res.writeHead(200, {
    'content-type': TYPES[ext] ?? 'application/octet-stream',
    'content-length': body.length,
    // The page is small and changes with each release: revalidate rather than pin a stale board.
    'cache-control': 'no-cache',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
