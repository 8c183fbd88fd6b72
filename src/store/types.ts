/**
 * The storage port and its types, in one import: everything above the engines speaks these, never SQL.
 * The port itself is in `ports.ts` (TaskReader, TaskWriter, TaskStore); each kind of record in its own file.
 */

export * from './api-keys.js';
export * from './audit-log.js';
export * from './changes.js';
export * from './ports.js';
export * from './queries.js';
export * from './stats.js';
export * from './store-error.js';
export * from './task-records.js';
