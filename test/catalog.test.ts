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

  // Rules by what a tool declares, never by toolset id: product tools have an output schema; tools without one are
  // protocol fixtures whose names and texts the conformance suite dictates.
  it('gives every tool a verb_noun name of at most 40 characters, a title, a description, all four annotations and declared scopes', () => {
    for (const set of TOOLSETS) {
      for (const tool of set.tools) {
        const product = tool.output !== undefined;
        expect(tool.name, tool.name).toMatch(product ? /^[a-z]+_[a-z_]+$/ : /^[a-z0-9_]+$/);
        if (product) expect(tool.name.length, tool.name).toBeLessThanOrEqual(40);
        expect(tool.title.length).toBeGreaterThan(0);
        expect(tool.description.length).toBeGreaterThan(product ? 80 : 5);
        for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const) {
          expect(typeof tool.annotations[hint], `${tool.name}.${hint}`).toBe('boolean');
        }
        // A tool that reaches outside the server waits on it: it must declare its own time limit.
        if (tool.annotations.openWorldHint) expect(tool.timeoutMs, `${tool.name} is open-world: declare timeoutMs`).toBeGreaterThan(0);
        if (tool.annotations.readOnlyHint) expect(tool.annotations.destructiveHint).toBe(false);
        for (const scope of tool.scopes) expect(Object.keys(set.scopes), `${tool.name} requires ${scope}`).toContain(scope);
        if (!product) continue;
        expect(tool.scopes.length, tool.name).toBeGreaterThan(0);
        if (!tool.annotations.readOnlyHint)
          expect(
            tool.scopes.some((s) => !s.endsWith(':read')),
            `${tool.name} writes: needs more than a read scope`,
          ).toBe(true);
      }
      for (const part of [...set.resources, ...set.prompts]) {
        for (const scope of part.scopes ?? []) expect(Object.keys(set.scopes), `${part.name} requires ${scope}`).toContain(scope);
      }
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

  it('matches the tool snapshots in test/__toolsnaps__, for every toolset', async () => {
    const update = process.env.UPDATE_TOOLSNAPS === '1' && process.env.CI !== 'true';
    const every = await harness('legacy', { toolsets: 'all', 'weather-user-agent': 'taskwire-test/1 (ops@example.com)' });
    const all = (await every.client.listTools()).tools as ListedTool[];
    await every.close();
    expect(all.length).toBe(TOOLSETS.reduce((n, set) => n + set.tools.length, 0));
    const names = new Set(all.map((t) => t.name));
    for (const tool of all) {
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
