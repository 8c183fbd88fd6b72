import { createRequire } from 'node:module';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { countWith, estimateTokens } from './token-count.js';

const require = createRequire(import.meta.url);

/**
 * A worker thread that owns the o200k_base encoder and counts tokens for the
 * main thread synchronously.
 *
 * Why: building the encoder (js-tiktoken's rank table, 200k entries) takes
 * the thread that does it 1.2 s here, several under load. On the main thread
 * that stalled every caller of a fresh server one second after it started
 * (a ping took 1.1 s; the SQLite bus's notification arrived 1-1.7 s late).
 * Built here it costs the event loop nothing.
 *
 * Protocol: the main thread posts `{id, texts}` on its end of a private
 * channel, then waits on a shared flag (`Atomics.wait`, bounded) and takes the
 * answer with `receiveMessageOnPort`, so {@link TokenWorker.count} is a plain
 * synchronous call (~tens of µs plus the counting). Answers carry the request
 * id; a late answer to an earlier, timed-out request is dropped.
 */
export class TokenWorker {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  /** [0]: answers posted (bumped, then notified, by the worker); [1]: 1 once the encoder is built, -1 if that failed. */
  private readonly flag = new Int32Array(new SharedArrayBuffer(8));
  private next = 0;
  private broken = false;

  constructor() {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { port: port2, flag: this.flag.buffer, lite: require.resolve('js-tiktoken/lite'), ranks: require.resolve('js-tiktoken/ranks/o200k_base') },
      transferList: [port2],
      // Nothing the worker might print may reach stdout, the stdio protocol channel (its stderr goes to ours).
      stdout: true,
    });
    const fail = () => {
      this.broken = true;
    };
    this.worker.on('error', fail).on('exit', fail);
    this.worker.unref();
    this.port.unref();
  }

  /** The encoder is built and the worker answers. */
  ready(): boolean {
    return !this.broken && Atomics.load(this.flag, 1) === 1;
  }

  /** Failed to start or to build the encoder: callers should count elsewhere. */
  failed(): boolean {
    return this.broken || Atomics.load(this.flag, 1) === -1;
  }

  /**
   * Exact counts for `texts`, in order, or undefined when the worker is not ready or did not answer within
   * `timeoutMs` (then the caller estimates; the worker is marked broken only if it died).
   */
  count(texts: readonly string[], timeoutMs = 5_000): number[] | undefined {
    if (!this.ready()) return undefined;
    const id = ++this.next;
    this.port.postMessage({ id, texts });
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      // The worker posts its answer, then bumps flag[0]: read the count first, so a bump after it ends the wait.
      const posted = Atomics.load(this.flag, 0);
      // Drain what has arrived; a stale answer (to an earlier request that timed out) is skipped.
      for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) {
        const answer = m.message as { id: number; counts: number[] | null };
        if (answer.id === id) return answer.counts ?? undefined;
      }
      const left = deadline - performance.now();
      if (left <= 0 || this.broken) return undefined;
      Atomics.wait(this.flag, 0, posted, left);
    }
  }

  /** Stop the thread (tests; a process exits with it anyway, it is unref'd). */
  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/** The worker's whole program: CommonJS, with the shared counting functions inserted as source. */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { port, flag: buffer, lite, ranks: ranksPath } = workerData;
const flag = new Int32Array(buffer);
${estimateTokens.toString()}
${countWith.toString()}
let encoder;
let pieces;
try {
  const { Tiktoken } = require(lite);
  const ranks = require(ranksPath);
  encoder = new Tiktoken(ranks);
  pieces = new RegExp(ranks.pat_str, 'gu');
  Atomics.store(flag, 1, 1);
} catch (error) {
  Atomics.store(flag, 1, -1);
  throw error;
}
port.on('message', ({ id, texts }) => {
  let counts = null;
  try {
    counts = texts.map((text) => countWith(encoder, pieces, text));
  } catch {}
  port.postMessage({ id, counts });
  Atomics.add(flag, 0, 1);
  Atomics.notify(flag, 0);
});
`;
