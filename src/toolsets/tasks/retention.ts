import type { Logger } from '../../telemetry/logger.js';
import type { TaskService } from './service.js';

/**
 * Retention of the change history and the trash: prune once now, then every `everyMs` (default hourly).
 * `historyDays` / `trashDays` of 0 keep that kind forever. Failures are logged at warn and retried at the next
 * interval; the timer never keeps the process alive. Returns the function that stops it.
 */
export function scheduleRetention(tasks: TaskService, retention: { historyDays: number; trashDays: number }, logger: Logger, everyMs = 3_600_000): () => void {
  if (retention.historyDays <= 0 && retention.trashDays <= 0) return () => undefined;
  const prune = () => {
    tasks.prune(retention).then(
      (n) => {
        if (n.changes > 0 || n.trash > 0) logger.info({ changes: n.changes, trash: n.trash, retention }, 'pruned change history and trash past retention');
      },
      (error: unknown) => logger.warn({ err: error }, 'history/trash retention prune failed; retrying at the next interval'),
    );
  };
  prune();
  const timer = setInterval(prune, everyMs).unref();
  return () => clearInterval(timer);
}
