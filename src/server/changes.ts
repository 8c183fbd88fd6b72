import { EventEmitter } from 'node:events';

/** A committed change: which resource URIs of which workspace are now stale. */
export interface ChangeEvent {
  workspace: string;
  uris: string[];
  /** Set on a change another process committed and a cross-node bus delivered here (never re-published). */
  remote?: true;
}

/**
 * In-process fan-out of committed changes to whoever delivers notifications:
 * long-lived connections (stdio, 2025 sessions) send `notifications/resources/updated`
 * to their subscribers; the HTTP entry forwards to the SDK handler's event bus
 * for 2026 `subscriptions/listen` streams. Listeners must not throw.
 */
export class ChangeHub {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  /** A write committed here made these URIs of `workspace` stale (published to other processes by a bus). */
  changed(workspace: string, uris: readonly string[]): void {
    this.emitter.emit('change', { workspace, uris: [...uris] } satisfies ChangeEvent);
  }

  /** A change another process committed, delivered by a cross-node bus (see `src/cluster/`). */
  deliver(workspace: string, uris: readonly string[]): void {
    this.emitter.emit('change', { workspace, uris: [...uris], remote: true } satisfies ChangeEvent);
  }

  /**
   * Resources changed outside the server (a watched upstream, see `watches.ts`): delivered to this process's
   * subscribers only, like a bus delivery, never published to other processes (each watches for its own).
   */
  resourceUpdated(workspace: string, uris: readonly string[]): void {
    this.emitter.emit('change', { workspace, uris: [...uris], remote: true } satisfies ChangeEvent);
  }

  /** A list of tools, prompts or resources changed (delivered like resource updates, as list_changed). */
  listChanged(kind: 'tools' | 'prompts' | 'resources'): void {
    this.emitter.emit('list', kind);
  }

  onListChanged(listener: (kind: 'tools' | 'prompts' | 'resources') => void): () => void {
    this.emitter.on('list', listener);
    return () => this.emitter.off('list', listener);
  }

  /** Register a listener; returns the function that removes it. */
  subscribe(listener: (event: ChangeEvent) => void): () => void {
    this.emitter.on('change', listener);
    return () => this.emitter.off('change', listener);
  }

  get listenerCount(): number {
    return this.emitter.listenerCount('change');
  }
}
