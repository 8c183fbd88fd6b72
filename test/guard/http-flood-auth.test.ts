import { afterEach, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys.js';
import type { GuardrailEvent } from '../../src/guard/events.js';
import { type App, createApp } from '../../src/server/app.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { TOOLSETS } from '../../src/toolsets/index.js';
import { type HttpServing, serveHttp } from '../../src/transport/http.js';
import { tempDir, testConfig } from '../harness.js';
import { sendFrom } from './send-from.js';

/**
 * The HTTP flood limits with authentication on (issue 13 item 1), on real
 * loopback sockets from distinct source addresses (127.0.0.2, 127.0.0.3, ...):
 * failed authentication spends its client address's budget, valid credentials
 * spend their principal's, so neither a bad-credential flood nor one tenant's
 * flood locks anyone else out; `X-Forwarded-For`/`Forwarded` count only from
 * a `--trust-proxy` peer.
 */
const send = sendFrom;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const BAD = bearer('tw_000000000000_not-a-real-secret');

describe('HTTP flood limits with authentication', () => {
  const tmp = tempDir();
  let app: App;
  let http: HttpServing;
  let events: GuardrailEvent[];
  afterEach(async () => {
    await http?.close();
    await app?.close();
  });
  const serve = async (overrides: Record<string, string>) => {
    events = [];
    app = createApp(TOOLSETS, testConfig({ port: '0', auth: 'api-key', ...overrides }, tmp.dir), silentLogger, undefined, 'nobody', {
      onGuardrail: (e) => events.push(e),
    });
    http = await serveHttp(app);
    const key = async (workspace: string) => (await createApiKey(app.store.apiKeys, { workspace, name: workspace, scopes: ['tasks:read'] })).token;
    return { alice: await key('alice'), mallory: await key('mallory') };
  };

  it('a bad-credential flood from one address gets 429 there, while a valid key from that same address and other addresses are unaffected', async () => {
    const { alice } = await serve({ 'http-rate-limit': '5', 'http-unauthenticated-rate-limit': '3' });
    const flood: number[] = [];
    for (let i = 0; i < 8; i++) flood.push((await send(http.url, '127.0.0.2', BAD)).status);
    expect(flood).toEqual([401, 401, 401, 429, 429, 429, 429, 429]);
    const limited = await send(http.url, '127.0.0.2', BAD);
    expect(Number(limited.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(limited.body).error.message).toMatch(/failed authentication/);
    // The flood spent neither a principal's budget nor another address's.
    for (let i = 0; i < 3; i++) expect((await send(http.url, '127.0.0.2', bearer(alice))).status).toBe(200);
    expect((await send(http.url, '127.0.0.3', BAD)).status).toBe(401);
    expect(events.every((e) => e.type !== 'http_rate_limited' || (e.budget === 'unauthenticated' && e.client === '127.0.0.2'))).toBe(true);
  });

  it("one principal's flood gets 429 for that principal only, even from the same address", async () => {
    const { alice, mallory } = await serve({ 'http-rate-limit': '5', 'http-unauthenticated-rate-limit': '3' });
    const flood: number[] = [];
    for (let i = 0; i < 7; i++) flood.push((await send(http.url, '127.0.0.2', bearer(mallory))).status);
    expect(flood).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect((await send(http.url, '127.0.0.2', bearer(alice))).status).toBe(200);
    // A bad credential after the principal flood is still a plain 401: the budgets are separate.
    expect((await send(http.url, '127.0.0.2', BAD)).status).toBe(401);
  });

  it('ignores X-Forwarded-For and Forwarded from a peer that is not a trusted proxy (no --trust-proxy)', async () => {
    await serve({ 'http-unauthenticated-rate-limit': '3' });
    // A different spoofed client address on every request: still one budget, the socket's.
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await send(http.url, '127.0.0.2', { ...BAD, 'x-forwarded-for': `203.0.113.${i}`, forwarded: `for=198.51.100.${i}` })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    // Claiming to be the exhausted address does not spend (or inherit) its budget either.
    expect((await send(http.url, '127.0.0.3', { ...BAD, 'x-forwarded-for': '127.0.0.2' })).status).toBe(401);
    expect(events.map((e) => e.type === 'http_rate_limited' && e.client)).toEqual(['127.0.0.2', '127.0.0.2']);
  });

  it('behind a --trust-proxy peer, counts the forwarded client: the rightmost untrusted hop of X-Forwarded-For, or Forwarded for=', async () => {
    await serve({ 'http-unauthenticated-rate-limit': '2', 'trust-proxy': '127.0.0.1/32' });
    // The client wrote 198.51.100.7 itself; the proxy appended the address it saw (203.0.113.9).
    const spoofing = { ...BAD, 'x-forwarded-for': '198.51.100.7, 203.0.113.9' };
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await send(http.url, '127.0.0.1', spoofing)).status);
    expect(statuses).toEqual([401, 401, 429]);
    expect(events.at(-1)).toMatchObject({ type: 'http_rate_limited', budget: 'unauthenticated', client: '203.0.113.9' });
    // Another client behind the same proxy has its own budget, whatever it claims further left.
    expect((await send(http.url, '127.0.0.1', { ...BAD, 'x-forwarded-for': '203.0.113.9, 203.0.113.10' })).status).toBe(401);
    // RFC 7239 Forwarded (quoted IPv6 with a port) wins over X-Forwarded-For when both are present.
    const v6 = { ...BAD, forwarded: 'for="[2001:db8::17]:4711";proto=https', 'x-forwarded-for': '203.0.113.9' };
    expect([(await send(http.url, '127.0.0.1', v6)).status, (await send(http.url, '127.0.0.1', v6)).status, (await send(http.url, '127.0.0.1', v6)).status]).toEqual([
      401, 401, 429,
    ]);
    expect(events.at(-1)).toMatchObject({ client: '2001:db8::17' });
    // A peer outside the list cannot use the headers: 127.0.0.2 is counted as itself.
    expect((await send(http.url, '127.0.0.2', spoofing)).status).toBe(401);
  });
});
