import pino from 'pino';

/**
 * The process logger: pino JSON lines on **stderr**, always (stdout is the
 * protocol channel on stdio). Level from `TASKWIRE_LOG_LEVEL` via config.
 * Secrets are redacted by path. Lines are written asynchronously, off the call
 * path; pino flushes what is pending synchronously on exit, so only a SIGKILL
 * can lose a line.
 *
 * The per-call line ({@link callLogOf}) is buffered: up to 4 KiB of them go out
 * in one write, at most {@link CALL_LINES_FLUSH_MS} after the first; any other
 * line writes out everything before it at once. One write(2) per call was most
 * of what the call line cost (measured ~40 µs of server CPU per stdio call).
 */
export type Logger = pino.Logger;

/** Longest a call line waits in the buffer before it is written (ms). */
export const CALL_LINES_FLUSH_MS = 250;
/** Bytes of buffered call lines that are written at once. */
const CALL_LINES_BUFFER_BYTES = 4096;

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

/** The call-line logger of each logger made by {@link createLogger}. */
const callLogs = new WeakMap<Logger, Logger>();

/**
 * The logger for the one line per call (middleware/logging.ts): the same level and stream as `logger`, without
 * redaction (the line has fixed fields and never the arguments: redaction's wildcard paths cost ~10 µs a line) and,
 * for a logger of {@link createLogger} on stderr, buffered. Any other logger is its own call logger.
 */
export function callLogOf(logger: Logger): Logger {
  return callLogs.get(logger) ?? logger;
}

/**
 * A process logger (`destination`: stderr when absent, as the CLI runs it; a given stream is written line by line).
 * Its {@link callLogOf} writes the same stream.
 */
export function createLogger(level: string = 'info', destination?: pino.DestinationStream): Logger {
  const options = { name: 'taskwire', level, base: { pid: process.pid } };
  const buffered = destination ? undefined : pino.destination({ fd: 2, sync: false, minLength: CALL_LINES_BUFFER_BYTES });
  let pending: NodeJS.Timeout | undefined;
  const flush = () => {
    try {
      buffered?.flush(); // while a write is in flight this only marks the rest for the next flush
    } catch {
      // destroyed (the process is exiting): pino already wrote what it held
    }
  };
  const flushSoon = () => {
    pending ??= setTimeout(() => {
      pending = undefined;
      flush();
    }, CALL_LINES_FLUSH_MS).unref();
  };
  const stream = destination ?? (buffered as pino.DestinationStream);
  const logger = pino(
    {
      ...options,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args);
          if (!buffered) return;
          flush(); // a process line is not held back, and goes out after the call lines before it
          flushSoon();
        },
      },
    },
    stream,
  );
  const calls = pino(
    {
      ...options,
      hooks: {
        logMethod(args, method) {
          method.apply(this, args);
          if (buffered) flushSoon();
        },
      },
    },
    stream,
  );
  callLogs.set(logger, calls);
  return logger;
}

/** A logger that drops everything, for tests and benchmarks that do not look at logs. */
export const silentLogger: Logger = pino({ level: 'silent' });
