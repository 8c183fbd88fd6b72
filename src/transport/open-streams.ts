import type { ServerResponse } from 'node:http';
import { AuthError } from '../auth/errors.js';
import { missingScopes, type Principal } from '../auth/principal.js';
import type { Logger } from '../telemetry/logger.js';

/** How often an open stream re-checks its credential by default (ms). */
export const DEFAULT_STREAM_RECHECK_MS = 30_000;

/** One open server-to-client stream: a 2026 `subscriptions/listen` response or a 2025 GET stream. */
export interface StreamSpec {
  /** The verified principal and workspace that opened it. */
  principal: string;
  workspace: string;
  /** The JSON-RPC id of the `subscriptions/listen` request (its subscription id); absent for a 2025 GET stream. */
  requestId?: string | number;
  /** The `Authorization` header value it was opened with, re-verified every `recheckMs` (absent without authentication). */
  authorization?: string;
  /** Expiry of the credential in seconds since the epoch, when it has one (JWT `exp`, API key `expires_at`). */
  expiresAt?: number;
  /** The scopes it needed when it opened (auth/scopes.ts `streamScopes`); the re-verified credential must still grant them all. */
  needs?: readonly string[];
}

interface Tracked extends StreamSpec {
  res: ServerResponse;
  interval?: NodeJS.Timeout;
  expiryTimer?: NodeJS.Timeout | undefined;
  ended: boolean;
}

export interface OpenStreamOptions {
  /** Re-verify a credential (the HTTP entry's authenticator); omitted without authentication. */
  verify?: (authorization: string | undefined) => Promise<Principal>;
  /** Interval of the credential re-check, ms (spec: at least once a minute). */
  recheckMs: number;
  logger: Logger;
}

/**
 * The open streams of the HTTP entry, so that a stream ends when its reason
 * to exist does (issue 13):
 * - its credential is re-verified every `recheckMs` and just after its expiry; when
 *   the key is revoked or expired, the token expired, the principal changed
 *   or it lost a scope the stream needed when it opened ({@link StreamSpec.needs}), the stream gets a final JSON-RPC error (for a
 *   listen stream) and ends;
 * - `notifications/cancelled` naming a listen stream's request id, sent by
 *   the same principal in the same workspace, ends that stream (spec
 *   2026-07-28 basic/utilities/cancellation; the SDK alone only ends it when
 *   the response is closed).
 * An ended stream's response is closed, which releases its slot in the
 * per-principal cap (the HTTP entry counts responses until `close`).
 */
export class OpenStreams {
  private readonly open = new Set<Tracked>();

  constructor(private readonly options: OpenStreamOptions) {}

  get size(): number {
    return this.open.size;
  }

  /** Track `res` until it closes. */
  track(res: ServerResponse, spec: StreamSpec): void {
    const stream: Tracked = { ...spec, res, ended: false };
    this.open.add(stream);
    res.once('close', () => this.forget(stream));
    if (this.options.verify && spec.authorization !== undefined) {
      stream.interval = setInterval(() => void this.recheck(stream), this.options.recheckMs).unref();
      this.armExpiry(stream, spec.expiresAt);
    }
  }

  /**
   * End the listen stream `requestId` of this principal and workspace. JSON-RPC
   * ids are chosen by clients, so two clients of one principal may both have
   * a listen with id 1: only the oldest such stream ends (one cancel, one
   * stream); a client whose stream ended this way re-listens.
   * @returns whether a stream was ended.
   */
  cancel(principal: string, workspace: string, requestId: string | number): boolean {
    for (const stream of this.open) {
      if (stream.ended || stream.requestId !== requestId || stream.principal !== principal || stream.workspace !== workspace) continue;
      this.end(stream);
      return true;
    }
    return false;
  }

  /** Stop every timer (server shutdown; the responses are closed by the server). */
  closeAll(): void {
    for (const stream of this.open) this.forget(stream);
  }

  private forget(stream: Tracked): void {
    clearInterval(stream.interval);
    clearTimeout(stream.expiryTimer);
    this.open.delete(stream);
  }

  /**
   * Re-check just after the credential's expiry when that comes before the
   * next periodic re-check. The verifier decides, with the leeway it gives
   * new requests (JWT clock skew), so a stream never ends while a new request
   * with the same credential would be accepted (a client would reconnect in a loop).
   */
  private armExpiry(stream: Tracked, expiresAt: number | undefined): void {
    if (expiresAt === undefined || stream.expiryTimer) return;
    const inMs = expiresAt * 1000 - Date.now();
    if (inMs <= 0 || inMs > this.options.recheckMs) return;
    stream.expiryTimer = setTimeout(() => {
      stream.expiryTimer = undefined;
      void this.recheck(stream);
    }, inMs + 10).unref();
  }

  private async recheck(stream: Tracked): Promise<void> {
    if (stream.ended || !this.options.verify) return;
    let principal: Principal;
    try {
      principal = await this.options.verify(stream.authorization);
    } catch (error) {
      if (error instanceof AuthError) return this.fail(stream, `The credential of this stream is no longer valid: ${error.message}`);
      // The authorization server being unreachable says nothing about the token: keep the stream (its expiry still applies).
      this.options.logger.warn({ err: error, principal: stream.principal }, 'cannot re-verify an open stream credential; keeping the stream');
      return;
    }
    if (principal.id !== stream.principal || principal.workspace !== stream.workspace) {
      return this.fail(stream, 'The credential of this stream now names another principal or workspace.');
    }
    const lost = missingScopes(principal.scopes, stream.needs ?? []);
    if (lost.length > 0) return this.fail(stream, `The credential of this stream no longer grants ${lost.join(' ')}.`);
    this.armExpiry(stream, principal.expiresAt);
  }

  private fail(stream: Tracked, message: string): void {
    if (stream.ended) return;
    this.options.logger.info({ principal: stream.principal, workspace: stream.workspace, reason: message }, 'closing an open stream: credential check failed');
    this.end(stream, { code: -32001, message: `${message} Reconnect with a valid credential.`, data: { reason: 'credential' } });
  }

  /**
   * Close the stream's response. A listen stream first gets a JSON-RPC error
   * for its request id when `error` is given (an SSE event written between
   * the SDK's whole-frame writes). Writes the SDK attempts after the end are
   * swallowed: the `close` that follows makes it stop.
   */
  private end(stream: Tracked, error?: { code: number; message: string; data?: unknown }): void {
    stream.ended = true;
    const { res } = stream;
    res.on('error', () => undefined);
    if (!res.headersSent) {
      res.destroy();
      return;
    }
    if (error && stream.requestId !== undefined && !res.writableEnded) {
      res.write(`event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: stream.requestId, error })}\n\n`);
    }
    res.end();
  }
}
