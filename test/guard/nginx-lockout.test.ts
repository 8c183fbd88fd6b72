import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type Served } from '../e2e/cli-process.js';
import { tempDir } from '../harness.js';
import { type Balancer, dropSchema, freshSchema, PG_SKIP, PG_URL, portOf, requireNginx, requirePostgres, startNginx, startReplica } from '../scale/cluster.js';
import { sendFrom } from './send-from.js';

/**
 * Issue 13 item 1 through the reference deployment: two `taskwire serve`
 * replicas (the built CLI, --auth api-key, --trust-proxy 127.0.0.1/32 as in
 * compose.yaml) behind a real nginx running deploy/nginx.conf, where every
 * request reaches a replica from nginx's own address. Clients connect from
 * distinct loopback addresses (127.0.0.2, 127.0.0.3, ...), so nginx's
 * X-Forwarded-For is the only way a replica can tell them apart. Budgets are
 * per replica (memory): each flood is long enough to exhaust both.
 */
await requirePostgres();
requireNginx();

const send = async (url: string, from: string, headers: Record<string, string>) => (await sendFrom(url, from, headers)).status;
const times = async (n: number, once: () => Promise<number>) => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await once());
  return out;
};
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const BAD = bearer('tw_000000000000_not-a-real-secret');

describe.skipIf(PG_SKIP)('flood lockout behind the reference nginx', () => {
  const tmp = tempDir('taskwire-lockout-');
  const schema = freshSchema('tw_lockout');
  let replicas: Served[] = [];
  let lb: Balancer;
  let alice = '';
  let mallory = '';

  beforeAll(async () => {
    const flags = ['--auth', 'api-key', '--trust-proxy', '127.0.0.1/32', '--http-unauthenticated-rate-limit', '4', '--http-rate-limit', '10'];
    replicas = await Promise.all([startReplica(tmp.dir, schema, 'r1', flags), startReplica(tmp.dir, schema, 'r2', flags)]);
    lb = await startNginx(tmp.dir, [portOf(replicas[0]?.url ?? ''), portOf(replicas[1]?.url ?? '')]);
    const key = async (workspace: string) => {
      const made = await runCli([
        'token',
        'create',
        '--database-url',
        PG_URL,
        '--database-schema',
        schema,
        '--workspace',
        workspace,
        '--scopes',
        'tasks:read',
        '--name',
        workspace,
      ]);
      if (made.code !== 0) throw new Error(made.stderr);
      return made.stdout.trim().split('\n')[0] ?? '';
    };
    alice = await key('alice');
    mallory = await key('mallory');
  }, 60_000);
  afterAll(async () => {
    await lb?.stop();
    await Promise.allSettled(replicas.map((r) => r.stop()));
    await dropSchema(schema);
    tmp.cleanup();
  }, 30_000);

  it("a bad-credential flood from one client locks out only that client's failed attempts; valid keys and other clients keep working", async () => {
    const flood = await times(20, () => send(lb.url, '127.0.0.2', BAD));
    expect(flood.slice(0, 2)).toEqual([401, 401]);
    expect(flood.slice(-4)).toEqual([429, 429, 429, 429]);
    // A valid key from the flooding client itself, on both replicas.
    expect(await times(4, () => send(lb.url, '127.0.0.2', bearer(alice)))).toEqual([200, 200, 200, 200]);
    // Another client behind the same nginx has its own budget.
    expect(await times(2, () => send(lb.url, '127.0.0.3', BAD))).toEqual([401, 401]);
  });

  it("a client's own X-Forwarded-For cannot claim another client's address: nginx appends the real one and that is counted", async () => {
    // 127.0.0.2 is exhausted (previous test); 127.0.0.4 pretending to be it is still counted as itself ...
    expect(await times(2, () => send(lb.url, '127.0.0.4', { ...BAD, 'x-forwarded-for': '127.0.0.2' }))).toEqual([401, 401]);
    // ... and 127.0.0.2 pretending to be a fresh address stays locked out.
    expect(await times(2, () => send(lb.url, '127.0.0.2', { ...BAD, 'x-forwarded-for': '198.51.100.1' }))).toEqual([429, 429]);
  });

  it("one tenant's flood through nginx gets 429 for that principal only", async () => {
    const flood = await times(30, () => send(lb.url, '127.0.0.5', bearer(mallory)));
    expect(flood.slice(0, 2)).toEqual([200, 200]);
    expect(flood.slice(-4)).toEqual([429, 429, 429, 429]);
    expect(await times(2, () => send(lb.url, '127.0.0.5', bearer(alice)))).toEqual([200, 200]);
  });
});
