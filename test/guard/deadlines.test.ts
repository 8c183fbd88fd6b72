import { describe, expect, it } from 'vitest';
import { Deadlines } from '../../src/guard/deadlines.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Deadlines: every call deadline on one timer (guard/deadlines.ts)', () => {
  it('expires each deadline once, in time, and never one removed first', async () => {
    const deadlines = new Deadlines();
    const expired: string[] = [];
    const started = performance.now();
    const at: Record<string, number> = {};
    const mark = (id: string) => () => {
      expired.push(id);
      at[id] = performance.now() - started;
    };
    deadlines.add(60, mark('late'));
    const removeMiddle = deadlines.add(40, mark('removed'));
    deadlines.add(20, mark('early')); // earlier than the armed timer: re-armed for it
    removeMiddle();
    expect(deadlines.size).toBe(2);
    await sleep(120);
    expect(expired).toEqual(['early', 'late']);
    expect(at.early).toBeGreaterThanOrEqual(19);
    expect(at.late).toBeGreaterThanOrEqual(59);
    expect(deadlines.size).toBe(0);
  });

  it('a deadline added after the timer went idle, or from inside an expiry, still fires', async () => {
    const deadlines = new Deadlines();
    const expired: string[] = [];
    deadlines.add(5, () => {
      expired.push('first');
      deadlines.add(5, () => expired.push('from expiry'));
    });
    await sleep(40);
    deadlines.add(5, () => expired.push('after idle'));
    await sleep(40);
    expect(expired).toEqual(['first', 'from expiry', 'after idle']);
  });
});
