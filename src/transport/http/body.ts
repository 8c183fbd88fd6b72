import type { IncomingMessage, ServerResponse } from 'node:http';
import { INVALID_REQUEST, limitData, MAX_MESSAGE_DEPTH, nestsDeeperThan, tooDeepMessage } from '../message-limits.js';
import { sendJsonRpcError } from '../responses.js';

class BodyTooLarge extends Error {}

/**
 * Reads a POST body and parses it once: larger than `maxBytes` is 413 (and the
 * connection closed), nested deeper than {@link MAX_MESSAGE_DEPTH} levels is
 * 400 -32600 naming the limit (checked on the raw text, before parsing), not
 * JSON is 400 -32700.
 *
 * @returns the parsed message, or `undefined` when the request has been answered.
 */
export async function readMessage(req: IncomingMessage, res: ServerResponse, maxBytes: number): Promise<{ body: unknown } | undefined> {
  let raw: string;
  try {
    raw = await readBody(req, maxBytes);
  } catch (error) {
    if (error instanceof BodyTooLarge) {
      res.setHeader('connection', 'close');
      sendJsonRpcError(res, 413, -32000, `Request body larger than ${maxBytes} bytes (--max-body-bytes).`, limitData('max_bytes', maxBytes));
      return undefined;
    }
    throw error;
  }
  if (nestsDeeperThan(raw)) {
    sendJsonRpcError(res, 400, INVALID_REQUEST, tooDeepMessage(), limitData('max_depth', MAX_MESSAGE_DEPTH));
    return undefined;
  }
  try {
    return { body: JSON.parse(raw) };
  } catch {
    sendJsonRpcError(res, 400, -32700, 'Parse error: the request body is not valid JSON.');
    return undefined;
  }
}

async function readBody(req: IncomingMessage, max: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
