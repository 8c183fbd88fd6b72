import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { type BusChange, bridge, type ChangeBus, channelName, decodeChange, encodeChange } from '../../src/cluster/bus.js';
import { openPostgresBus } from '../../src/cluster/postgres-bus.js';
import { openRedisBus } from '../../src/cluster/redis-bus.js';
import { busChannel, busKind, openApp } from '../../src/server/app.js';
import { type ChangeEvent, ChangeHub } from '../../src/server/changes.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { TOOLSETS } from '../../src/toolsets/index.js';
import { TASK_CHANGES, taskChangeUris, WORKSPACE_URIS } from '../../src/toolsets/tasks/change-uris.js';
import { eventually, tempDir, testConfig } from '../harness.js';
import { dropSchema, PG_SKIP, PG_URL, requirePostgres } from './cluster.js';

/**
 * The cross-process change buses on a real PostgreSQL and a real Redis: what
 * one node publishes reaches the other nodes on its channel (never itself,
 * never another channel), malformed payloads are dropped, a PostgreSQL bus
 * whose connection is killed reconnects, and `openApp` bridges its change hub
 * to the bus both ways. (Separate processes: test/scale/replicas.test.ts.)
 */
const REDIS_URL = process.env.TASKWIRE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
await requirePostgres();
{
  const probe = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  const up = await probe.connect().then(
    () => true,
    () => false,
  );
  probe.disconnect();
  if (!up) throw new Error(`Redis not reachable at ${REDIS_URL}: start it (CI provides one on 127.0.0.1:6379)`);
}

const unique = () => channelName(`test:${randomBytes(8).toString('hex')}`);
const opened: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  await Promise.allSettled(opened.map((b) => b.close()));
});

function collect(bus: ChangeBus): BusChange[] {
  const got: BusChange[] = [];
  bus.onChange((c) => got.push(c));
  return got;
}
const settle = (ms = 200) => new Promise((r) => setTimeout(r, ms));

describe('bus wire format', () => {
  it('drops its own messages and anything malformed, and splits big changes under the NOTIFY limit', () => {
    const [own] = encodeChange({ workspace: 'w', uris: ['tasks://1'] }, 'node-a');
    expect(decodeChange(own as string, 'node-a')).toBeUndefined();
    expect(decodeChange(own as string, 'node-b')).toEqual({ workspace: 'w', uris: ['tasks://1'] });
    for (const bad of [
      '{',
      'null',
      '{"v":1,"n":"x","w":"w","u":["https://evil"]}',
      '{"v":1,"n":"x","w":"a\\u0007b","u":["tasks://1"]}', // a control character
      `{"v":1,"n":"x","w":"${'w'.repeat(201)}","u":["tasks://1"]}`, // longer than any workspace name
      '{"v":2,"n":"x","w":"w","u":["tasks://1"]}',
    ]) {
      expect(decodeChange(bad, 'node-b', (uri) => TASK_CHANGES.pattern.test(uri))).toBeUndefined();
    }
    // Without a toolset's pattern only the shape is checked: a scheme, then printable characters.
    expect(decodeChange('{"v":1,"n":"x","w":"w","u":["alerts://CA/active"]}', 'node-b')?.uris).toEqual(['alerts://CA/active']);
    for (const bad of [
      '{"v":1,"n":"x","w":"w","u":["no scheme"]}',
      '{"v":1,"n":"x","w":"w","u":["tasks://a\\u0000b"]}',
      `{"v":1,"n":"x","w":"w","u":["tasks://${'9'.repeat(257)}"]}`,
    ]) {
      expect(decodeChange(bad, 'node-b')).toBeUndefined();
    }
    // Workspaces named by an identity provider's ids cross the bus like any other (the JWT verifier's rule).
    const [idp] = encodeChange({ workspace: 'auth0|65f0c1 org@example.com', uris: ['tasks://1'] }, 'node-a');
    expect(decodeChange(idp as string, 'node-b')?.workspace).toBe('auth0|65f0c1 org@example.com');
    const uris = Array.from({ length: 2000 }, (_, i) => `tasks://${1_000_000 + i}`);
    const parts = encodeChange({ workspace: 'w', uris }, 'node-a');
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(Buffer.byteLength(p)).toBeLessThan(8000);
    expect(parts.flatMap((p) => decodeChange(p, 'node-b')?.uris ?? [])).toEqual(uris);
    expect(channelName('a')).toMatch(/^[a-z_][a-z0-9_]{1,62}$/);
  });
});

const engines = {
  postgres: (channel: string, node: string) => openPostgresBus({ connectionString: PG_URL, channel, node, logger: silentLogger }),
  redis: (channel: string, node: string) => openRedisBus({ url: REDIS_URL, channel, node, logger: silentLogger }),
};

describe.each((Object.keys(engines) as Array<keyof typeof engines>).filter((k) => !(PG_SKIP && k === 'postgres')))('%s change bus', (kind) => {
  const open = engines[kind];
  it('delivers a change to the other nodes on its channel, not to itself nor to another channel', async () => {
    const channel = unique();
    const [a, b, c, elsewhere] = await Promise.all([open(channel, 'a'), open(channel, 'b'), open(channel, 'c'), open(unique(), 'd')]);
    opened.push(a, b, c, elsewhere);
    const [gotA, gotB, gotC, gotElsewhere] = [collect(a), collect(b), collect(c), collect(elsewhere)];
    expect([a, b, c].every((x) => x.healthy())).toBe(true);
    a.publish({ workspace: 'team', uris: ['tasks://board', 'tasks://7'] });
    b.publish({ workspace: 'other', uris: ['tasks://stats'] });
    await eventually(() => gotB.length === 1 && gotC.length === 2 && gotA.length === 1, 3000, 'deliveries');
    await settle();
    expect(gotB).toEqual([{ workspace: 'team', uris: ['tasks://board', 'tasks://7'] }]);
    expect(gotA).toEqual([{ workspace: 'other', uris: ['tasks://stats'] }]);
    // Two publishers, two connections: c gets both, in either order.
    expect([...gotC].sort((x, y) => x.workspace.localeCompare(y.workspace))).toEqual([...gotA, ...gotB]);
    expect(gotElsewhere).toEqual([]);
  });
});

describe.skipIf(PG_SKIP)('PostgreSQL change bus reconnects', () => {
  it('goes unhealthy when its connection is killed, comes back by itself, tells subscribers to re-read, and delivers again', async () => {
    const channel = unique();
    const [a, b] = await Promise.all([engines.postgres(channel, 'a'), engines.postgres(channel, 'b')]);
    opened.push(a, b);
    const hub = new ChangeHub();
    const unbridge = bridge(hub, b, { resyncUris: WORKSPACE_URIS });
    const got: ChangeEvent[] = [];
    hub.subscribe((e) => got.push(e));
    a.publish({ workspace: 'w', uris: ['tasks://1'] });
    await eventually(() => got.length === 1, 3000, 'delivery before the kill');
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      const killed = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'taskwire-bus' AND query = $1 AND pid <> pg_backend_pid()`,
        [`LISTEN ${channel}`],
      );
      expect(killed.rowCount).toBe(1); // b's connection (a's last statement was its NOTIFY)
    } finally {
      await admin.end();
    }
    await eventually(() => !b.healthy(), 3000, 'the bus noticing the lost connection');
    await eventually(() => a.healthy() && b.healthy(), 10_000, 'reconnection');
    // What was published meanwhile is lost: the workspace's board and stats subscribers are told to re-read.
    await eventually(() => got.length === 2, 3000, 'the resync');
    expect(got[1]).toEqual({ workspace: 'w', uris: ['tasks://board', 'tasks://stats'], remote: true });
    a.publish({ workspace: 'w', uris: ['tasks://2'] });
    await eventually(() => got.length === 3, 3000, 'delivery after reconnecting');
    expect(got[2]?.uris).toEqual(['tasks://2']);
    unbridge();
  });
});

describe('openApp bridges its change hub to the bus', () => {
  it.each(PG_SKIP ? ['redis on SQLite'] : ['redis on SQLite', 'postgres on PostgreSQL'])('%s', async (which) => {
    const tmp = tempDir();
    const schema = `tw_bus_${randomBytes(6).toString('hex')}`;
    const config =
      which === 'redis on SQLite'
        ? testConfig({ 'change-bus': 'redis', 'redis-url': REDIS_URL }, tmp.dir)
        : testConfig({ 'database-url': PG_URL, 'database-schema': schema }, tmp.dir);
    const app = await openApp(TOOLSETS, config, silentLogger);
    const peer = await (which === 'redis on SQLite' ? engines.redis : engines.postgres)(busChannel(config), 'peer');
    try {
      expect(app.bus?.kind).toBe(which.split(' ')[0]);
      const atApp: ChangeEvent[] = [];
      app.hub.subscribe((e) => atApp.push(e));
      const atPeer = collect(peer);
      // A change committed through the app reaches the peer...
      app.hub.changed('local', taskChangeUris([5]));
      await eventually(() => atPeer.length === 1, 3000, 'publish');
      expect(atPeer[0]).toEqual({ workspace: 'local', uris: ['tasks://board', 'tasks://stats', 'tasks://5'] });
      // ...and the peer's change reaches the app's subscribers, marked remote and not published back, with only
      // the URIs a served toolset declares (Toolset.changes): a URI of no toolset is dropped.
      peer.publish({ workspace: 'local', uris: ['https://evil.example/x'] });
      peer.publish({ workspace: 'local', uris: ['weather://config', 'tasks://9'] });
      await eventually(() => atApp.length === 2, 3000, 'delivery');
      expect(atApp[1]).toEqual({ workspace: 'local', uris: ['tasks://9'], remote: true });
      await settle();
      expect(atPeer).toHaveLength(1);
    } finally {
      await peer.close();
      await app.close();
      if (which !== 'redis on SQLite') await dropSchema(schema);
      tmp.cleanup();
    }
  });

  it('refuses a bus the configuration cannot serve', () => {
    const tmp = tempDir();
    expect(busKind(testConfig({}, tmp.dir))).toBe('sqlite'); // a SQLite file: other processes on it (test/scale/sqlite-bus.test.ts)
    expect(() => busKind(testConfig({ 'change-bus': 'redis' }, tmp.dir))).toThrow(/redis needs --redis-url/);
    expect(() => busKind(testConfig({ 'change-bus': 'postgres' }, tmp.dir))).toThrow(/postgres needs --database-url/);
    tmp.cleanup();
  });
});
