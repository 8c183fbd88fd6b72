import type { AuditLog, AuditRecord } from '../store/types.js';
import type { Logger } from './logger.js';
import { recordAuditDropped } from './metrics.js';

export interface AuditWriterOptions {
  /** Longest a row waits in memory before its batch is written (ms). */
  flushMs: number;
  /** A batch this large is written at once. */
  batchSize: number;
  /** Rows held while the store is slow or down; beyond it new rows are dropped (counted in `taskwire.audit.dropped`). */
  maxBuffered: number;
}

const DEFAULTS: AuditWriterOptions = { flushMs: 200, batchSize: 200, maxBuffered: 10_000 };

/**
 * Writes audit rows off the response's critical path: `push` only buffers; a
 * batch goes to the store `flushMs` later (or at `batchSize` rows) as one
 * transaction. `close` writes whatever is buffered, so a clean shutdown loses
 * nothing; a crash can lose at most the last `flushMs` of rows. A failed batch
 * is logged and counted, never retried forever and never surfaced to callers.
 */
export class AuditWriter {
  private buffer: AuditRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly options: AuditWriterOptions;

  constructor(
    private readonly log: AuditLog,
    private readonly logger: Logger,
    options: Partial<AuditWriterOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  push(row: AuditRecord): void {
    if (this.buffer.length >= this.options.maxBuffered) {
      recordAuditDropped(1);
      return;
    }
    this.buffer.push(row);
    if (this.buffer.length >= this.options.batchSize) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.options.flushMs).unref();
  }

  /** Write everything buffered so far; resolves when it is stored (or given up). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const rows = this.buffer;
    this.buffer = [];
    if (rows.length > 0) {
      this.writing = this.writing.then(() =>
        this.log.append(rows).catch((error: unknown) => {
          recordAuditDropped(rows.length);
          this.logger.error({ err: error, rows: rows.length }, 'audit rows could not be written');
        }),
      );
    }
    return this.writing;
  }

  /** Flush and stop; call before closing the store. */
  close(): Promise<void> {
    return this.flush();
  }
}

/**
 * Delete audit rows older than `days` now and then every `everyMs` (default
 * hourly). `days` 0 keeps rows forever. Returns the function that stops it.
 */
export function scheduleAuditPrune(log: AuditLog, days: number, logger: Logger, everyMs = 3_600_000): () => void {
  if (days <= 0) return () => undefined;
  const prune = () => {
    const before = new Date(Date.now() - days * 86_400_000).toISOString();
    log.prune(before).then(
      (n) => {
        if (n > 0) logger.info({ deleted: n, before }, 'pruned audit rows past retention');
      },
      (error: unknown) => logger.warn({ err: error }, 'audit retention prune failed; retrying at the next interval'),
    );
  };
  prune();
  const timer = setInterval(prune, everyMs).unref();
  return () => clearInterval(timer);
}
