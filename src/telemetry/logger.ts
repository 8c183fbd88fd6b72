import pino from 'pino';

/**
 * The process logger: pino JSON lines on **stderr**, always (stdout is the
 * protocol channel on stdio). Level from `TASKWIRE_LOG_LEVEL` via config.
 * Secrets are redacted by path. Lines are written asynchronously (a busy
 * server's lines coalesce into fewer writes, off the call path); pino flushes
 * what is pending synchronously on exit, so only a SIGKILL can lose a line.
 */
export type Logger = pino.Logger;

/**
 * Paths pino replaces with `[redacted]` wherever they appear at the top level
 * or one level down (`*.`): credentials in headers, tokens, keys, passwords,
 * connection strings.
 */
export const REDACTED_PATHS = [
  'authorization',
  'cookie',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'token',
  'secret',
  'password',
  'apiKey',
  'api_key',
  'connectionString',
  '*.authorization',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.id_token',
  '*.secret',
  '*.client_secret',
  '*.password',
  '*.apiKey',
  '*.api_key',
  '*.connectionString',
];

export function createLogger(level: string = 'info', destination: pino.DestinationStream = pino.destination({ fd: 2, sync: false })): Logger {
  return pino(
    {
      name: 'taskwire',
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
    },
    destination,
  );
}

/** A logger that drops everything, for tests and benchmarks that do not look at logs. */
export const silentLogger: Logger = pino({ level: 'silent' });
