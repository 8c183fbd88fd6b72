import { Redis } from 'ioredis';
import { type BusChange, type BusOptions, type ChangeBus, decodeChange, encodeChange, NODE_ID } from './bus.js';

export interface RedisBusOptions extends BusOptions {
  url: string;
}

/**
 * A {@link ChangeBus} over Redis pub/sub: one subscriber and one publisher
 * connection per process (a subscribed Redis connection cannot publish).
 * ioredis reconnects and re-subscribes by itself; while the subscriber is not
 * ready `healthy()` is false. Messages published while a process is
 * disconnected are not replayed (pub/sub keeps nothing).
 *
 * @throws Error when the first connection or `SUBSCRIBE` fails.
 */
export async function openRedisBus(options: RedisBusOptions): Promise<ChangeBus> {
  const { channel, logger } = options;
  const node = options.node ?? NODE_ID;
  const common = {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    maxRetriesPerRequest: 1,
    retryStrategy: (times: number) => Math.min(250 * 2 ** Math.min(times, 5), 5000),
  };
  const sub = new Redis(options.url, common);
  const pub = new Redis(options.url, { ...common, enableOfflineQueue: false });
  let listener: ((change: BusChange) => void) | undefined;
  let reconnected: (() => void) | undefined;
  for (const [name, conn] of [
    ['subscriber', sub],
    ['publisher', pub],
  ] as const) {
    conn.on('error', (error) => logger.debug({ err: error, channel, connection: name }, 'change bus (redis) error'));
  }
  sub.on('message', (ch: string, payload: string) => {
    if (ch !== channel) return;
    const change = decodeChange(payload, node);
    if (change) listener?.(change);
  });
  try {
    await Promise.all([sub.connect(), pub.connect()]);
    await sub.subscribe(channel);
  } catch (error) {
    sub.disconnect();
    pub.disconnect();
    throw error;
  }
  // ioredis re-subscribes on every later 'ready' by itself (autoResubscribe).
  sub.on('ready', () => reconnected?.());
  return {
    kind: 'redis',
    publish(change) {
      for (const payload of encodeChange(change, node)) {
        pub.publish(channel, payload).catch((error) => logger.warn({ err: error, channel }, 'change not published'));
      }
    },
    onChange(l) {
      listener = l;
    },
    onReconnect(l) {
      reconnected = l;
    },
    healthy: () => sub.status === 'ready',
    async close() {
      await Promise.allSettled([sub.quit(), pub.quit()]);
    },
  };
}
