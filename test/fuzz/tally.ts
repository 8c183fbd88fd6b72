import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Fuzz settings from the environment (scripts/fuzz.mjs sets them; `npm test` uses the defaults):
 * - FUZZ_RUNS: inputs in all, shared out in the default proportions (tool calls half, split by
 *   era; raw frames half, split by transport, stdio by era);
 * - FUZZ_SEED: fast-check seed (fixed by default, so a failure reproduces);
 * - FUZZ_REPORT: a file each property appends its tally to, one JSON line.
 */
export const FUZZ = {
  /** This property's inputs: `share` of FUZZ_RUNS, else `fallback`. */
  runs: (share: number, fallback: number) => (process.env.FUZZ_RUNS ? Math.ceil(Number(process.env.FUZZ_RUNS) * share) : fallback),
  seed: Number(process.env.FUZZ_SEED ?? 20261201),
};

/** Longest any single input may take to be answered before it counts as a hang. */
export const HANG_MS = 2_000;

/** Inputs tried and failures by kind, with the first few examples of each kind (truncated). */
export class Tally {
  tried = 0;
  readonly outcomes = new Map<string, number>();
  readonly failures = new Map<string, { count: number; examples: string[] }>();
  /** The slowest inputs answered (ms, input), slowest first. */
  readonly slowest: Array<[number, string]> = [];

  constructor(readonly property: string) {}

  /** Count an accepted outcome (`ok`, `invalid_input`, `http_400`, ...), for the report. */
  ok(kind: string): void {
    this.tried++;
    this.outcomes.set(kind, (this.outcomes.get(kind) ?? 0) + 1);
  }

  fail(kind: string, input: unknown, detail: string): void {
    this.tried++;
    const entry = this.failures.get(kind) ?? { count: 0, examples: [] };
    entry.count++;
    if (entry.examples.length < 3) entry.examples.push(`${short(input)} → ${detail.slice(0, 300)}`);
    this.failures.set(kind, entry);
  }

  /** Record how long an input took to be answered. */
  timed(ms: number, input: unknown): void {
    if (this.slowest.length >= 5 && ms <= (this.slowest[4]?.[0] ?? 0)) return;
    this.slowest.push([Math.round(ms), short(input).slice(0, 120)]);
    this.slowest.sort((a, b) => b[0] - a[0]);
    this.slowest.length = Math.min(this.slowest.length, 5);
  }

  get failed(): number {
    let n = 0;
    for (const f of this.failures.values()) n += f.count;
    return n;
  }

  summary(): string {
    const fails = [...this.failures].map(([k, f]) => `${k}: ${f.count}\n    ${f.examples.join('\n    ')}`);
    const outcomes = [...this.outcomes].map(([k, n]) => `${k} ${n}`).join(', ');
    const slow = this.slowest.map(([ms, input]) => `${ms} ms ${input}`).join('\n    ');
    return `${this.property}: ${this.tried} inputs, ${this.failed} failures${fails.length ? `\n  ${fails.join('\n  ')}` : ''}\n  answered: ${outcomes}\n  slowest:\n    ${slow}`;
  }

  /** Append this tally to FUZZ_REPORT (one JSON line), if set. */
  report(): void {
    const file = process.env.FUZZ_REPORT;
    if (!file) return;
    const line = {
      property: this.property,
      tried: this.tried,
      outcomes: Object.fromEntries(this.outcomes),
      slowest: this.slowest,
      failures: Object.fromEntries([...this.failures].map(([k, f]) => [k, f])),
    };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  }
}

/** An input shortened for a report line. */
export function short(input: unknown): string {
  let s: string;
  try {
    s = typeof input === 'string' ? input : (JSON.stringify(input) ?? String(input));
  } catch (e) {
    s = `(not serializable here: ${(e as Error).message})`;
  }
  return s.length > 200 ? `${s.slice(0, 200)}… (${s.length} chars)` : s;
}

/** `promise`, or a rejection after `ms` (the timer never keeps the process alive). */
export function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new HangError(ms)), ms);
    timer.unref();
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

export class HangError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'HangError';
  }
}

/** A temporary directory (harness.ts has one too, but importing it loads the whole app: the frame fuzzers drive the built CLI). */
export function scratchDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
