import type { RequestContext } from '../../server/context.js';
import type { ToolsetHeader, ToolsetManifest } from '../../toolkit/define.js';

export const conformanceHeader: ToolsetHeader = {
  id: 'conformance',
  icon: 'conformance',
  description: 'Fixtures for the official MCP conformance suite (test_* tools, test:// resources and prompts). Off by default.',
  default: false,
  scopes: {},
};

/** The conformance suite's fixtures, loaded only with `--toolsets ...,conformance`. */
export const conformanceManifest: ToolsetManifest<RequestContext> = {
  ...conformanceHeader,
  load: async () => (await import('./index.js')).conformanceToolset,
};
