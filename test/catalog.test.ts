import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getEncoding } from 'js-tiktoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOLSETS } from '../src/toolsets/index.js';
import { tasksToolset } from '../src/toolsets/tasks/index.js';
import { type Harness, harness } from './harness.js';

/**
 * Meta-tests over the whole tool inventory, and tool-schema snapshots
 * (`test/__toolsnaps__/<tool>.json`): any change to a tool's name, description,
 * schemas or annotations shows up as a reviewed diff. Snapshots are written
 * only with UPDATE_TOOLSNAPS=1, never in CI; a missing one fails.
 */
const SNAP_DIR = join(import.meta.dirname, '__toolsnaps__');
const TOKEN_BUDGET = 5000;

type ListedTool = {
  name: string;
  title?: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
};

describe('tool catalog', () => {
  let h: Harness;
  let tools: ListedTool[];
  beforeAll(async () => {
    h = await harness('legacy');
    tools = (await h.client.listTools()).tools as ListedTool[];
  });
  afterAll(async () => {
    await h.close();
  });

  it('lists exactly the tasks toolset by default', () => {
    expect(tools.map((t) => t.name)).toEqual(tasksToolset.tools.map((t) => t.name));
  });

  it('gives every tool a verb_noun name of at most 40 characters, a title, a description, all four annotations and scopes', () => {
    for (const set of TOOLSETS) {
      for (const tool of set.tools) {
        expect(tool.name, tool.name).toMatch(set.id === 'tasks' ? /^[a-z]+_[a-z_]+$/ : /^[a-z0-9_]+$/);
        // conformance fixture names are dictated by the suite (one is 42 characters)
        if (set.id !== 'conformance') expect(tool.name.length, tool.name).toBeLessThanOrEqual(40);
        expect(tool.title.length).toBeGreaterThan(0);
        expect(tool.description.length).toBeGreaterThan(set.id === 'tasks' ? 80 : 5);
        for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const) {
          expect(typeof tool.annotations[hint], `${tool.name}.${hint}`).toBe('boolean');
        }
        expect(tool.annotations.openWorldHint).toBe(false);
        if (tool.annotations.readOnlyHint) expect(tool.annotations.destructiveHint).toBe(false);
      }
    }
    for (const tool of tasksToolset.tools) {
      expect(tool.scopes.length, tool.name).toBeGreaterThan(0);
      expect(tool.output, `${tool.name} has an output schema`).toBeDefined();
      if (!tool.annotations.readOnlyHint)
        expect(
          tool.scopes.some((s) => s !== 'tasks:read'),
          tool.name,
        ).toBe(true);
    }
  });

  it('advertises object input schemas without top-level anyOf/oneOf, and an output schema per task tool', () => {
    for (const t of tools) {
      expect(t.inputSchema.type, t.name).toBe('object');
      expect(t.inputSchema.anyOf, t.name).toBeUndefined();
      expect(t.inputSchema.oneOf, t.name).toBeUndefined();
      expect(t.outputSchema?.type, t.name).toBe('object');
    }
  });

  it(`keeps tools/list of the default toolset under ${TOKEN_BUDGET} tokens (o200k_base)`, async () => {
    const encoding = getEncoding('o200k_base');
    const tokens = encoding.encode(JSON.stringify({ tools })).length;
    console.log(`tools/list: ${tools.length} tools, ${tokens} tokens (o200k_base), ${JSON.stringify({ tools }).length} bytes`);
    expect(tokens).toBeLessThan(TOKEN_BUDGET);
  });

  it('matches the tool snapshots in test/__toolsnaps__', () => {
    const update = process.env.UPDATE_TOOLSNAPS === '1' && process.env.CI !== 'true';
    const names = new Set(tools.map((t) => t.name));
    for (const tool of tools) {
      const path = join(SNAP_DIR, `${tool.name}.json`);
      const current = `${JSON.stringify(tool, null, 2)}\n`;
      if (update) writeFileSync(path, current);
      expect(existsSync(path), `missing snapshot ${path}: run UPDATE_TOOLSNAPS=1 npx vitest run test/catalog.test.ts and review the diff`).toBe(true);
      expect(current, `${tool.name} changed: review, then UPDATE_TOOLSNAPS=1`).toBe(readFileSync(path, 'utf8'));
    }
    for (const file of readdirSync(SNAP_DIR)) {
      expect(names.has(file.replace(/\.json$/, '')), `stale snapshot ${file}`).toBe(true);
    }
  });
});
