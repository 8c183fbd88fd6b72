/**
 * Wire vocabulary of the MCP *Tasks extension* (`io.modelcontextprotocol/tasks`,
 * SEP-2663, protocol revision 2026-07-28): async operations a server creates
 * for a `tools/call` and a client polls with `tasks/get`. Not Taskwire's task
 * work items: in this folder "operation" always means a protocol task.
 */

/** The extension id, advertised under `capabilities.extensions` and declared by clients the same way. */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

/** JSON-RPC `-32021` Missing Required Client Capability (SEP-2575). */
export const MISSING_REQUIRED_CLIENT_CAPABILITY = -32021;

/** Lifecycle states (SEP-2663 `TaskStatus`). `completed`, `failed` and `cancelled` are terminal. */
export type OperationStatus = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';

export const TERMINAL: ReadonlySet<OperationStatus> = new Set(['completed', 'failed', 'cancelled']);

/** How a tool takes part: `optional` = async when the client supports the extension, in-call otherwise; `required` = async only. */
export type TaskSupport = 'optional' | 'required';

/** The `Task` fields common to `CreateTaskResult` and `tasks/get` (timestamps ISO 8601, durations integer ms). */
export interface TaskEnvelope {
  taskId: string;
  status: OperationStatus;
  statusMessage?: string;
  createdAt: string;
  lastUpdatedAt: string;
  ttlMs: number;
  pollIntervalMs: number;
}

/** A JSON-RPC error object, as a `failed` operation inlines it. */
export interface WireError {
  code: number;
  message: string;
  data?: unknown;
}
