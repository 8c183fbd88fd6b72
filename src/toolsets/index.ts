import type { RequestContext } from '../server/context.js';
import type { ScopeDeclaration, Toolset } from '../toolkit/define.js';
import { conformanceToolset } from './conformance/index.js';
import { tasksToolset } from './tasks/index.js';
import { weatherToolset } from './weather/index.js';

/** Every toolset this build ships. A new toolset is a folder beside this file plus one entry here. */
export const TOOLSETS: ReadonlyArray<Toolset<RequestContext>> = [tasksToolset, weatherToolset, conformanceToolset];

/** The scopes these toolsets declare, with what each grants. */
export function declaredScopes(toolsets: ReadonlyArray<Toolset<RequestContext>> = TOOLSETS): Record<string, string | ScopeDeclaration> {
  return Object.assign({}, ...toolsets.map((t) => t.scopes));
}
