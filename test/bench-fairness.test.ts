import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertBuilt } from './e2e/cli-process.js';

/**
 * `npm run bench` builds apps in-process (bench/guard.mjs `fairness`) against the built `dist/`; when the app's
 * signature changed (createApp(toolsets, …)) the full bench crashed at this step and nothing else noticed. A smoke run
 * with tiny loops keeps the bench's in-process entry point in step with the code (not a benchmark: no figure is asserted).
 */
describe('bench/guard.mjs fairness (smoke)', () => {
  it('builds its apps and measures both guardrail settings', async () => {
    assertBuilt();
    const root = resolve(import.meta.dirname, '..');
    const { fairness } = await import(`${root}/bench/guard.mjs`);
    const out = await fairness({ root, calls: 3, flooders: 2 });
    for (const setting of ['on', 'off']) {
      expect(out[setting].alone_p50_ms).toBeGreaterThan(0);
      expect(out[setting].flood_served).toBeGreaterThan(0);
    }
  });
});
