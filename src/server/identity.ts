/**
 * Who the server says it is: `serverInfo` (MCP `Implementation`: name, title,
 * description, websiteUrl; spec 2025-11-25) in the 2025 `initialize` result and
 * the 2026-07-28 `server/discover` result and `_meta` serverInfo. The version is
 * package.json's (src/version.ts). The same name, title and website appear in
 * server.json (MCP Registry) and manifest.json (MCP Bundle); `npm run
 * release:check` fails when they drift apart.
 */
export const SERVER_IDENTITY = {
  name: 'taskwire',
  title: 'Taskwire',
  description: 'A task tracker for AI agents: tasks, dependencies, claims, search and a change feed.',
  websiteUrl: 'https://github.com/taskwire/taskwire',
} as const;

/** `assets/icons/<SERVER_ICON>.svg` is the server's icon. */
export const SERVER_ICON = 'taskwire';
