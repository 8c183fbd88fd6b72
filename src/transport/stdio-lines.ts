import type { Readable, Writable } from 'node:stream';
import { type JSONRPCMessage, parseJSONRPCMessage, type Transport } from '@modelcontextprotocol/server';
import { INVALID_PARAMS, INVALID_REQUEST, limitData, MAX_MESSAGE_DEPTH, nestsDeeperThan, PARSE_ERROR, STDIO_MAX_LINE_BYTES, tooDeepMessage } from './message-limits.js';

export interface LineTransportOptions {
  stdin?: Readable;
  stdout?: Writable;
  /** Longest accepted line in bytes, newline excluded (default {@link STDIO_MAX_LINE_BYTES}). */
  maxLineBytes?: number;
  /** Out-of-band problems (a dropped notification, a write error): reporting only. */
  onProblem?: (error: Error) => void;
}

const NEWLINE = 0x0a;

/**
 * The stdio wire (MCP basic/transports "stdio": one JSON-RPC message per
 * newline-delimited line), in place of the SDK's `StdioServerTransport`,
 * which stops reading for good after one line over 10 MB and silently drops
 * lines that are not valid messages. Here every line gets exactly the answer
 * JSON-RPC 2.0 (section 5.1) prescribes, and the connection keeps serving:
 * - over `maxLineBytes`: -32600 with `id: null` as soon as the limit is
 *   passed (never buffering more), the rest of the line skipped;
 * - nesting deeper than {@link MAX_MESSAGE_DEPTH}: -32600, `id: null`, before parsing;
 * - not JSON: -32700, `id: null`;
 * - a request whose `params` (or `params._meta`) is not an object: -32602
 *   with its id; a wrong `jsonrpc` or `method`: -32600 with its id; an id
 *   that is not a string or an integer: -32600 with `id: null`;
 * - a malformed notification or response cannot be answered: reported to
 *   `onProblem` and dropped.
 * Only JSON-RPC messages are ever written to stdout. stdin ending closes the transport.
 */
export class LineTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private readonly stdin: Readable;
  private readonly stdout: Writable;
  private readonly maxLineBytes: number;
  /** The current line's bytes so far (never more than `maxLineBytes`). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Inside an over-long line: drop bytes until the next newline. */
  private skipping = false;
  private started = false;
  private closed = false;

  constructor(private readonly options: LineTransportOptions = {}) {
    this.stdin = options.stdin ?? process.stdin;
    this.stdout = options.stdout ?? process.stdout;
    this.maxLineBytes = options.maxLineBytes ?? STDIO_MAX_LINE_BYTES;
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('LineTransport already started');
    this.started = true;
    this.stdin.on('data', this.onData);
    this.stdin.on('error', this.onStdinError);
    this.stdin.on('end', this.onStdinEnd);
    this.stdin.on('close', this.onStdinEnd);
    this.stdout.on('error', this.onStdoutError);
    if (this.stdin.readableEnded || this.stdin.destroyed) setImmediate(this.onStdinEnd);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stdin.off('data', this.onData);
    this.stdin.off('error', this.onStdinError);
    this.stdin.off('end', this.onStdinEnd);
    this.stdin.off('close', this.onStdinEnd);
    // Late write failures after close are nobody's business; keep one listener so they are not uncaught.
    this.stdout.off('error', this.onStdoutError);
    this.stdout.on('error', () => undefined);
    if (this.stdin.listenerCount('data') === 0) this.stdin.pause();
    this.pending = [];
    this.pendingBytes = 0;
    this.onclose?.();
  }

  /** Write one message as one line; resolves once stdout took it (after `drain` when its buffer is full). */
  send(message: JSONRPCMessage): Promise<void> {
    if (this.closed) return Promise.reject(new Error('LineTransport is closed'));
    return new Promise((resolve, reject) => {
      const line = `${JSON.stringify(message)}\n`;
      const onError = (error: Error) => {
        this.stdout.off('drain', onDrain);
        reject(error);
      };
      const onDrain = () => {
        this.stdout.off('error', onError);
        resolve();
      };
      this.stdout.once('error', onError);
      if (this.stdout.write(line)) {
        this.stdout.off('error', onError);
        resolve();
      } else this.stdout.once('drain', onDrain);
    });
  }

  private readonly onData = (chunk: Buffer | string): void => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let start = 0;
    while (start < bytes.length && !this.closed) {
      const newline = bytes.indexOf(NEWLINE, start);
      const end = newline === -1 ? bytes.length : newline;
      if (!this.skipping) {
        if (this.pendingBytes + (end - start) > this.maxLineBytes) {
          this.skipping = true;
          this.pending = [];
          this.pendingBytes = 0;
          this.answer(
            null,
            INVALID_REQUEST,
            `Invalid Request: a line longer than ${this.maxLineBytes} bytes (limit max_bytes=${this.maxLineBytes}); it was skipped to the next newline.`,
            limitData('max_bytes', this.maxLineBytes),
          );
        } else if (end > start) {
          this.pending.push(bytes.subarray(start, end));
          this.pendingBytes += end - start;
        }
      }
      if (newline === -1) return;
      if (this.skipping) this.skipping = false;
      else this.onLine();
      start = newline + 1;
    }
  };

  private onLine(): void {
    const raw = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    const text = raw.toString('utf8');
    if (text.trim() === '') return;
    if (nestsDeeperThan(text)) {
      this.answer(null, INVALID_REQUEST, tooDeepMessage(), limitData('max_depth', MAX_MESSAGE_DEPTH));
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.answer(null, PARSE_ERROR, 'Parse error: the line is not valid JSON (one JSON-RPC message per line).');
      return;
    }
    let message: JSONRPCMessage;
    try {
      message = parseJSONRPCMessage(value);
    } catch {
      this.refuse(value);
      return;
    }
    this.onmessage?.(message);
  }

  /** Answer (or report) a parsed value that is not a valid JSON-RPC message, naming what is wrong. */
  private refuse(value: unknown): void {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      const what = Array.isArray(value) ? 'a batch (arrays are not accepted; send one message per line)' : 'not a JSON object';
      this.answer(null, INVALID_REQUEST, `Invalid Request: the message is ${what}.`);
      return;
    }
    const message = value as { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };
    const { id, method, params } = message;
    if (id === undefined || 'result' in message || 'error' in message) {
      // A notification or a response: JSON-RPC answers neither.
      this.problem(new Error(`dropped a malformed ${typeof method === 'string' ? 'notification' : 'message'} on stdio (it cannot be answered)`));
      return;
    }
    if (!(typeof id === 'string' || Number.isSafeInteger(id))) {
      this.answer(null, INVALID_REQUEST, 'Invalid Request: "id" must be a string or an integer.');
      return;
    }
    const requestId = id as string | number;
    if (message.jsonrpc !== '2.0' || typeof method !== 'string') {
      this.answer(requestId, INVALID_REQUEST, 'Invalid Request: needs "jsonrpc": "2.0" and a string "method".');
      return;
    }
    const name = JSON.stringify(method.slice(0, 100));
    if (params === null || typeof params !== 'object' || Array.isArray(params)) {
      this.answer(requestId, INVALID_PARAMS, `Invalid params: "params" of ${name} must be an object (named parameters), or omitted.`);
      return;
    }
    this.answer(requestId, INVALID_PARAMS, `Invalid params of ${name}: "_meta" must be an object of the shape the protocol defines.`);
  }

  private answer(id: string | number | null, code: number, message: string, data?: unknown): void {
    if (this.closed) return;
    const error = { code, message, ...(data !== undefined ? { data } : {}) };
    // `id: null` is what JSON-RPC 2.0 prescribes when the request's id could not be read.
    this.send({ jsonrpc: '2.0', id, error } as unknown as JSONRPCMessage).catch((e: unknown) => this.problem(e as Error));
  }

  private problem(error: Error): void {
    this.options.onProblem?.(error);
  }

  private readonly onStdinError = (error: Error): void => {
    this.onerror?.(error);
  };

  private readonly onStdoutError = (error: Error): void => {
    if (this.closed) return;
    this.onerror?.(error);
    void this.close();
  };

  private readonly onStdinEnd = (): void => {
    void this.close();
  };
}
