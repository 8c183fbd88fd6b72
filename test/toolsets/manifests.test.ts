import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SelectionError } from '../../src/server/select.js';
import { declaredScopes, loadToolsets, TOOLSET_MANIFESTS } from '../../src/toolsets/manifests.js';

const HEADER = ['id', 'description', 'default', 'scopes', 'config', 'icon'] as const;

describe('toolset manifests', () => {
  it('load the toolset they describe, with the same header', async () => {
    for (const manifest of TOOLSET_MANIFESTS) {
      const toolset = await manifest.load();
      for (const field of HEADER) expect(toolset[field], `${manifest.id}.${field}`).toEqual(manifest[field]);
      expect(toolset.tools.length, manifest.id).toBeGreaterThan(0);
    }
  });

  it('load only what --toolsets selects, in its order; none = the defaults', async () => {
    expect((await loadToolsets()).map((t) => t.id)).toEqual(['tasks']);
    expect((await loadToolsets(['weather', 'tasks'])).map((t) => t.id)).toEqual(['weather', 'tasks']);
    expect((await loadToolsets(['all'])).map((t) => t.id)).toEqual(['tasks', 'weather', 'conformance']);
    await expect(loadToolsets(['tasks', 'nope'])).rejects.toThrow(SelectionError);
  });

  it('declare every scope without loading a toolset', () => {
    expect(Object.keys(declaredScopes()).sort()).toEqual(['tasks:admin', 'tasks:read', 'tasks:write', 'weather:read']);
  });

  // The point of manifests: a toolset that is off costs a cold start nothing. The built CLI's entry file holds no
  // toolset's tools; each toolset is its own chunk, imported by its manifest's load().
  it('keep every toolset out of the CLI entry of the build', () => {
    const cli = resolve(import.meta.dirname, '../../dist/cli');
    const entry = readFileSync(join(cli, 'main.js'), 'utf8');
    for (const tool of ['get_forecast', 'test_simple_text', 'claim_task']) expect(entry, tool).not.toContain(`"${tool}"`);
    const chunks = readdirSync(join(cli, 'chunks'));
    for (const id of ['tasks', 'weather', 'conformance'])
      expect(
        chunks.some((f) => f.startsWith(`${id}-`) && f.endsWith('.js')),
        id,
      ).toBe(true);
  });
});
