import { chownSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../e2e/cli-process.js';
import { tempDir } from '../harness.js';
import { freePort } from './cluster.js';

/**
 * A throwaway PostgreSQL cluster of our own (Debian's initdb + pg_ctl, in a
 * temp dir, on a free loopback port) that a test may stop and start: the
 * machine's shared service on 5432 is never touched. As root, the cluster
 * runs as the `postgres` user (PostgreSQL refuses to run as root).
 */
export interface PrivatePostgres {
  /** As the `postgres` superuser. */
  url: string;
  port: number;
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

function binDir(): string {
  if (process.env.TASKWIRE_TEST_PG_BIN) return process.env.TASKWIRE_TEST_PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin');
  throw new Error('initdb not found under /usr/lib/postgresql/*/bin (install postgresql, see scripts/ensure-postgres.sh) or set TASKWIRE_TEST_PG_BIN');
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binDir();
  const tmp = tempDir('taskwire-pg-');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(tmp.dir, await uidOf('postgres'), await gidOf('postgres'));
  const data = join(tmp.dir, 'data');
  const port = await freePort();
  const as = (cmd: string, args: string[], timeoutMs = 60_000) => {
    if (!asRoot) return run(cmd, args, {}, timeoutMs);
    const quoted = [cmd, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
    return run('su', ['postgres', '-s', '/bin/sh', '-c', quoted], {}, timeoutMs);
  };
  const must = async (what: string, p: ReturnType<typeof as>) => {
    const r = await p;
    if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stderr}${r.stdout}`);
  };
  await must('initdb', as(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']));
  const options = `-p ${port} -k ${tmp.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`;
  const start = () => must('pg_ctl start', as(join(bin, 'pg_ctl'), ['-D', data, '-o', options, '-l', join(tmp.dir, 'log'), '-w', '-t', '30', 'start']));
  const stop = (mode: 'fast' | 'immediate' = 'fast') => must('pg_ctl stop', as(join(bin, 'pg_ctl'), ['-D', data, '-m', mode, '-w', '-t', '30', 'stop']));
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start,
    stop,
    destroy: async () => {
      await stop('immediate').catch(() => undefined);
      tmp.cleanup();
    },
  };
}

async function uidOf(user: string): Promise<number> {
  return Number((await run('id', ['-u', user])).stdout.trim());
}
async function gidOf(user: string): Promise<number> {
  return Number((await run('id', ['-g', user])).stdout.trim());
}
