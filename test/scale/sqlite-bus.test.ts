import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BusChange, ChangeBus } from '../../src/cluster/bus.js';
import { openSqliteBus } from '../../src/cluster/sqlite-bus.js';
import { busKind, openApp } from '../../src/server/app.js';
import type { ChangeEvent } from '../../src/server/changes.js';
import type * as Database from '../../src/store/sqlite/driver.js';
import { openDatabase } from '../../src/store/sqlite/driver.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import type { TaskStore } from '../../src/store/types.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { TOOLSETS } from '../../src/toolsets/index.js';
import { taskChangeUris } from '../../src/toolsets/tasks/change-uris.js';
import { connect, eventually, ok, tempDir, testConfig } from '../harness.js';

/**
 * The SQLite change bus: a process on a SQLite file hears the changes other
 * processes commit to it, read from `task_changes` (no other service). Rows
 * are inserted here by a second connection, as another process's store
 * would; the last test drives two whole apps on one file.
 */
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function setup(): { path: string; store: TaskStore; other: Database.Database; insert: (workspace: string, taskId: number, origin: string) => void } {
  const tmp = tempDir();
  const path = join(tmp.dir, 'bus.db');
  const store = openSqliteStore({ path });
  const other = openDatabase(path, { timeout: 5000 });
  const seqs = new Map<string, number>();
  const stmt = other.prepare(
    `INSERT INTO task_changes (workspace, seq, at, principal, client, client_version, tool, kind, task_id, version, fields, origin)
     VALUES (?, ?, ?, 'ana', NULL, NULL, 'update_task', 'updated', ?, 1, '{}', ?)`,
  );
  const insert = (workspace: string, taskId: number, origin: string) => {
    const seq = (seqs.get(workspace) ?? 0) + 1;
    seqs.set(workspace, seq);
    stmt.run(workspace, seq, new Date().toISOString(), taskId, origin);
  };
  cleanup.push(async () => {
    other.close();
    await store.close();
    tmp.cleanup();
  });
  return { path, store, other, insert };
}

function collect(bus: ChangeBus): BusChange[] {
  const got: BusChange[] = [];
  bus.onChange((c) => got.push(c));
  return got;
}
const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));
const tasksOf = (got: BusChange[], workspace: string) =>
  got
    .filter((c) => c.workspace === workspace)
    .flatMap((c) => c.uris)
    .filter((u) => /^tasks:\/\/\d+$/.test(u));

describe('SQLite change bus', () => {
  it('delivers rows of other origins once each, per workspace, with board and stats; not its own rows, not history', async () => {
    const { path, store, insert } = setup();
    insert('w', 1, 'earlier'); // before the bus opened: not replayed
    const bus = openSqliteBus({ path, origin: store.origin, logger: silentLogger, urisOf: taskChangeUris, intervalMs: 20 });
    cleanup.push(() => bus.close());
    expect(bus.kind).toBe('sqlite');
    expect(bus.healthy()).toBe(true);
    const got = collect(bus);
    insert('w', 2, 'other');
    insert('w', 3, store.origin); // written by this process's store: already delivered here
    insert('v', 4, 'other');
    await eventually(() => got.length === 2, 3000, 'delivery of both workspaces');
    expect(got).toContainEqual({ workspace: 'w', uris: ['tasks://board', 'tasks://stats', 'tasks://2'] });
    expect(got).toContainEqual({ workspace: 'v', uris: ['tasks://board', 'tasks://stats', 'tasks://4'] });
    await settle();
    expect(got).toHaveLength(2); // once each
    insert('w', 3, store.origin);
    await settle();
    expect(got).toHaveLength(2); // own rows change data_version but deliver nothing
    insert('w', 5, 'other');
    await eventually(() => got.length === 3, 3000, 'next delivery');
    expect(tasksOf(got, 'w')).toEqual(['tasks://2', 'tasks://5']);
  });

  it('reads a burst bigger than one tick over several ticks, each task once', async () => {
    const { path, store, other, insert } = setup();
    const bus = openSqliteBus({ path, origin: store.origin, logger: silentLogger, urisOf: taskChangeUris, intervalMs: 20, maxRowsPerTick: 1000 });
    cleanup.push(() => bus.close());
    const got = collect(bus);
    other.transaction(() => {
      for (let i = 1; i <= 2500; i++) insert('w', i, i % 2 === 0 ? 'other' : store.origin);
    })();
    await eventually(() => tasksOf(got, 'w').length === 1250, 5000, 'all 1,250 foreign rows');
    await settle();
    const ids = tasksOf(got, 'w');
    expect(new Set(ids).size).toBe(1250);
    expect(ids).toHaveLength(1250);
    expect(ids.every((u) => Number(u.slice(8)) % 2 === 0)).toBe(true);
  });

  it('stops delivering after close', async () => {
    const { path, store, insert } = setup();
    const bus = openSqliteBus({ path, origin: store.origin, logger: silentLogger, urisOf: taskChangeUris, intervalMs: 20 });
    const got = collect(bus);
    insert('w', 1, 'other');
    await eventually(() => got.length === 1, 3000, 'delivery');
    await bus.close();
    insert('w', 2, 'other');
    await settle();
    expect(got).toHaveLength(1);
  });

  it('is the default on a SQLite file, and refused where there is no file', () => {
    const tmp = tempDir();
    cleanup.push(() => tmp.cleanup());
    expect(busKind(testConfig({}, tmp.dir))).toBe('sqlite');
    expect(busKind(testConfig({ db: ':memory:' }, tmp.dir))).toBe('local');
    expect(busKind(testConfig({ 'change-bus': 'local' }, tmp.dir))).toBe('local');
    expect(busKind(testConfig({ 'database-url': 'postgres://u@localhost/db' }, tmp.dir))).toBe('postgres');
    expect(() => busKind(testConfig({ 'change-bus': 'sqlite', db: ':memory:' }, tmp.dir))).toThrow(/sqlite needs a SQLite database file/);
  });
});

describe('two apps on one SQLite file', () => {
  it("deliver each other's committed task changes to their subscribers, marked remote", async () => {
    const tmp = tempDir();
    const config = testConfig({}, tmp.dir);
    const a = await openApp(TOOLSETS, config, silentLogger);
    const b = await openApp(TOOLSETS, config, silentLogger);
    const ca = await connect(a, 'legacy');
    cleanup.push(async () => {
      await ca.close();
      await b.close();
      await a.close();
      tmp.cleanup();
    });
    expect(b.bus?.kind).toBe('sqlite');
    const atB: ChangeEvent[] = [];
    b.hub.subscribe((e) => atB.push(e));
    const { created } = await ok<{ created: Array<{ id: number }> }>(ca.client, 'create_tasks', { tasks: [{ title: 'Heard next door' }] });
    const id = created[0]?.id;
    await eventually(() => atB.some((e) => e.uris.includes(`tasks://${id}`)), 3000, 'the change at the other app');
    expect(atB.every((e) => e.remote === true && e.workspace === config.workspace)).toBe(true);
    expect(atB.flatMap((e) => e.uris)).toContain('tasks://board');
  });
});
