import pino from 'pino';

/**
 * The process logger: pino JSON lines on **stderr**, always (stdout is the
 * protocol channel on stdio). Level from `TASKWIRE_LOG_LEVEL` via config.
 * Secrets are redacted by path.
 */
export type Logger = pino.Logger;

export function createLogger(level: string = 'info'): Logger {
  return pino(
    {
      name: 'taskwire',
      level,
      redact: { paths: ['authorization', 'headers.authorization', '*.token', '*.secret'], censor: '[redacted]' },
      base: { pid: process.pid },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}

/** A logger that drops everything, for tests and benchmarks that do not look at logs. */
export const silentLogger: Logger = pino({ level: 'silent' });
