import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { scheduleAuditPrune } from '../../src/telemetry/audit-writer.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { canonicalJson } from '../../src/toolkit/cursor.js';
import { TOOLSETS } from '../../src/toolsets/index.js';
import { assertBuilt, runCli } from '../e2e/cli-process.js';
import { call, connect, ERAS, harness, ok, readText, tempDir, testConfig } from '../harness.js';

describe.each(ERAS)('audit trail (%s era)', (era) => {
  it('records every tool call: who, which client, tool, argument hash, write arguments, outcome, duration, request id', async () => {
    const h = await harness(era);
    try {
      await ok(h.client, 'create_tasks', { tasks: [{ title: 'audited', priority: 'high' }] });
      await call(h.client, 'get_task', { id: 999 });
      await call(h.client, 'update_task', { id: 1, title: '' }); // invalid input: recorded too
      await h.app.audit?.flush();
      const rows = await h.app.store.audit.query({ workspace: 'local', limit: 10 });
      expect(rows.map((r) => [r.tool, r.outcome])).toEqual([
        ['update_task', 'invalid_input'],
        ['get_task', 'not_found'],
        ['create_tasks', 'ok'],
      ]);
      const create = rows[2];
      expect(create).toMatchObject({ workspace: 'local', principal: 'tester', client_name: 'vitest', client_version: '1.0.0', trace_id: null });
      const args = { tasks: [{ title: 'audited', priority: 'high' }] };
      expect(create?.args).toBe(canonicalJson(args));
      expect(create?.args_hash).toBe(createHash('sha256').update(canonicalJson(args)).digest('hex'));
      expect(create?.duration_ms).toBeGreaterThan(0);
      expect(create?.request_id).toMatch(/^\S+$/);
      expect(Date.now() - Date.parse(create?.time ?? '')).toBeLessThan(60_000);
      // Reads keep only the hash of their arguments.
      expect(rows[1]?.args).toBeNull();
      expect(rows[1]?.args_hash).toBe(createHash('sha256').update('{"id":999}').digest('hex'));
    } finally {
      await h.close();
    }
  });

  it('tasks://activity shows the caller workspace only, newest first', async () => {
    const h = await harness(era);
    try {
      await ok(h.client, 'list_tasks', {});
      await h.app.store.audit.append([
        {
          time: new Date().toISOString(),
          workspace: 'elsewhere',
          principal: 'mallory',
          client_name: null,
          client_version: null,
          tool: 'delete_task',
          args_hash: 'x',
          args: '{}',
          outcome: 'ok',
          duration_ms: 1,
          trace_id: null,
          request_id: null,
        },
      ]);
      await h.app.audit?.flush();
      const activity = JSON.parse(await readText(h.client, 'tasks://activity')) as { calls: Array<{ tool: string; principal: string }> };
      expect(activity.calls.map((c) => c.tool)).toEqual(['list_tasks']);
      expect(activity.calls.some((c) => c.principal === 'mallory')).toBe(false);
    } finally {
      await h.close();
    }
  });
});

describe('audit trail lifecycle', () => {
  it('a clean shutdown writes rows still buffered; --audit off records nothing', async () => {
    const tmp = tempDir();
    try {
      const config = testConfig({}, tmp.dir);
      const app = createApp(TOOLSETS, config, silentLogger, undefined, 'tester');
      const { client, close } = await connect(app, 'legacy');
      await ok(client, 'list_tasks', {});
      await close();
      await app.close(); // no flush first: close must write the buffer
      const store = openSqliteStore({ path: config.db });
      expect((await store.audit.query({ workspace: 'local', limit: 10 })).map((r) => r.tool)).toEqual(['list_tasks']);
      await store.close();

      const off = createApp(TOOLSETS, testConfig({ audit: 'off' }, tmp.dir), silentLogger, undefined, 'tester');
      expect(off.audit).toBeUndefined();
      const second = await connect(off, 'legacy');
      await ok(second.client, 'list_tasks', {});
      await second.close();
      await off.close();
      const again = openSqliteStore({ path: config.db });
      expect(await again.audit.query({ workspace: 'local', limit: 10 })).toHaveLength(1);
      await again.close();
    } finally {
      tmp.cleanup();
    }
  });

  it('retention prunes rows older than the configured days', async () => {
    const tmp = tempDir();
    const store = openSqliteStore({ path: join(tmp.dir, 'retention.db') });
    try {
      const base = {
        workspace: 'local',
        principal: 'p',
        client_name: null,
        client_version: null,
        tool: 't',
        args_hash: 'h',
        args: null,
        outcome: 'ok',
        duration_ms: 1,
        trace_id: null,
        request_id: null,
      };
      await store.audit.append([
        { ...base, time: new Date(Date.now() - 31 * 86_400_000).toISOString() },
        { ...base, time: new Date(Date.now() - 29 * 86_400_000).toISOString() },
      ]);
      const stop = scheduleAuditPrune(store.audit, 30, silentLogger);
      let left = 2;
      const deadline = Date.now() + 3000;
      while (left !== 1 && Date.now() < deadline) {
        left = (await store.audit.query({ workspace: 'local', limit: 10 })).length;
        await new Promise((r) => setTimeout(r, 10));
      }
      stop();
      expect(left).toBe(1);
    } finally {
      await store.close();
      tmp.cleanup();
    }
  });
});

describe('taskwire audit (built CLI)', () => {
  const tmp = tempDir();
  const db = join(tmp.dir, 'cli-audit.db');
  beforeAll(async () => {
    assertBuilt();
    const app = createApp(TOOLSETS, testConfig({ db }, tmp.dir), silentLogger, undefined, 'ana');
    const { client, close } = await connect(app, 'legacy', 'claude-code');
    await ok(client, 'create_tasks', { tasks: [{ title: 'one' }] });
    await call(client, 'get_task', { id: 42 });
    await close();
    await app.close();
  });
  afterAll(() => tmp.cleanup());

  it('prints the calls newest first, filtered by tool, principal and since; --json gives one row per line', async () => {
    const all = await runCli(['audit', '--db', db]);
    expect(all.code).toBe(0);
    const lines = all.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^TIME\s+PRINCIPAL\s+CLIENT\s+TOOL\s+OUTCOME\s+DURATION\s+TRACE$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[3])).toEqual(['get_task', 'create_tasks']);
    expect(lines[1]).toContain('not_found');
    expect(lines[1]).toContain('claude-code@1.0.0');

    const json = await runCli(['audit', '--db', db, '--tool', 'create_tasks', '--principal', 'ana', '--since', '1h', '--json']);
    const rows = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { tool: string; args: string });
    expect(rows.map((r) => r.tool)).toEqual(['create_tasks']);
    expect(JSON.parse(rows[0]?.args ?? '')).toEqual({ tasks: [{ title: 'one' }] });

    expect((await runCli(['audit', '--db', db, '--principal', 'nobody'])).stdout).toContain('no tool calls');
    expect((await runCli(['audit', '--db', db, '--since', '2999-01-01'])).stdout).toContain('no tool calls');
    const bad = await runCli(['audit', '--db', db, '--since', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--since');
  });
});
