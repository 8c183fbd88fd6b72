import { resolve } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, type Served, startHttp } from '../e2e/cli-process.js';
import { call, eventually, tempDir } from '../harness.js';
import { httpClient } from './cluster.js';
import { type PrivatePostgres, startPrivatePostgres } from './private-postgres.js';

/**
 * PostgreSQL stopped and restarted under load, on a private throwaway cluster:
 * `/readyz` goes red, every tool call answers promptly (a retryable
 * `unavailable` error, never a hang or a crash), and the replica recovers by
 * itself when the database is back, change bus included. The cluster is set
 * up by the reference deployment's deploy/postgres-init.sh, and Taskwire
 * connects as the role it creates (no superuser, no BYPASSRLS), as deployed.
 */
describe('PostgreSQL stopped and restarted under load', () => {
  const tmp = tempDir('taskwire-pgrestart-');
  let db: PrivatePostgres;
  let server: Served;
  let client: Client;
  let appUrl: string;
  beforeAll(async () => {
    db = await startPrivatePostgres();
    const init = await run('sh', [resolve(import.meta.dirname, '..', '..', 'deploy', 'postgres-init.sh')], {
      POSTGRES_USER: 'postgres',
      TASKWIRE_DB_PASSWORD: "it's secret",
      PGHOST: '127.0.0.1',
      PGPORT: String(db.port),
    });
    expect(init.code, init.stderr).toBe(0);
    appUrl = `postgres://taskwire:${encodeURIComponent("it's secret")}@127.0.0.1:${db.port}/taskwire`;
    server = await startHttp(tmp.dir, ['--database-url', appUrl], { TASKWIRE_LOG_LEVEL: 'silent' });
    client = await httpClient(server.url, 'modern', 'under-load');
  }, 90_000);
  afterAll(async () => {
    await client?.close().catch(() => undefined);
    await server?.stop();
    await db?.destroy();
    tmp.cleanup();
  });

  const ready = async () => {
    const r = await fetch(server.url.replace(/\/mcp$/, '/readyz'), { signal: AbortSignal.timeout(10_000) });
    return { status: r.status, body: (await r.json()) as { status: string; bus?: { healthy: boolean } } };
  };

  it('answers unavailable while the database is down and recovers by itself', async () => {
    const outcomes: Array<{ phase: string; code: string; ms: number }> = [];
    let phase = 'up';
    let stop = false;
    let n = 0;
    // Two writers and a reader, continuously, through all three phases.
    const load = Array.from({ length: 3 }, (_, w) =>
      (async () => {
        while (!stop) {
          const started = Date.now();
          const p = phase;
          const r =
            w < 2
              ? await call(client, 'create_tasks', { tasks: [{ title: `load ${w}-${n++}` }], idempotency_key: `restart-${w}-${n}-key` })
              : await call(client, 'list_tasks', { limit: 5 });
          outcomes.push({ phase: p, code: r.isError ? r.error.code : 'ok', ms: Date.now() - started });
          if (r.isError) {
            expect(r.error.retryable).toBe(true);
            await new Promise((res) => setTimeout(res, 50));
          }
        }
      })(),
    );
    await eventually(() => outcomes.filter((o) => o.code === 'ok').length >= 20, 15_000, 'calls succeeding before the stop');
    expect((await ready()).status).toBe(200);

    await db.stop('fast');
    phase = 'down';
    await eventually(() => outcomes.filter((o) => o.phase === 'down').length >= 10, 30_000, 'calls answered while down');
    const down = await ready();
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('unavailable');
    expect(server.child.exitCode).toBeNull(); // still running
    const whileDown = outcomes.filter((o) => o.phase === 'down');
    expect(new Set(whileDown.filter((o) => o.code !== 'ok').map((o) => o.code))).toEqual(new Set(['unavailable']));
    // answered promptly: the pool's connection timeout (5 s) bounds every call, never a hang
    expect(Math.max(...whileDown.map((o) => o.ms))).toBeLessThan(8000);

    await db.start();
    phase = 'restarted';
    await eventually(() => outcomes.filter((o) => o.phase === 'restarted' && o.code === 'ok').length >= 20, 30_000, 'calls succeeding after the restart');
    let back = await ready();
    for (let i = 0; i < 50 && !(back.status === 200 && back.body.bus?.healthy); i++) {
      await new Promise((r) => setTimeout(r, 200));
      back = await ready();
    }
    expect(back.status).toBe(200);
    expect(back.body.bus?.healthy).toBe(true);
    stop = true;
    await Promise.all(load);
    const summary: Record<string, Record<string, number>> = {};
    for (const o of outcomes) {
      const byCode = summary[o.phase] ?? {};
      byCode[o.code] = (byCode[o.code] ?? 0) + 1;
      summary[o.phase] = byCode;
    }
    // The role of the reference deployment is subject to row-level security, and it holds the rows.
    const asApp = new pg.Client({ connectionString: appUrl });
    await asApp.connect();
    try {
      const role = await asApp.query<{ rolsuper: boolean; rolbypassrls: boolean }>('SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user');
      expect(role.rows[0]).toEqual({ rolsuper: false, rolbypassrls: false });
      expect((await asApp.query('SELECT count(*)::int AS n FROM tasks')).rows[0].n).toBe(0); // no workspace set: RLS shows nothing
      await asApp.query(`SELECT set_config('taskwire.workspace', 'local', false)`);
      expect((await asApp.query('SELECT count(*)::int AS n FROM tasks')).rows[0].n).toBeGreaterThan(0);
    } finally {
      await asApp.end();
    }
    console.info(`PostgreSQL restart under load: ${JSON.stringify(summary)}`);
    expect(server.child.exitCode).toBeNull();
  }, 120_000);
});
