import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Harness, harness } from '../harness.js';
import { type FakeNws, startFakeNws } from './fake-nws.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `alerts://{state}/active` subscriptions (2025 era, a long-lived connection): the upstream is polled only while
 * someone is subscribed, no faster than its cache headers allow, and subscribers hear when the set of alerts changes.
 */
describe('alert subscriptions', () => {
  let fake: FakeNws;
  let h: Harness;
  const path = '/alerts/active/area/AZ';
  const updates: string[] = [];
  beforeAll(async () => {
    fake = await startFakeNws();
    fake.cacheControl = 'public, max-age=1';
    fake.serve(path, 'alerts-active-area-CA.json');
    h = await harness('legacy', { toolsets: 'tasks,weather', 'weather-api-url': fake.url, 'weather-user-agent': 'taskwire-test/1 (ops@example.com)' });
    h.client.setNotificationHandler('notifications/resources/updated', async (n) => void updates.push(n.params.uri));
  });
  afterAll(async () => {
    await h.close();
    await fake.close();
  });

  it('does not poll while nobody is subscribed', async () => {
    await sleep(1_200);
    expect(fake.count(path)).toBe(0);
  });

  it('notifies a subscriber when the set of alerts changes, polling no faster than max-age', async () => {
    await h.client.subscribeResource({ uri: 'alerts://AZ/active' });
    await eventually(() => fake.count(path) >= 1, 3_000, 'the first poll');
    await sleep(1_500);
    expect(updates).toEqual([]); // same alerts: no news
    const started = fake.count(path);
    fake.serve(path, 'alerts-active-point-33.25,-112.3.json'); // other alerts now
    await eventually(() => updates.includes('alerts://AZ/active'), 5_000, 'the update notification');
    // max-age=1: about one request a second, never a tight loop.
    await sleep(2_000);
    const polls = fake.count(path) - started;
    expect(polls).toBeGreaterThanOrEqual(1);
    expect(polls).toBeLessThanOrEqual(6);
  });

  it('stops polling when the last subscriber leaves', async () => {
    await h.client.unsubscribeResource({ uri: 'alerts://AZ/active' });
    await sleep(300);
    const after = fake.count(path);
    await sleep(2_000);
    expect(fake.count(path)).toBe(after);
  });
});
