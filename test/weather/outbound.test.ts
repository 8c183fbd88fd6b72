import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backoffMs, retryAfterMs } from '../../src/outbound/backoff.js';
import { CircuitBreaker } from '../../src/outbound/circuit-breaker.js';
import { OutboundClient, type OutboundOptions } from '../../src/outbound/client.js';
import { freshnessMs, TtlCache } from '../../src/outbound/http-cache.js';
import { ToolError } from '../../src/toolkit/errors.js';
import { type FakeNws, startFakeNws } from './fake-nws.js';

let fake: FakeNws;
beforeAll(async () => {
  fake = await startFakeNws();
});
afterAll(() => fake.close());

const clients: OutboundClient[] = [];
function client(options: Partial<OutboundOptions> = {}): OutboundClient {
  const c = new OutboundClient({ name: 'the fake NWS', userAgent: 'taskwire-test/1 (ops@example.com)', backoffBaseMs: 10, backoffCapMs: 50, ...options });
  clients.push(c);
  return c;
}
afterAll(async () => {
  for (const c of clients) await c.close();
});

async function failure(p: Promise<unknown>): Promise<ToolError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ToolError);
  return error as ToolError;
}

describe('outbound HTTP client (against a fake NWS replaying recorded responses)', () => {
  it('sends the User-Agent and Accept on every request', async () => {
    await client({ cache: false }).get(`${fake.url}/alerts/active/area/CA`, { accept: 'application/geo+json' });
    const last = fake.requests.at(-1);
    expect(last?.headers['user-agent']).toBe('taskwire-test/1 (ops@example.com)');
    expect(last?.headers.accept).toBe('application/geo+json');
  });

  it('retries a 503 and returns the 200 that follows', async () => {
    const path = '/points/35.7054,-78.7963';
    const before = fake.count(path);
    fake.failNext(path, { status: 503, file: 'error-503-UnavailableWebService.json' });
    const res = await client({ cache: false }).get(`${fake.url}${path}`);
    expect(res.status).toBe(200);
    expect(fake.count(path) - before).toBe(2);
  });

  it('gives up after the retries with upstream_unavailable, never the upstream body', async () => {
    const path = '/gridpoints/RAH/67,53/forecast';
    fake.failNext(path, ...Array(3).fill({ status: 503, file: 'error-503-ForecastGridExpired.json' }));
    const error = await failure(client({ cache: false, retries: 2 }).get(`${fake.url}${path}`));
    expect(error.code).toBe('upstream_unavailable');
    expect(error.toBody().retryable).toBe(true);
    expect(error.message).not.toMatch(/ForecastGridExpired|correlationId/);
  });

  it('honours Retry-After on a 429', async () => {
    const path = '/points/39.7456,-97.0892';
    fake.failNext(path, { status: 429, retryAfter: '1' });
    const started = Date.now();
    const res = await client({ cache: false }).get(`${fake.url}${path}`);
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('does not wait for a Retry-After past its deadline: upstream_unavailable with retryAfterMs', async () => {
    const path = '/points/39.7456,-97.0892';
    fake.failNext(path, { status: 429, retryAfter: '120' });
    const started = Date.now();
    const error = await failure(client({ cache: false, totalTimeoutMs: 2_000 }).get(`${fake.url}${path}`));
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(error.code).toBe('upstream_unavailable');
    expect(error.retryAfterMs).toBe(120_000);
  });

  it('cuts a hung response at the response timeout, and retries it', async () => {
    const path = '/points/30,-85';
    const before = fake.count(path);
    fake.failNext(path, { hang: true }, { hang: true });
    const started = Date.now();
    const error = await failure(client({ cache: false, responseTimeoutMs: 200, retries: 1 }).get(`${fake.url}${path}`));
    expect(error.code).toBe('upstream_timeout');
    expect(fake.count(path) - before).toBe(2);
    // undici checks its timeouts on a coarse (about 1 s) timer: two cut attempts take about 2 s, not 30 s.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('bounds the whole call, retries included', async () => {
    const path = '/points/30,-85';
    fake.failNext(path, { hang: true }, { hang: true }, { hang: true });
    const started = Date.now();
    const error = await failure(client({ cache: false, responseTimeoutMs: 5_000, totalTimeoutMs: 300, retries: 2 }).get(`${fake.url}${path}`));
    expect(error.code).toBe('upstream_timeout');
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('serves a repeat from the cache while the response headers allow', async () => {
    const c = client();
    const path = '/alerts/active/area/CA';
    const before = fake.count(path);
    const first = await c.get(`${fake.url}${path}`);
    const second = await c.get(`${fake.url}${path}`);
    expect(first.cached).toBe(false);
    expect(second.cached).toBe(true);
    expect(second.body).toEqual(first.body);
    expect(fake.count(path) - before).toBe(1);
    expect(c.cache?.stats).toMatchObject({ hits: 1, misses: 1 });
  });

  it('does not cache a no-store response', async () => {
    const c = client();
    const path = '/points/35.7054,-78.7963';
    fake.cacheControl = 'no-store';
    try {
      const before = fake.count(path);
      await c.get(`${fake.url}${path}`);
      await c.get(`${fake.url}${path}`);
      expect(fake.count(path) - before).toBe(2);
    } finally {
      fake.cacheControl = 'public, max-age=300, s-maxage=300';
    }
  });

  it('opens the circuit after repeated failures, answers at once, and closes after a good trial', async () => {
    let now = 1_000_000;
    const c = client({ cache: false, retries: 0, breaker: { failureThreshold: 2, openMs: 5_000 }, now: () => now });
    const path = '/gridpoints/TOP/31,80/forecast';
    fake.failNext(path, { status: 500, file: 'error-500-UnexpectedProblem.json' }, { status: 500, file: 'error-500-UnexpectedProblem.json' });
    await failure(c.get(`${fake.url}${path}`));
    await failure(c.get(`${fake.url}${path}`));
    expect(c.breaker.state).toBe('open');
    const sent = fake.count(path);
    const refused = await failure(c.get(`${fake.url}${path}`));
    expect(refused.code).toBe('upstream_unavailable');
    expect(refused.retryAfterMs).toBe(5_000);
    expect(fake.count(path)).toBe(sent); // refused without a request
    now += 5_000;
    expect(c.breaker.state).toBe('half-open');
    expect((await c.get(`${fake.url}${path}`)).status).toBe(200);
    expect(c.breaker.state).toBe('closed');
  });

  it('aborts the upstream request when the caller cancels', async () => {
    const path = '/points/30,-85';
    fake.failNext(path, { hang: true });
    const aborted = fake.aborted;
    const controller = new AbortController();
    const pending = client({ cache: false }).get(`${fake.url}${path}`, { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 100));
    controller.abort();
    const error = await failure(pending);
    expect(error.code).toBe('cancelled');
    for (let i = 0; i < 100 && fake.aborted === aborted; i++) await new Promise((r) => setTimeout(r, 10));
    expect(fake.aborted).toBe(aborted + 1);
  });

  it("passes the caller's own abort reason on (the timeout middleware's timeout)", async () => {
    const path = '/points/30,-85';
    fake.failNext(path, { hang: true });
    const controller = new AbortController();
    const pending = client({ cache: false }).get(`${fake.url}${path}`, { signal: controller.signal });
    controller.abort(new ToolError('timeout', 'The call ran past 30000 ms.'));
    expect((await failure(pending)).code).toBe('timeout');
  });
});

describe('retry timing, freshness and the cache bounds', () => {
  it('backs off exponentially with full jitter, capped', () => {
    expect(backoffMs(1, 100, 1000, () => 1)).toBe(100);
    expect(backoffMs(3, 100, 1000, () => 1)).toBe(400);
    expect(backoffMs(10, 100, 1000, () => 1)).toBe(1000);
    expect(backoffMs(3, 100, 1000, () => 0)).toBe(0);
  });

  it('reads Retry-After as seconds or an HTTP-date', () => {
    expect(retryAfterMs('7')).toBe(7000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:30 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(30_000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });

  it('takes freshness from s-maxage, then max-age, then Expires; never for no-store or private', () => {
    expect(freshnessMs({ 'cache-control': 'public, max-age=481, s-maxage=3600' })).toBe(3_600_000);
    expect(freshnessMs({ 'cache-control': 'public, max-age=481' })).toBe(481_000);
    expect(freshnessMs({ 'cache-control': 'private, max-age=481' })).toBe(0);
    expect(freshnessMs({ 'cache-control': 'no-store' })).toBe(0);
    expect(freshnessMs({ expires: 'Wed, 21 Oct 2015 07:28:30 GMT', date: 'Wed, 21 Oct 2015 07:28:00 GMT' })).toBe(30_000);
    expect(freshnessMs({})).toBe(0);
  });

  it('expires entries and evicts the least recently used past its entry and byte bounds', () => {
    let now = 0;
    const cache = new TtlCache<string>({ maxEntries: 2, maxBytes: 10 }, () => now);
    cache.set('a', 'aaaa', 4, 1000);
    cache.set('b', 'bbbb', 4, 1000);
    expect(cache.get('a')).toBe('aaaa'); // a is now the most recent
    cache.set('c', 'cccc', 4, 1000); // over both bounds: b goes
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe('aaaa');
    expect(cache.sizeBytes).toBe(8);
    now = 1000;
    expect(cache.get('a')).toBeUndefined();
    cache.set('big', 'x'.repeat(11), 11, 1000);
    expect(cache.get('big')).toBeUndefined();
  });

  it('lets one trial through when half-open', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 1, openMs: 100 }, () => now);
    breaker.failure();
    expect(breaker.admit()).toBe(false);
    now = 100;
    expect(breaker.admit()).toBe(true);
    expect(breaker.admit()).toBe(false);
    breaker.failure();
    expect(breaker.state).toBe('open');
  });
});
