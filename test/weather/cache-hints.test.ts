import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheFields, resourceCaching } from '../../src/server/cache-hints.js';
import type { ResourceDef } from '../../src/toolkit/define.js';
import { WEATHER_CONFIG_TTL_MS } from '../../src/toolsets/weather/resources.js';
import { ERAS, type Harness, harness } from '../harness.js';
import { type FakeNws, startFakeNws } from './fake-nws.js';

/** MCP 2026-07-28 caching hints (server/utilities/caching) on resources/read, and their absence on 2025-11-25 results. */

let fake: FakeNws;
beforeAll(async () => {
  fake = await startFakeNws();
});
afterAll(() => fake.close());

/** The fake NWS server's `max-age` (test/weather/fake-nws.ts), in ms. */
const FIXTURE_MAX_AGE_MS = 300_000;

const flags = () => ({
  toolsets: 'tasks,weather',
  'weather-api-url': fake.url,
  'weather-user-agent': 'taskwire-test/1 (ops@example.com)',
});

describe.each(ERAS)('cache hints (%s era)', (era) => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness(era, flags());
  });
  afterAll(() => h.close());

  const read = async (uri: string) => (await h.client.readResource({ uri })) as Record<string, unknown>;

  if (era === 'modern') {
    it('alerts://CA/active is public, fresh for what remains of the upstream max-age', async () => {
      const r = await read('alerts://CA/active');
      expect(r.cacheScope).toBe('public');
      expect(Number.isInteger(r.ttlMs)).toBe(true);
      expect(r.ttlMs).toBeGreaterThan(0);
      expect(r.ttlMs).toBeLessThanOrEqual(FIXTURE_MAX_AGE_MS);
    });

    it('an upstream answer that may not be reused gives ttlMs 0', async () => {
      fake.cacheControl = 'no-store';
      try {
        const r = await read('alerts://TX/active');
        expect(r).toMatchObject({ ttlMs: 0, cacheScope: 'public' });
      } finally {
        fake.cacheControl = 'public, max-age=300, s-maxage=300';
      }
    });

    it('weather://config is private and short-lived', async () => {
      expect(await read('weather://config')).toMatchObject({ ttlMs: WEATHER_CONFIG_TTL_MS, cacheScope: 'private' });
    });

    it('tasks://board stays ttlMs 0, private: it changes under agents and updates are announced', async () => {
      expect(await read('tasks://board')).toMatchObject({ ttlMs: 0, cacheScope: 'private' });
    });

    it('tools/list and resources/list are private with no freshness: they depend on the caller and change', async () => {
      expect(await h.client.listTools()).toMatchObject({ ttlMs: 0, cacheScope: 'private' });
      expect(await h.client.listResources()).toMatchObject({ ttlMs: 0, cacheScope: 'private' });
    });
  } else {
    it.each(['alerts://CA/active', 'weather://config', 'tasks://board'])('a read of %s carries neither ttlMs nor cacheScope', async (uri) => {
      const r = await read(uri);
      expect(r.contents).toBeDefined();
      expect(r).not.toHaveProperty('ttlMs');
      expect(r).not.toHaveProperty('cacheScope');
    });
  }
});

describe('resourceCaching: a fixed policy is checked at start-up', () => {
  const res = (cache: unknown) => ({ uri: 'x://y', cache }) as unknown as ResourceDef<unknown>;
  it('passes a valid policy to the SDK as its cacheHint', () => {
    expect(resourceCaching(res({ scope: 'public', ttlMs: 1000 }))).toEqual({ hint: { ttlMs: 1000, cacheScope: 'public' } });
    expect(resourceCaching(res(undefined))).toEqual({});
  });
  it('refuses a fractional or negative ttlMs and an unknown scope', () => {
    expect(() => resourceCaching(res({ scope: 'public', ttlMs: 1.5 }))).toThrow(/non-negative integer/);
    expect(() => resourceCaching(res({ scope: 'public', ttlMs: -1 }))).toThrow(/non-negative integer/);
    expect(() => resourceCaching(res({ scope: 'shared', ttlMs: 0 }))).toThrow(/'public' or 'private'/);
  });
  it('floors a per-read ttlMs to a non-negative integer', () => {
    expect(cacheFields({ scope: 'public', ttlMs: 1234.9 })).toEqual({ ttlMs: 1234, cacheScope: 'public' });
    expect(cacheFields({ scope: 'private', ttlMs: -5 })).toEqual({ ttlMs: 0, cacheScope: 'private' });
    expect(cacheFields({ scope: 'private', ttlMs: Number.NaN })).toEqual({ ttlMs: 0, cacheScope: 'private' });
  });
});
