import { afterEach, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/server/app.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { TOOLSETS } from '../../src/toolsets/index.js';
import { call, connect, ERAS, eventually, ok, tempDir, testConfig } from '../harness.js';

/** export_tasks / import_tasks through real SDK clients: formats, progress order, bad rows, rollback on cancel. */
type Raw = {
  content: Array<{ type: string; text?: string; resource?: { uri: string; mimeType: string; text: string } }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
};

describe.each(ERAS)('export and import (%s era)', (era) => {
  let app: App;
  let cleanup: () => void;
  const open = async () => {
    const tmp = tempDir();
    cleanup = tmp.cleanup;
    app = createApp(TOOLSETS, testConfig({ 'loop-threshold': '0' }, tmp.dir), silentLogger, undefined, 'tester');
    return connect(app, era);
  };
  afterEach(async () => {
    await app.close();
    cleanup();
  });

  it('imports CSV (quoted fields, lists, refs), reports progress in order, and exports it back in all three formats', async () => {
    const { client, close } = await open();
    try {
      const header = 'title,status,priority,labels,assignee,due_date,ref,parent,depends_on,description';
      const rows = Array.from({ length: 120 }, (_, i) => `Task ${i},todo,low,bulk,,,r${i},,${i > 0 ? `r${i - 1}` : 'spec;1'},`);
      const csv = [
        header,
        '"Write the spec, v2",in_progress,high,"docs;spec",ana,2026-12-31,spec,,,"Line one\nline ""two"""',
        'Review the spec,todo,medium,docs,,,review,spec,,',
        ...rows,
      ].join('\r\n');
      const progress: Array<{ progress: number; total?: number }> = [];
      const result = (await client.callTool({ name: 'import_tasks', arguments: { format: 'csv', data: csv } }, { onprogress: (p) => progress.push(p) })) as Raw;
      expect(result.isError, result.content[0]?.text).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ imported: 122, first_id: 1, last_id: 122, replayed: false });
      expect(progress.length).toBeGreaterThanOrEqual(3);
      expect(progress.map((p) => p.progress)).toEqual([...progress.map((p) => p.progress)].sort((a, b) => a - b));
      expect(new Set(progress.map((p) => p.progress)).size).toBe(progress.length); // strictly increasing
      expect(progress.at(-1)).toMatchObject({ progress: 122, total: 122 });

      const spec = await ok<{ task: Record<string, unknown>; subtasks: unknown[]; dependents: unknown[] }>(client, 'get_task', { id: 1 });
      expect(spec.task).toMatchObject({
        title: 'Write the spec, v2',
        status: 'in_progress',
        priority: 'high',
        labels: ['docs', 'spec'],
        assignee: 'ana',
        due_date: '2026-12-31',
        description: 'Line one\nline "two"',
      });
      const review = await ok<{ task: Record<string, unknown> }>(client, 'get_task', { id: 2 });
      expect(review.task).toMatchObject({ parent_id: 1, depends_on: [] });
      expect((await ok<{ task: Record<string, unknown> }>(client, 'get_task', { id: 3 })).task.depends_on).toEqual([1]);
      expect((await ok<{ task: Record<string, unknown> }>(client, 'get_task', { id: 50 })).task.depends_on).toEqual([49]);

      const exportProgress: number[] = [];
      const json = (await client.callTool({ name: 'export_tasks', arguments: { format: 'json' } }, { onprogress: (p) => exportProgress.push(p.progress) })) as Raw;
      expect(json.structuredContent).toMatchObject({ count: 122 });
      expect(exportProgress.at(-1)).toBe(122);
      const embedded = json.content.find((c) => c.type === 'resource')?.resource;
      expect(embedded?.mimeType).toBe('application/json');
      expect(embedded?.uri).toMatch(/^tasks:\/\/export\/.+\.json$/);
      const records = JSON.parse(embedded?.text ?? '') as Array<Record<string, unknown>>;
      expect(records).toHaveLength(122);
      expect(records[0]).toMatchObject({ id: 1, title: 'Write the spec, v2', labels: ['docs', 'spec'] });

      const csvOut = (await client.callTool({ name: 'export_tasks', arguments: { format: 'csv', status: ['in_progress'] } })) as Raw;
      const csvText = csvOut.content.find((c) => c.type === 'resource')?.resource?.text ?? '';
      expect(csvText.split('\r\n')[0]).toBe('id,title,status,priority,labels,assignee,due_date,parent_id,depends_on,description,created_at,updated_at,completed_at');
      expect(csvText).toContain('1,"Write the spec, v2",in_progress,high,docs;spec,ana,2026-12-31,,,"Line one\nline ""two"""');

      const md = (await client.callTool({ name: 'export_tasks', arguments: { format: 'markdown' } })) as Raw;
      const mdText = md.content.find((c) => c.type === 'resource')?.resource?.text ?? '';
      expect(mdText).toMatch(/^# Tasks \(122\)/);
      expect(mdText).toContain('- [ ] Review the spec <!-- #2 · todo · medium');
    } finally {
      await close();
    }
  });

  it('imports a Markdown checklist (nesting = subtasks, [x] = done) and JSON items with refs', async () => {
    const { client, close } = await open();
    try {
      const md = ['# Launch', '', '- [ ] Build', '  - [x] Backend', '  - [ ] Frontend', '    * [ ] Styles', '- [X] Announce', 'not an item'].join('\n');
      expect((await ok(client, 'import_tasks', { format: 'markdown', data: md })).imported).toBe(5);
      const build = await ok<{ subtasks: Array<{ title: string; status: string }> }>(client, 'get_task', { id: 1 });
      expect(build.subtasks.map((s) => [s.title, s.status])).toEqual([
        ['Backend', 'done'],
        ['Frontend', 'todo'],
      ]);
      expect((await ok<{ task: { parent_id: number } }>(client, 'get_task', { id: 4 })).task.parent_id).toBe(3);
      expect((await ok<{ task: { status: string; parent_id: null } }>(client, 'get_task', { id: 5 })).task).toMatchObject({ status: 'done', parent_id: null });

      const json = JSON.stringify([
        { ref: 'a', title: 'First' },
        { title: 'Second', depends_on: ['a', 1], labels: ['x'] },
      ]);
      expect(await ok(client, 'import_tasks', { format: 'json', data: json })).toMatchObject({ imported: 2, first_id: 6, last_id: 7 });
      expect((await ok<{ task: { depends_on: number[] } }>(client, 'get_task', { id: 7 })).task.depends_on.sort()).toEqual([1, 6]);
    } finally {
      await close();
    }
  });

  it('rejects bad rows naming row and field, and writes nothing', async () => {
    const { client, close } = await open();
    try {
      const csv = 'title,due_date,priority\nGood,2026-01-01,high\nAlso good,,low\nBad date,2026-02-30,low\n,2026-01-01,urgent\n';
      const r = await call(client, 'import_tasks', { format: 'csv', data: csv });
      expect(r.error.code).toBe('invalid_input');
      expect(r.error.message).toMatch(/nothing was written: row 3\.due_date/);
      expect(r.error.fields).toEqual(
        expect.arrayContaining([
          { field: 'row 3.due_date', message: 'is not a real calendar date' },
          expect.objectContaining({ field: 'row 4.title' }),
          expect.objectContaining({ field: 'row 4.priority' }),
        ]),
      );
      // a ref to a later row fails inside the transaction: the earlier rows roll back too
      const late = await call(client, 'import_tasks', {
        format: 'json',
        data: JSON.stringify([{ title: 'ok' }, { title: 'x', parent_id: 'later' }, { ref: 'later', title: 'y' }]),
      });
      expect(late.error.code).toBe('invalid_input');
      expect((late.error.fields as Array<{ field: string }>)[0]?.field).toBe('row 2.parent_id');
      for (const [format, data] of [
        ['json', '{not json'],
        ['csv', 'title\n"open quote'],
        ['csv', 'name,status\nx,todo'],
        ['markdown', 'no checklist here'],
      ]) {
        const bad = await call(client, 'import_tasks', { format, data });
        expect(bad.error.code, `${format}: ${data}`).toBe('invalid_input');
      }
      expect((await ok<{ total: number }>(client, 'list_tasks', { status: ['todo', 'done'] })).total).toBe(0);
    } finally {
      await close();
    }
  });

  it('rolls back a large import the client cancels midway', async () => {
    const { client, close } = await open();
    try {
      const csv = ['title', ...Array.from({ length: 3000 }, (_, i) => `Row ${i}`)].join('\n');
      const controller = new AbortController();
      const seen: number[] = [];
      const pending = client.callTool(
        { name: 'import_tasks', arguments: { format: 'csv', data: csv } },
        {
          signal: controller.signal,
          onprogress: (p) => {
            seen.push(p.progress);
            if (seen.length === 2) controller.abort('stop');
          },
        },
      );
      await expect(pending).rejects.toThrow();
      await eventually(() => app.guard.gate.load.running === 0, 5000, 'the cancelled import to finish');
      expect(seen.length).toBeGreaterThanOrEqual(2);
      expect(seen.at(-1)).toBeLessThan(3000);
      expect((await ok<{ total: number }>(client, 'list_tasks')).total).toBe(0);
    } finally {
      await close();
    }
  });
});
