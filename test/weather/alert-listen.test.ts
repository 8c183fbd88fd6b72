import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { TOOLSETS } from '../../src/toolsets/index.js';
import { type HttpServing, serveHttp } from '../../src/transport/http.js';
import { eventually, tempDir, testConfig } from '../harness.js';
import { type FakeNws, startFakeNws } from './fake-nws.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** 2026 era over HTTP: a `subscriptions/listen` stream subscribing to alerts://{state}/active starts the watch; closing it stops it. */
describe('alert subscriptions on a 2026 listen stream', () => {
  let fake: FakeNws;
  let http: HttpServing;
  let close: () => Promise<void>;
  const path = '/alerts/active/area/NM';
  beforeAll(async () => {
    fake = await startFakeNws();
    fake.cacheControl = 'public, max-age=1';
    fake.serve(path, 'alerts-active-area-CA.json');
    const tmp = tempDir();
    const app = createApp(
      TOOLSETS,
      testConfig({ port: '0', toolsets: 'tasks,weather', 'weather-api-url': fake.url, 'weather-user-agent': 'taskwire-test/1 (ops@example.com)' }, tmp.dir),
      silentLogger,
    );
    http = await serveHttp(app);
    close = async () => {
      await http.close();
      await app.close();
      tmp.cleanup();
    };
  });
  afterAll(async () => {
    await close();
    await fake.close();
  });

  it('notifies the stream when the alerts change, and stops polling when it closes', async () => {
    const client = new Client({ name: 'listen-test', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(new StreamableHTTPClientTransport(new URL(http.url)));
    const heard: string[] = [];
    client.setNotificationHandler('notifications/resources/updated', async (n) => void heard.push(n.params.uri));
    const listening = await client.listen({ resourceSubscriptions: ['alerts://NM/active'] });
    await eventually(() => fake.count(path) >= 1, 3_000, 'the first poll');
    fake.serve(path, 'alerts-active-point-33.25,-112.3.json');
    await eventually(() => heard.includes('alerts://NM/active'), 5_000, 'the update on the listen stream');
    await listening.close();
    await sleep(500);
    const after = fake.count(path);
    await sleep(2_000);
    expect(fake.count(path)).toBe(after);
    await client.close();
  });
});
