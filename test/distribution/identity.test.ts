import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ERAS, type Harness, harness } from '../harness.js';

const ROOT = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; homepage: string };

/** serverInfo and icons as both protocol eras see them (spec 2025-11-25 `Implementation`, `Icon`). */
describe.each(ERAS)('server identity and icons (%s era)', (era) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('reports name, title, version, website and a shipped icon inlined as a data: URI', async () => {
    h = await harness(era);
    const info = h.client.getServerVersion() as Record<string, unknown> & { icons?: Array<{ src: string; mimeType?: string; sizes?: string[] }> };
    expect(info).toMatchObject({ name: 'taskwire', title: 'Taskwire', version: pkg.version, websiteUrl: pkg.homepage });
    expect(info.icons).toHaveLength(1);
    const [icon] = info.icons ?? [];
    expect(icon?.mimeType).toBe('image/svg+xml');
    expect(icon?.sizes).toEqual(['any']);
    const svg = Buffer.from((icon?.src ?? '').replace(/^data:image\/svg\+xml;base64,/, ''), 'base64').toString('utf8');
    expect(svg).toBe(readFileSync(join(ROOT, 'assets', 'icons', 'taskwire.svg'), 'utf8'));
  });

  it("marks the toolset's prompts and resources with its icon, never an external URL, and keeps tools without (token cost)", async () => {
    h = await harness(era);
    const { prompts } = await h.client.listPrompts();
    const { resources } = await h.client.listResources();
    const { resourceTemplates } = await h.client.listResourceTemplates();
    const { tools } = await h.client.listTools();
    const marked = [...prompts, ...resources, ...resourceTemplates] as Array<{ name: string; icons?: Array<{ src: string }> }>;
    expect(marked.length).toBeGreaterThan(0);
    for (const part of marked) {
      expect(part.icons?.[0]?.src, part.name).toMatch(/^data:image\/svg\+xml;base64,/);
    }
    for (const tool of tools) expect((tool as { icons?: unknown }).icons, tool.name).toBeUndefined();
  });
});
