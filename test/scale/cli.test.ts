import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../e2e/cli-process.js';
import { eventually, ok, tempDir } from '../harness.js';
import { dropSchema, freshSchema, PG_SKIP, PG_URL, requirePostgres } from './cluster.js';

/**
 * `--database-url` / `DATABASE_URL` on the command line: stdio clients of one
 * PostgreSQL schema share tasks and hear each other's changes (LISTEN/NOTIFY
 * between processes); bad settings fail in one clear line.
 */
await requirePostgres();

describe.skipIf(PG_SKIP)('taskwire processes sharing a store, from the command line', () => {
  const tmp = tempDir();
  const schema = freshSchema('tw_cli');
  afterAll(async () => {
    await dropSchema(schema);
    tmp.cleanup();
  });

  const stdio = async (name: string, env: Record<string, string>) => {
    const client = new Client({ name, version: '1.0.0' }, { versionNegotiation: { mode: 'legacy' } });
    await client.connect(
      new StdioClientTransport({ command: process.execPath, args: [CLI], env: { ...(process.env as Record<string, string>), ...env }, stderr: 'ignore' }),
    );
    return client;
  };

  it('two stdio processes on one schema share tasks, and a subscriber in one hears the other’s change', async () => {
    const env = { DATABASE_URL: PG_URL, TASKWIRE_DATABASE_SCHEMA: schema, TASKWIRE_DB: `${tmp.dir}/unused.db` };
    const [a, b] = [await stdio('process-a', env), await stdio('process-b', env)];
    try {
      const { created } = await ok<{ created: Array<{ id: number }> }>(a, 'create_tasks', { tasks: [{ title: 'Shared through PostgreSQL' }] });
      const id = created[0]?.id as number;
      const got: string[] = [];
      b.setNotificationHandler('notifications/resources/updated', async (n) => {
        got.push(n.params.uri);
      });
      await b.subscribeResource({ uri: `tasks://${id}` });
      expect((await ok<{ task: { title: string } }>(b, 'get_task', { id })).task.title).toBe('Shared through PostgreSQL');
      await ok(a, 'update_task', { id, priority: 'critical' });
      await eventually(() => got.includes(`tasks://${id}`), 5000, 'the change from the other process');
    } finally {
      await Promise.allSettled([a.close(), b.close()]);
    }
  });

  it('two stdio processes on one SQLite file hear each other through the Redis bus', async () => {
    const env = {
      TASKWIRE_DB: `${tmp.dir}/shared.db`,
      TASKWIRE_CHANGE_BUS: 'redis',
      TASKWIRE_REDIS_URL: process.env.TASKWIRE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    };
    const [a, b] = [await stdio('editor-a', env), await stdio('editor-b', env)];
    try {
      const { created } = await ok<{ created: Array<{ id: number }> }>(a, 'create_tasks', { tasks: [{ title: 'Shared through one SQLite file' }] });
      const id = created[0]?.id as number;
      const got: string[] = [];
      b.setNotificationHandler('notifications/resources/updated', async (n) => {
        got.push(n.params.uri);
      });
      await b.subscribeResource({ uri: 'tasks://board' });
      await ok(a, 'complete_task', { id });
      await eventually(() => got.includes('tasks://board'), 5000, 'the change from the other process');
    } finally {
      await Promise.allSettled([a.close(), b.close()]);
    }
  });

  it('fails in one line: unreachable database (exit 1), malformed URL or an impossible bus (exit 2)', async () => {
    const down = await runCli(['serve', '--port', '0', '--database-url', 'postgres://postgres@127.0.0.1:1/none']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/cannot open PostgreSQL database at postgres:\/\/postgres@127\.0\.0\.1:1\/none.*check --database-url/);
    const malformed = await runCli(['--database-url', 'mysql://x'], {});
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/--database-url \(DATABASE_URL\): must be a postgres:\/\//);
    const bus = await runCli(['serve', '--port', '0', '--change-bus', 'redis', '--db', `${tmp.dir}/x.db`]);
    expect(bus.code).toBe(2);
    expect(bus.stderr).toMatch(/redis needs --redis-url/);
    for (const r of [down, malformed, bus]) expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
