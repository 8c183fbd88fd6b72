import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { isInitializeRequest } from '@modelcontextprotocol/server';
import type { Connection, ServerFactory } from '../server/build.js';
import type { Logger } from '../telemetry/logger.js';
import { openSession } from '../telemetry/metrics.js';
import { noteCause } from './request-scope.js';
import { sendJsonRpcError } from './responses.js';

interface Session {
  transport: NodeStreamableHTTPServerTransport;
  /** Who opened it: only the same principal, workspace and grant may use it. */
  owner: string;
  close(): Promise<void>;
  lastSeen: number;
  /** Requests (and open GET streams) in flight; an idle sweep never closes a busy session. */
  busy: number;
}

/** Who a request comes from: the verified principal (or the local user without authentication). */
export type Caller = Omit<Connection, 'era' | 'longLived'>;

export interface LegacySessionOptions {
  factory: ServerFactory;
  /** A session unused this long (ms) is closed. */
  idleMs: number;
  maxSessions: number;
  /** Most sessions one principal may hold (429 beyond). */
  maxPerPrincipal: number;
  logger: Logger;
  /**
   * Prepended to every session id (e.g. `r1.`), so a load balancer can send a
   * session's requests back to the replica that holds it (deploy/nginx.conf).
   */
  sessionIdPrefix?: string;
}

/**
 * Sessionful serving for 2025-era clients (spec 2025-11-25, basic/transports
 * "Session Management"): `initialize` creates a session and its own server
 * instance, answered with `Mcp-Session-Id`; later requests are routed by that
 * header; an unknown id is answered 404 so the client re-initializes; DELETE
 * ends the session; idle sessions are reaped. Sessions live in this process:
 * behind a load balancer, route by the session id's prefix (`sessionIdPrefix`,
 * README "Scale out"); a client routed elsewhere gets 404 and re-initializes.
 */
export class LegacySessions {
  private readonly sessions = new Map<string, Session>();
  /** initialize requests in flight: counted against maxSessions before their session exists. */
  private opening = 0;
  /** Sessions (open or opening) per principal. */
  private readonly perPrincipal = new Map<string, number>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly options: LegacySessionOptions) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(options.idleMs, 60_000)).unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  /**
   * Serve one request of `caller`. A session is bound to the principal,
   * workspace and scopes that opened it: anyone else presenting its id is
   * answered exactly like an unknown id (404), so ids cannot be probed or
   * hijacked; a principal whose scopes changed (step-up) re-initializes.
   */
  async handle(req: IncomingMessage, res: ServerResponse, body: unknown, caller: Caller): Promise<void> {
    const header = req.headers['mcp-session-id'];
    const sessionId = Array.isArray(header) ? header[0] : header;
    if (sessionId) {
      const session = this.sessions.get(sessionId);
      if (!session || session.owner !== ownerKey(caller)) {
        sendJsonRpcError(res, 404, -32001, 'Session not found: it expired or the server restarted. Send initialize again.');
        return;
      }
      await this.dispatch(session, req, res, body);
      return;
    }
    if (req.method === 'POST' && isInitializeRequest(body)) {
      if (this.sessions.size + this.opening >= this.options.maxSessions) {
        res.setHeader('Retry-After', '5');
        sendJsonRpcError(res, 503, -32000, `Too many sessions (limit ${this.options.maxSessions}); retry shortly.`);
        return;
      }
      if ((this.perPrincipal.get(caller.principal) ?? 0) >= this.options.maxPerPrincipal) {
        res.setHeader('Retry-After', '30');
        sendJsonRpcError(
          res,
          429,
          -32000,
          `Too many sessions for this principal (limit ${this.options.maxPerPrincipal}); end unused ones (DELETE) or wait for them to expire.`,
        );
        return;
      }
      await this.create(req, res, body, caller);
      return;
    }
    sendJsonRpcError(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required (send initialize first).');
  }

  private count(principal: string, delta: number): void {
    const n = (this.perPrincipal.get(principal) ?? 0) + delta;
    if (n <= 0) this.perPrincipal.delete(principal);
    else this.perPrincipal.set(principal, n);
  }

  private async create(req: IncomingMessage, res: ServerResponse, body: unknown, caller: Caller): Promise<void> {
    const server = this.options.factory({ ...caller, era: 'legacy', longLived: true, transport: 'tcp' });
    let session: Session | undefined;
    let closeSession: (() => void) | undefined;
    this.opening++;
    this.count(caller.principal, 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.count(caller.principal, -1);
    };
    const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => `${this.options.sessionIdPrefix ?? ''}${randomUUID()}`,
      onsessioninitialized: (id) => {
        session = {
          transport,
          owner: ownerKey(caller),
          close: async () => {
            release();
            await server.close();
          },
          lastSeen: Date.now(),
          busy: 0,
        };
        this.sessions.set(id, session);
        closeSession = openSession('tcp');
      },
    });
    transport.onclose = () => {
      release();
      closeSession?.();
      if (transport.sessionId) this.sessions.delete(transport.sessionId);
    };
    try {
      await server.connect(transport);
      const reported = transport.onerror;
      transport.onerror = (error) => {
        noteCause(error); // logged with the request if it ends in a 5xx (request-scope.ts)
        reported?.(error);
      };
      await transport.handleRequest(req, res, body);
    } finally {
      this.opening--;
      // The transport refused the initialize (406, 415, 400...): no session was stored, so nothing
      // else would ever close this server and release its change listeners.
      if (!session) {
        release();
        await server.close().catch(() => undefined);
      }
    }
  }

  private async dispatch(session: Session, req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    session.busy++;
    session.lastSeen = Date.now();
    const done = () => {
      session.busy--;
      session.lastSeen = Date.now();
    };
    res.once('close', done);
    await session.transport.handleRequest(req, res, body);
  }

  private sweep(): void {
    const cutoff = Date.now() - this.options.idleMs;
    for (const [id, session] of this.sessions) {
      if (session.busy === 0 && session.lastSeen < cutoff) {
        this.sessions.delete(id);
        this.options.logger.debug({ session: id }, 'closing idle 2025 session');
        void session.close().catch(() => undefined);
      }
    }
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.allSettled(all.map((s) => s.close()));
  }
}

/** Principal, workspace and granted scopes: what a session is bound to. */
function ownerKey(caller: Caller): string {
  return JSON.stringify([caller.principal, caller.workspace, caller.scopes ? [...caller.scopes].sort() : null]);
}
