import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../harness.js';
import { inspect as inspectCli } from './inspector-cli.js';

/**
 * The official MCP Inspector CLI (an outside judge) drives the built server over
 * stdio through a small project-planning session. The Inspector needs Node >= 22,
 * so it runs through `npx -p node@22`; it launches the server with this Node's
 * absolute path (the addon is built for it), as `taskwire install` advises.
 */

describe('MCP Inspector CLI against the built server (stdio)', () => {
  const tmp = tempDir();
  const db = join(tmp.dir, 'inspector.db');
  afterAll(() => tmp.cleanup());

  const inspect = (args: string[]) => inspectCli(['--db', db], args, tmp.dir);

  it('plans a project: list tools, create a plan, list, complete, read the board, get a prompt', { timeout: 600_000 }, async () => {
    const tools = await inspect(['--method', 'tools/list', '--strict']);
    expect(tools.code).toBe(0);
    expect((tools.json.tools as Array<{ name: string }>).map((t) => t.name)).toContain('create_tasks');
    expect(tools.stderr).not.toMatch(/[1-9]\d* warnings?/); // --strict: the schemas are portable

    const plan = {
      tasks: [
        { ref: 'spec', title: 'Write the spec', priority: 'high' },
        { ref: 'build', title: 'Build it', depends_on: ['spec'] },
        { title: 'Release', depends_on: ['build'], due_date: '2026-12-24' },
      ],
      idempotency_key: 'inspector-plan-0001',
    };
    const created = await inspect(['--method', 'tools/call', '--tool-name', 'create_tasks', '--tool-args-json', JSON.stringify(plan)]);
    expect(created.code).toBe(0);
    expect((created.json.structuredContent as { created: unknown[] }).created).toHaveLength(3);

    const listed = await inspect(['--method', 'tools/call', '--tool-name', 'list_tasks', '--tool-arg', 'sort=id']);
    expect((listed.json.structuredContent as { total: number }).total).toBe(3);

    const done = await inspect(['--method', 'tools/call', '--tool-name', 'complete_task', '--tool-arg', 'id=1']);
    expect((done.json.structuredContent as { unblocked: Array<{ id: number }> }).unblocked.map((t) => t.id)).toEqual([2]);

    const board = await inspect(['--method', 'resources/read', '--uri', 'tasks://board']);
    const contents = board.json.contents as Array<{ text: string }>;
    expect(JSON.parse(contents[0]?.text as string).counts).toEqual({ todo: 2, in_progress: 0, blocked: 0 });

    const prompt = await inspect(['--method', 'prompts/get', '--prompt-name', 'plan_project', '--prompt-args', 'goal=Launch the beta']);
    const messages = prompt.json.messages as Array<{ content: { text: string } }>;
    expect(messages[0]?.content.text).toContain('Launch the beta');
  });
});
