import { Console } from 'node:console';

/**
 * On stdio, stdout is the protocol channel: the server must not write anything to it that is not an MCP message
 * (MCP spec, basic/transports "stdio"). Libraries that print through the global `console` (`console.log`,
 * `console.dir`: OpenTelemetry's `ConsoleSpanExporter` under `OTEL_TRACES_EXPORTER=console`, a stray debug line)
 * would corrupt it, so the stdio command routes the whole global console to stderr before anything runs.
 */
export function consoleToStderr(): void {
  globalThis.console = new Console({ stdout: process.stderr, stderr: process.stderr });
}
