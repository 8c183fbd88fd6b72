import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertBuilt } from './e2e/cli-process.js';

/**
 * `npm run bench` builds apps and onions in-process (bench/guard.mjs `fairness`, bench/guardrail-steps.mjs) against the built `dist/`; when the app's
 * signature changed (createApp(toolsets, …)) the full bench crashed at this step and nothing else noticed. A smoke run
 * with tiny loops keeps the bench's in-process entry point in step with the code (not a benchmark: no figure is asserted).
 */
describe('bench in-process entry points (smoke)', () => {
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

  it('bench/guardrail-steps.mjs runs the real onion with each guardrail step alone, hot and cold', async () => {
    assertBuilt();
    const root = resolve(import.meta.dirname, '..');
    const { guardrailSteps } = await import(`${root}/bench/guardrail-steps.mjs`);
    const out = await guardrailSteps({ root, calls: 2, reps: 1 });
    expect(out.swept).toBe(true);
    for (const mode of ['hot', 'cold']) {
      expect(Object.keys(out[mode].us_per_call)).toEqual(['off', 'passthrough', 'rateLimit', 'timeout', 'loopDetect', 'resultBudget', 'all']);
      for (const us of Object.values(out[mode].us_per_call)) expect(us).toBeGreaterThan(0);
    }
  });
});
