import type { RequestContext } from '../server/context.js';
import { selectToolsets } from '../server/select.js';
import type { ScopeDeclaration, Toolset, ToolsetHeader, ToolsetManifest } from '../toolkit/define.js';
import { conformanceManifest } from './conformance/manifest.js';
import { tasksManifest } from './tasks/manifest.js';
import { weatherManifest } from './weather/manifest.js';

/**
 * Every toolset this build ships, as manifests: headers only, the code loaded
 * on demand (`load`). A new toolset is a folder beside this file (its
 * `manifest.ts` and `index.ts`) plus one entry here.
 */
export const TOOLSET_MANIFESTS: ReadonlyArray<ToolsetManifest<RequestContext>> = [tasksManifest, weatherManifest, conformanceManifest];

/**
 * Load the toolsets `requested` selects (`--toolsets`; none = the defaults), in
 * that order: a toolset that is not selected is never imported.
 * @throws (rejects with) SelectionError for an unknown toolset id (server/select.ts).
 */
export async function loadToolsets(requested?: readonly string[]): Promise<Toolset<RequestContext>[]> {
  return Promise.all(selectToolsets(TOOLSET_MANIFESTS, requested).map((manifest) => manifest.load()));
}

/** The scopes these toolsets declare, with what each grants. */
export function declaredScopes(toolsets: ReadonlyArray<ToolsetHeader> = TOOLSET_MANIFESTS): Record<string, string | ScopeDeclaration> {
  return Object.assign({}, ...toolsets.map((t) => t.scopes));
}
