import type { Client } from '@modelcontextprotocol/client';
import type { Served } from '../e2e/cli-process.js';
import { call } from '../harness.js';
import { httpClient } from './cluster.js';

/**
 * A Jepsen-style history of logical writes against a server that gets
 * SIGKILLed at random moments. Each logical write is one `create_tasks` call
 * of two tasks with its own idempotency key; its outcome is
 * - `ok`: the call returned the created tasks (acknowledged),
 * - `failed`: the call returned an error result (the server says nothing was written),
 * - `unknown`: no answer (the connection died with the server).
 * Unknown writes are retried with the same key in the next cycle, as a real
 * client would; a retry that answers settles them.
 */
export type Outcome = 'ok' | 'failed' | 'unknown';

export interface LogicalWrite {
  key: string;
  /** Every 8th write carries an impossible due date on its second task: the whole batch must be refused. */
  invalid: boolean;
  titles: [string, string];
  outcome: Outcome;
  /** Ids the acknowledged call returned. */
  ids?: number[];
  attempts: number;
}

export class History {
  readonly writes = new Map<string, LogicalWrite>();
  private next = 0;

  fresh(tag: string): LogicalWrite {
    const n = this.next++;
    const w: LogicalWrite = {
      key: `crash-${tag}-${String(n).padStart(6, '0')}`,
      invalid: n % 8 === 7,
      titles: [`${tag}-w${n}-a`, `${tag}-w${n}-b`],
      outcome: 'unknown',
      attempts: 0,
    };
    this.writes.set(w.key, w);
    return w;
  }

  pending(): LogicalWrite[] {
    return [...this.writes.values()].filter((w) => w.outcome === 'unknown');
  }

  count(outcome: Outcome): number {
    return [...this.writes.values()].filter((w) => w.outcome === outcome).length;
  }
}

/** Issue one attempt of a logical write and record what the client can know. */
export async function attempt(client: Client, w: LogicalWrite): Promise<void> {
  w.attempts++;
  try {
    const r = await call(client, 'create_tasks', {
      idempotency_key: w.key,
      tasks: [{ title: w.titles[0] }, { title: w.titles[1], priority: 'high', ...(w.invalid ? { due_date: '2026-02-30' } : {}) }],
    });
    if (r.isError) {
      if (process.env.JEPSEN_DEBUG) console.error(w.key, r.text.slice(0, 300));
      // An error says "this attempt wrote nothing". That settles the write as failed when it is the first
      // attempt, or when the arguments themselves are refused (every attempt sends the same ones); an
      // earlier unanswered attempt may still have committed otherwise.
      if (w.outcome !== 'ok' && (w.attempts === 1 || r.error.code === 'invalid_input')) w.outcome = 'failed';
      return;
    }
    w.outcome = 'ok';
    w.ids = (r.structured.created as Array<{ id: number }>).map((t) => t.id);
  } catch {
    // no answer: leave it unknown
  }
}

/**
 * One crash cycle: start the server, retry what is unknown, run `writers`
 * concurrent write loops, SIGKILL the server after `killAfterMs`, wait for
 * it to die. Returns once every call of the cycle has settled.
 */
export async function crashCycle(start: () => Promise<Served>, history: History, tag: string, killAfterMs: number, writers = 4): Promise<void> {
  const server = await start();
  let client: Client | undefined;
  try {
    client = await httpClient(server.url, 'modern', 'jepsen');
    const c = client;
    await Promise.all(history.pending().map((w) => attempt(c, w)));
    let killed = false;
    const loops = Array.from({ length: writers }, async () => {
      for (let i = 0; i < 200 && !killed; i++) await attempt(c, history.fresh(tag));
    });
    await new Promise((r) => setTimeout(r, killAfterMs));
    killed = true;
    server.child.kill('SIGKILL');
    await Promise.all(loops);
  } finally {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
      await new Promise((r) => server.child.once('exit', r));
    }
    await client?.close().catch(() => undefined);
  }
}

/** What the database holds after the run: title → ids of the rows carrying it. */
export type Stored = Map<string, number[]>;

/** Every property the history demands of the stored rows; returns the violations (empty = linearizable enough for us). */
export function check(history: History, stored: Stored): string[] {
  const problems: string[] = [];
  for (const [title, ids] of stored) if (ids.length > 1) problems.push(`${title} stored ${ids.length} times (ids ${ids.join(',')})`);
  for (const w of history.writes.values()) {
    const present = w.titles.map((t) => stored.has(t));
    if (present[0] !== present[1]) problems.push(`${w.key} half-written: ${w.titles.filter((_, i) => present[i]).join(',')} only`);
    if (w.outcome === 'ok') {
      if (!present[0] || !present[1]) problems.push(`${w.key} was acknowledged but is missing`);
      else if (w.titles.some((t, i) => stored.get(t)?.[0] !== w.ids?.[i])) problems.push(`${w.key} stored under other ids than acknowledged`);
    }
    if (w.outcome === 'failed' && (present[0] || present[1])) problems.push(`${w.key} failed but is present`);
    if (w.invalid && w.outcome === 'ok') problems.push(`${w.key} had an impossible due date but was acknowledged`);
  }
  return problems;
}
