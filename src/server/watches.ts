import { UriTemplate } from '@modelcontextprotocol/server';
import type { Logger } from '../telemetry/logger.js';
import type { ResourceDef } from '../toolkit/define.js';
import type { ChangeHub } from './changes.js';

/**
 * Reference-counted watches of resources that change outside the server
 * (`ResourceDef.watch`): the first subscriber to a concrete URI starts its
 * watch, the last one leaving stops it, so an upstream is polled only while
 * someone listens. A change is announced on the change hub for every workspace
 * with a subscriber, as a local event (each replica watches for its own
 * subscribers; nothing goes on the cross-process bus).
 */
export class ResourceWatches<Ctx = unknown> {
  private readonly active = new Map<string, { stop: () => void; workspaces: Map<string, number> }>();
  private readonly templates: Array<{ def: ResourceDef<Ctx>; match: (uri: string) => Record<string, string> | undefined }>;

  constructor(
    resources: ReadonlyArray<ResourceDef<Ctx>>,
    private readonly deps: Readonly<Record<string, unknown>>,
    private readonly hub: ChangeHub,
    private readonly logger: Logger,
  ) {
    this.templates = resources.filter((r) => r.watch).map((def) => ({ def, match: templateMatcher(def.uri) }));
  }

  /** Count a subscriber of `uri` in `workspace`; returns its release (call once). A URI nobody watches costs nothing. */
  acquire(uri: string, workspace: string): () => void {
    const found = this.find(uri);
    if (!found) return () => undefined;
    let entry = this.active.get(uri);
    if (!entry) {
      const workspaces = new Map<string, number>();
      const changed = () => {
        for (const ws of workspaces.keys()) this.hub.resourceUpdated(ws, [uri]);
      };
      let stop: () => void = () => undefined;
      try {
        stop = found.def.watch?.(uri, found.vars, this.deps, changed) ?? stop;
      } catch (error) {
        this.logger.warn({ err: error, uri }, 'cannot watch resource');
      }
      entry = { stop, workspaces };
      this.active.set(uri, entry);
    }
    entry.workspaces.set(workspace, (entry.workspaces.get(workspace) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const current = this.active.get(uri);
      if (!current) return;
      const left = (current.workspaces.get(workspace) ?? 1) - 1;
      if (left > 0) current.workspaces.set(workspace, left);
      else current.workspaces.delete(workspace);
      if (current.workspaces.size === 0) {
        this.active.delete(uri);
        current.stop();
      }
    };
  }

  /** URIs being watched now. */
  get watching(): string[] {
    return [...this.active.keys()];
  }

  close(): void {
    for (const entry of this.active.values()) entry.stop();
    this.active.clear();
  }

  private find(uri: string) {
    for (const t of this.templates) {
      const vars = t.match(uri);
      if (vars) return { def: t.def, vars };
    }
    return undefined;
  }
}

/** The template's variables in `uri` (the SDK's RFC 6570 matcher, as resource reads get them), or undefined. */
function templateMatcher(template: string): (uri: string) => Record<string, string> | undefined {
  const parsed = new UriTemplate(template);
  return (uri) => {
    const vars = parsed.match(uri);
    return vars ? Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v])) : undefined;
  };
}
