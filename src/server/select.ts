import type { Toolset } from '../toolkit/define.js';

/** Raised for a `--toolsets` value that names no toolset; the message lists the valid ones. */
export class SelectionError extends Error {}

/**
 * Choose toolsets by id (`all` = every one; none given = the defaults). The
 * same selection feeds listing and calling, so they can never disagree.
 */
export function selectToolsets<T extends Pick<Toolset, 'id' | 'default'>>(available: ReadonlyArray<T>, requested?: readonly string[]): T[] {
  if (!requested || requested.length === 0) return available.filter((t) => t.default);
  if (requested.includes('all')) return [...available];
  const byId = new Map(available.map((t) => [t.id, t]));
  const unknown = requested.filter((id) => !byId.has(id));
  if (unknown.length > 0) {
    throw new SelectionError(`unknown toolset ${unknown.map((u) => `"${u}"`).join(', ')}; available: ${available.map((t) => t.id).join(', ')}, all`);
  }
  return [...new Set(requested)].map((id) => byId.get(id) as T);
}

export interface ToolFilter {
  /** Keep only tools whose `readOnlyHint` is true; applied last, so it overrides everything. */
  readOnly?: boolean;
  /** When non-empty, keep only these tools. */
  tools?: readonly string[];
  /** Drop these tools. */
  excludeTools?: readonly string[];
}

/**
 * Narrow the tools of already-selected toolsets, in a fixed order:
 * `--tools` (only these) → `--exclude-tools` → `--read-only` (derived from
 * `readOnlyHint`, last so nothing can re-enable a writing tool). Resources and
 * prompts are reads and stay. The result feeds registration, so what is listed
 * and what is callable come from the same list.
 * @throws SelectionError naming a tool that none of the selected toolsets has.
 */
export function filterTools<Ctx>(toolsets: ReadonlyArray<Toolset<Ctx>>, filter: ToolFilter): Toolset<Ctx>[] {
  const known = new Set(toolsets.flatMap((t) => t.tools.map((tool) => tool.name)));
  const named = [...(filter.tools ?? []), ...(filter.excludeTools ?? [])];
  const unknown = named.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new SelectionError(`unknown tool ${unknown.map((u) => `"${u}"`).join(', ')}; the selected toolsets have: ${[...known].join(', ')}`);
  }
  const only = filter.tools && filter.tools.length > 0 ? new Set(filter.tools) : undefined;
  const excluded = new Set(filter.excludeTools ?? []);
  return toolsets.map((set) => ({
    ...set,
    tools: set.tools.filter((tool) => (!only || only.has(tool.name)) && !excluded.has(tool.name) && (!filter.readOnly || tool.annotations.readOnlyHint)),
  }));
}
