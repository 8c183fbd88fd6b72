import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import pg from 'pg';
import { run, type Served, startHttp } from '../e2e/cli-process.js';

/**
 * Real parts for the scale-out tests: `taskwire serve` replicas (the built
 * CLI) on a real PostgreSQL, a real nginx in front, real SDK clients. Every
 * test uses its own schema (dropped afterwards) and loopback ports.
 */
export const PG_URL = process.env.TASKWIRE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const NGINX = process.env.TASKWIRE_TEST_NGINX ?? '/usr/sbin/nginx';
/** `TASKWIRE_TEST_POSTGRES=skip` skips the PostgreSQL tests on purpose (reported as skipped, never as passed). */
export const PG_SKIP = process.env.TASKWIRE_TEST_POSTGRES === 'skip';

/** Fail loudly (never pass silently) when PostgreSQL is absent, unless skipping was asked for. */
export async function requirePostgres(url = PG_URL): Promise<void> {
  if (PG_SKIP) {
    process.stderr.write('TASKWIRE_TEST_POSTGRES=skip: PostgreSQL scale-out tests are SKIPPED\n');
    return;
  }
  const probe = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  const reachable = await probe.connect().then(
    () => true,
    () => false,
  );
  await probe.end().catch(() => undefined);
  if (!reachable) throw new Error(`PostgreSQL not reachable at ${url}: start it (bash scripts/ensure-postgres.sh; CI does)`);
}

export const freshSchema = (prefix = 'tw_scale') => `${prefix}_${randomBytes(6).toString('hex')}`;

export async function dropSchema(schema: string, url = PG_URL): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await c.end();
  }
}

/** Start one replica: the built CLI serving HTTP on a free port against PostgreSQL. */
export function startReplica(dir: string, schema: string, replicaId: string, extra: string[] = [], url = PG_URL): Promise<Served> {
  return startHttp(dir, ['--database-url', url, '--database-schema', schema, '--replica-id', replicaId, ...extra], { TASKWIRE_LOG_LEVEL: 'warn' });
}

export function freePort(): Promise<number> {
  return new Promise((done, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}

/** Fail loudly when nginx is missing (CI installs it: scripts/ensure-nginx.sh). */
export function requireNginx(): void {
  if (!existsSync(NGINX)) throw new Error(`nginx not found at ${NGINX}: run bash scripts/ensure-nginx.sh (or set TASKWIRE_TEST_NGINX)`);
}

export const DEPLOY_NGINX_CONF = resolve(import.meta.dirname, '..', '..', 'deploy', 'nginx.conf');

export interface Balancer {
  url: string;
  /** Lines of the access log (`... $status $upstream_addr sid=...`). */
  accessLog(): string[];
  stop(): Promise<void>;
}

/**
 * Run a real nginx with the reference `deploy/nginx.conf`, rewritten only in
 * its ports (replica r1 and r2, the listen port) and file paths.
 */
export async function startNginx(dir: string, replicaPorts: [number, number]): Promise<Balancer> {
  const listen = await freePort();
  const conf = readFileSync(DEPLOY_NGINX_CONF, 'utf8')
    .replaceAll('127.0.0.1:8001', `127.0.0.1:${replicaPorts[0]}`)
    .replaceAll('127.0.0.1:8002', `127.0.0.1:${replicaPorts[1]}`)
    .replace('listen 8080;', `listen 127.0.0.1:${listen};`)
    .replace('worker_processes auto;', 'worker_processes 1;')
    .replace('/var/log/nginx/access.log', join(dir, 'access.log'));
  if (conf === readFileSync(DEPLOY_NGINX_CONF, 'utf8')) throw new Error('deploy/nginx.conf changed shape: the test could not rewrite it');
  const path = join(dir, 'nginx.conf');
  writeFileSync(path, conf);
  const globals = `pid ${join(dir, 'nginx.pid')}; daemon on;`;
  const started = await run(NGINX, ['-p', dir, '-c', path, '-e', join(dir, 'error.log'), '-g', globals]);
  if (started.code !== 0) throw new Error(`nginx did not start: ${started.stderr}`);
  return {
    url: `http://127.0.0.1:${listen}/mcp`,
    accessLog: () => {
      try {
        return readFileSync(join(dir, 'access.log'), 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
    stop: async () => {
      await run(NGINX, ['-p', dir, '-c', path, '-e', join(dir, 'error.log'), '-g', globals, '-s', 'stop']);
    },
  };
}

export function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** A real SDK client of either protocol era over Streamable HTTP. */
export async function httpClient(url: string, era: 'legacy' | 'modern', name = 'vitest'): Promise<Client> {
  const client = new Client({ name, version: '1.0.0' }, era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {});
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}
