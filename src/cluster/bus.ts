import { randomUUID } from 'node:crypto';
import { WORKSPACE_NAME } from '../auth/principal.js';
import type { ChangeHub } from '../server/changes.js';
import type { Logger } from '../telemetry/logger.js';
import { digest } from '../toolkit/digest.js';

/**
 * A cross-process change bus: how a change committed on one replica
 * reaches the subscribers connected to every other replica.
 *
 * Each process keeps its in-process {@link ChangeHub} (it feeds the 2026
 * `subscriptions/listen` streams through the SDK handler's `ServerEventBus`,
 * and 2025 sessions' `resources/subscribe` sets). {@link bridge} connects
 * the hub to a bus: changes committed here are published; changes published
 * by other processes are delivered into the hub as if committed here. The bus
 * carries the workspace with each change, which the SDK's `ServerEvent` does
 * not, so delivery stays scoped to the workspace that changed.
 *
 * Delivery is at most once and best effort, like the notifications it feeds
 * (`notifications/resources/updated` is a hint to re-read, spec
 * 2025-11-25 server/resources#subscriptions): a message published while the
 * bus is reconnecting, or by a process killed between commit and publish, is
 * lost; the data itself is never affected.
 */
export interface ChangeBus {
  readonly kind: 'postgres' | 'redis' | 'sqlite';
  /** Send a change to every other process on the channel. Never throws; failures are logged. */
  publish(change: BusChange): void;
  /** Register the receiver of other processes' changes (one per bus). */
  onChange(listener: (change: BusChange) => void): void;
  /**
   * Register what to do after the bus reconnected (changes published meanwhile
   * were missed). Not called for the first connection.
   */
  onReconnect(listener: () => void): void;
  /** True while the bus is connected and subscribed. */
  healthy(): boolean;
  close(): Promise<void>;
}

/** A bus setting once `auto` is resolved. */
export type BusChangeKind = 'postgres' | 'redis' | 'sqlite' | 'local';

/** What every bus engine is opened with, besides where its server is. */
export interface BusOptions {
  /** From {@link channelName}: an unquoted identifier of at most 63 bytes. */
  channel: string;
  logger: Logger;
  /** Connection timeout in ms (default 5,000). */
  connectTimeoutMs?: number;
  /** This process's id on the bus (default {@link NODE_ID}); tests give two buses of one process different ids. */
  node?: string;
}

export interface BusChange {
  workspace: string;
  uris: string[];
}

/** One process's identity on the bus, so it ignores its own messages (PostgreSQL and Redis echo them). */
export const NODE_ID: string = randomUUID();

/** Most bytes of one message: PostgreSQL's NOTIFY payload limit is 8000 bytes. */
const MAX_PAYLOAD = 7900;
/**
 * A resource URI as the bus carries it: a scheme, `://`, then at most 256 printable characters. Which URIs a
 * process delivers is up to its toolsets' declarations ({@link BridgeOptions.accepts}).
 */
const URI = /^[a-z][a-z0-9+.-]{0,31}:\/\/[^\p{Cc}\s]{1,256}$/u;

/** Encode a change as one or more JSON payloads (`{v, n, w, u}`), each within {@link MAX_PAYLOAD}. */
export function encodeChange(change: BusChange, node = NODE_ID): string[] {
  const out: string[] = [];
  let batch: string[] = [];
  const flush = () => {
    if (batch.length > 0) out.push(JSON.stringify({ v: 1, n: node, w: change.workspace, u: batch }));
    batch = [];
  };
  let size = 100 + node.length + change.workspace.length;
  for (const uri of change.uris) {
    if (size + uri.length + 3 > MAX_PAYLOAD) {
      flush();
      size = 100 + node.length + change.workspace.length;
    }
    batch.push(uri);
    size += uri.length + 3;
  }
  flush();
  return out;
}

/**
 * Decode a payload from the channel. Returns `undefined` for this process's
 * own messages and for anything malformed (whoever can publish on the
 * channel must not be able to inject arbitrary URIs or workspaces), including
 * any URI `accepts` refuses (default: any well-formed one; {@link bridge}
 * checks the toolsets' declarations again).
 */
export function decodeChange(payload: string, node = NODE_ID, accepts: (uri: string) => boolean = () => true): BusChange | undefined {
  let m: unknown;
  try {
    m = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof m !== 'object' || m === null) return undefined;
  const { v, n, w, u } = m as Record<string, unknown>;
  if (v !== 1 || typeof n !== 'string' || n === node) return undefined;
  if (typeof w !== 'string' || !WORKSPACE_NAME.test(w)) return undefined;
  if (!Array.isArray(u) || u.length === 0 || u.length > 1000 || !u.every((x) => typeof x === 'string' && URI.test(x) && accepts(x))) return undefined;
  return { workspace: w, uris: u as string[] };
}

/**
 * The channel name for one deployment: every replica serving the same tables
 * must compute the same name, and deployments sharing a PostgreSQL database
 * (other schemas) or a Redis server must not. A valid unquoted identifier of
 * at most 63 bytes (PostgreSQL's limit for LISTEN channels).
 */
export function channelName(identity: string): string {
  return `taskwire_changes_${digest('sha256', identity, 'hex').slice(0, 24)}`;
}

/** Most workspaces {@link bridge} remembers for the resync after a reconnection. */
const MAX_REMEMBERED = 1000;

/** What {@link bridge} learns from the served toolsets' change declarations (`Toolset.changes`). */
export interface BridgeOptions {
  /** Workspace-wide views re-announced to recently active workspaces after the bus reconnects. */
  resyncUris?: readonly string[];
  /** Whether a URI another process sent is one some served toolset publishes; others are dropped. Default: all. */
  accepts?: (uri: string) => boolean;
}

/**
 * Connect the hub to the bus both ways; returns the function that disconnects
 * them. Changes from other processes reach the hub only with the URIs
 * `accepts` allows (a change left with none is dropped). After the bus
 * reconnects, every recently active workspace gets an update of `resyncUris`
 * (the toolsets' workspace-wide views, `ToolsetChanges.resync`), so subscribers
 * re-read what may have changed while notifications were not flowing.
 */
export function bridge(hub: ChangeHub, bus: ChangeBus, options: BridgeOptions = {}): () => void {
  const resyncUris = options.resyncUris ?? [];
  const accepts = options.accepts ?? (() => true);
  const recent = new Set<string>();
  const remember = (workspace: string) => {
    recent.delete(workspace);
    recent.add(workspace);
    if (recent.size > MAX_REMEMBERED) recent.delete(recent.values().next().value as string);
  };
  bus.onChange((change) => {
    const uris = change.uris.filter(accepts);
    if (uris.length === 0) return;
    remember(change.workspace);
    hub.deliver(change.workspace, uris);
  });
  bus.onReconnect(() => {
    if (resyncUris.length === 0) return;
    for (const workspace of recent) hub.deliver(workspace, resyncUris);
  });
  return hub.subscribe((event) => {
    if (event.remote) return;
    remember(event.workspace);
    bus.publish({ workspace: event.workspace, uris: event.uris });
  });
}
