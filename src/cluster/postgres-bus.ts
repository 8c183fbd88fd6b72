import pg from 'pg';
import { type BusChange, type BusOptions, type ChangeBus, decodeChange, encodeChange, NODE_ID } from './bus.js';

export interface PostgresBusOptions extends BusOptions {
  connectionString: string;
}

/**
 * A {@link ChangeBus} over PostgreSQL `LISTEN`/`NOTIFY` (one dedicated
 * connection per process, outside the store's pool). Notifications reach
 * every session listening on the channel in the same database, this one
 * included (filtered out by node id).
 *
 * When the connection drops (server restart, network, `pg_terminate_backend`)
 * it reconnects by itself with backoff (250 ms doubling to 5 s) and listens
 * again (then calls the `onReconnect` listener); while it is down `healthy()`
 * is false and publishes are dropped.
 *
 * @throws Error when the first connection or `LISTEN` fails (the caller
 *   reports it as the database being unavailable).
 */
export async function openPostgresBus(options: PostgresBusOptions): Promise<ChangeBus> {
  const { channel, logger } = options;
  const node = options.node ?? NODE_ID;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`invalid channel name ${channel}`);
  let client: pg.Client | undefined;
  let listener: ((change: BusChange) => void) | undefined;
  let reconnected: (() => void) | undefined;
  let closed = false;
  let backoff = 250;
  let timer: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const c = new pg.Client({
      connectionString: options.connectionString,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      keepAlive: true,
      fallback_application_name: 'taskwire-bus',
    });
    const lost = (why: unknown) => {
      if (client !== c) return;
      client = undefined;
      c.end().catch(() => undefined);
      if (closed) return;
      logger.warn({ err: why, channel }, 'change bus connection lost; reconnecting');
      schedule();
    };
    c.on('error', lost);
    c.on('end', () => lost(new Error('connection ended')));
    c.on('notification', (n) => {
      if (n.channel !== channel || n.payload === undefined) return;
      const change = decodeChange(n.payload, node);
      if (change) listener?.(change);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
    } catch (error) {
      c.removeAllListeners('end');
      c.on('error', () => undefined);
      await c.end().catch(() => undefined);
      throw error;
    }
    client = c;
    backoff = 250;
  };

  const schedule = () => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      connect().then(
        () => {
          logger.info({ channel }, 'change bus reconnected');
          reconnected?.();
        },
        (error) => {
          backoff = Math.min(backoff * 2, 5000);
          logger.debug({ err: error, channel }, 'change bus reconnect failed');
          schedule();
        },
      );
    }, backoff).unref();
  };

  await connect();

  return {
    kind: 'postgres',
    publish(change) {
      const c = client;
      if (!c) {
        logger.debug({ channel }, 'change bus down: change not published');
        return;
      }
      for (const payload of encodeChange(change, node)) {
        c.query('SELECT pg_notify($1, $2)', [channel, payload]).catch((error) => logger.warn({ err: error, channel }, 'change not published'));
      }
    },
    onChange(l) {
      listener = l;
    },
    onReconnect(l) {
      reconnected = l;
    },
    healthy: () => client !== undefined,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}
