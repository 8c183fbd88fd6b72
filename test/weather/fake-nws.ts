import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/**
 * A fake NWS API on loopback that replays the real recorded responses in
 * test/fixtures/nws/ (copied from shared/fixtures/nws, with their sources in
 * its README). It stands only for the outside service: it counts requests,
 * records their headers, and can be told to fail the next requests to a path
 * (a status with a recorded error body, 429 with Retry-After, or a hang).
 */
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'nws');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

const ROUTES: Record<string, { file: string; status?: number; type?: string }> = {
  '/alerts/active/area/CA': { file: 'alerts-active-area-CA.json' },
  '/points/35.7054,-78.7963': { file: 'points-35.7054,-78.7963.json' },
  '/gridpoints/RAH/67,53/forecast': { file: 'gridpoints-RAH-67,53-forecast.json' },
  '/points/39.7456,-97.0892': { file: 'points-39.7456,-97.0892-2019.json' },
  '/gridpoints/TOP/31,80/forecast': { file: 'gridpoints-TOP-31,80-forecast.json' },
  // A 2026-format point whose grid has no data: the recorded gridpoint 404.
  '/points/30,-85': { file: 'points-30,-85.json' },
  '/gridpoints/TAE/58,65/forecast': { file: 'error-gridpoints-forecast-404-InvalidPoint.json', status: 404, type: 'application/problem+json' },
  '/points/51.5074,-0.1278': { file: 'error-points-404-outside-us.json', status: 404, type: 'application/problem+json' },
};

/** What the next request to a path gets instead of its fixture. */
export type Failure = { status: number; file?: string; retryAfter?: string } | { hang: true };

export interface FakeNws {
  url: string;
  /** Requests by path, in arrival order, with their headers. */
  requests: Array<{ path: string; headers: IncomingHttpHeaders }>;
  count(path: string): number;
  /** Queue failures for the next requests to `path`. */
  failNext(path: string, ...failures: Failure[]): void;
  /** Answer `path` with another recorded fixture from now on (the upstream's data changed). */
  serve(path: string, file: string): void;
  /** Cache-Control sent with fixtures (default `public, max-age=300, s-maxage=300`). */
  cacheControl: string;
  /** Requests whose client went away before an answer (hung ones aborted). */
  aborted: number;
  close(): Promise<void>;
}

export async function startFakeNws(): Promise<FakeNws> {
  const queued = new Map<string, Failure[]>();
  const replaced = new Map<string, string>();
  const hanging = new Set<ServerResponse>();
  const fake: Omit<FakeNws, 'url' | 'close'> & { url?: string } = {
    requests: [],
    count: (path) => fake.requests.filter((r) => r.path === path).length,
    failNext: (path, ...failures) => queued.set(path, [...(queued.get(path) ?? []), ...failures]),
    serve: (path, file) => {
      replaced.set(path, file);
    },
    cacheControl: 'public, max-age=300, s-maxage=300',
    aborted: 0,
  };
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    fake.requests.push({ path, headers: req.headers });
    const failure = queued.get(path)?.shift();
    if (failure && 'hang' in failure) {
      hanging.add(res);
      res.on('close', () => {
        if (!res.writableEnded) fake.aborted++;
        hanging.delete(res);
      });
      return;
    }
    if (failure) {
      const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
      if (failure.retryAfter) headers['retry-after'] = failure.retryAfter;
      res.writeHead(failure.status, headers).end(failure.file ? fixture(failure.file) : '{}');
      return;
    }
    const replacement = replaced.get(path);
    const route = (replacement ? { file: replacement } : ROUTES[path]) ?? (path.startsWith('/alerts/active/area/') ? { file: '', status: 200 } : undefined);
    if (!route) {
      res.writeHead(404, { 'content-type': 'application/problem+json' }).end(fixture('error-gridpoints-forecast-404-InvalidPoint.json'));
      return;
    }
    // No recorded empty alerts response exists; a real one is the same envelope with no features.
    const body = route.file ? fixture(route.file) : JSON.stringify({ type: 'FeatureCollection', features: [], title: 'Current watches, warnings, and advisories' });
    res.writeHead(route.status ?? 200, { 'content-type': route.type ?? 'application/geo+json', 'cache-control': fake.cacheControl }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  }) as FakeNws;
}
