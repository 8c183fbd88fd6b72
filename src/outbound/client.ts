import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Dispatcher } from 'undici';
import { isTracing, tracer } from '../telemetry/tracing.js';
import { ToolError } from '../toolkit/errors.js';
import { backoffMs, retryAfterMs } from './backoff.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { type CacheLimits, freshnessMs, TtlCache } from './http-cache.js';

/**
 * Outbound HTTP for any toolset: one upstream per client, GET only, with the
 * rules every guide we build from insists on. undici underneath.
 * - Timeouts: connect (default 5 s) and response (default 15 s: to the headers,
 *   and between body chunks), and the whole call, retries and waits included,
 *   bounded by `totalTimeoutMs`.
 * - Retries: 429, 5xx, timeouts and connection failures, up to `retries` more
 *   attempts, with exponential backoff and full jitter; `Retry-After` (RFC 9110
 *   §10.2.3) is honoured, and a wait that would pass the deadline is not taken.
 * - Cache: 2xx responses are reused while their own headers allow (RFC 9111; see http-cache.ts).
 * - Circuit breaker: after repeated failed calls it answers `upstream_unavailable` at once.
 * - Cancellation: the caller's signal aborts the request in flight.
 * - Spans: one CLIENT span per attempt, HTTP client semantic conventions
 *   (`http.request.method`, `url.full`, `server.address`, `http.response.status_code`,
 *   `http.request.resend_count`).
 * Errors are `ToolError`s: `upstream_timeout` and `upstream_unavailable` (both
 * retryable, with `retryAfterMs` when known), `cancelled`, or the signal's own
 * reason (the timeout middleware's `timeout`). A non-2xx answer that is not
 * retried (3xx, 4xx other than 429) is returned for the toolset to map; its body
 * never reaches the model unmapped.
 */
export interface OutboundOptions {
  /** The upstream's name in messages and spans, e.g. `api.weather.gov`. */
  name: string;
  /** Sent on every request (many APIs refuse calls without one). */
  userAgent: string;
  /** Default 5,000 ms. */
  connectTimeoutMs?: number;
  /** Default 15,000 ms. */
  responseTimeoutMs?: number;
  /** Whole call including retries and waits; default connect + response timeout + 5,000 ms. */
  totalTimeoutMs?: number;
  /** Attempts after the first; default 2. */
  retries?: number;
  /** Backoff base and cap in ms; default 250 and 4,000. */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** Largest response body accepted, bytes; default 5 MiB. */
  maxResponseBytes?: number;
  /** Cache bounds, or `false` for none. */
  cache?: CacheLimits | false;
  /** Consecutive failed calls before the circuit opens (default 5), and how long it stays open (ms, default 30,000). */
  breaker?: { failureThreshold?: number; openMs?: number };
  /** For tests: a clock (ms) and a random source for the jitter. */
  now?: () => number;
  random?: () => number;
}

/** What a GET returned: the status, headers, and the body parsed as JSON when its type says JSON, else as text. */
export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  contentType: string;
  body: unknown;
  /** Served from the cache without a request. */
  cached: boolean;
}

type Undici = typeof import('undici');
/** undici, loaded by the first request: a server that never calls out never pays its load (~15% of a cold start). */
let undici: Undici | undefined;
const loadUndici = async (): Promise<Undici> => {
  undici ??= await import('undici');
  return undici;
};

type Attempt = { kind: 'response'; response: UpstreamResponse } | { kind: 'retryable'; reason: 'timeout' | 'unavailable'; detail: string; waitMs?: number };

export class OutboundClient {
  readonly cache: TtlCache<UpstreamResponse> | undefined;
  readonly breaker: CircuitBreaker;
  /** Requests actually sent (attempts), for tests and the config resource. */
  requests = 0;
  /** The connection pool, made with the first request. */
  private agent: Dispatcher | undefined;
  private readonly agentOptions: ConstructorParameters<Undici['Agent']>[0];
  private readonly now: () => number;
  private readonly o: Required<Pick<OutboundOptions, 'connectTimeoutMs' | 'responseTimeoutMs' | 'retries' | 'backoffBaseMs' | 'backoffCapMs' | 'maxResponseBytes'>> & {
    totalTimeoutMs: number;
  };

  constructor(private readonly options: OutboundOptions) {
    const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    const responseTimeoutMs = options.responseTimeoutMs ?? 15_000;
    this.o = {
      connectTimeoutMs,
      responseTimeoutMs,
      totalTimeoutMs: options.totalTimeoutMs ?? connectTimeoutMs + responseTimeoutMs + 5_000,
      retries: options.retries ?? 2,
      backoffBaseMs: options.backoffBaseMs ?? 250,
      backoffCapMs: options.backoffCapMs ?? 4_000,
      maxResponseBytes: options.maxResponseBytes ?? 5 * 1024 * 1024,
    };
    this.now = options.now ?? Date.now;
    this.agentOptions = {
      connect: { timeout: connectTimeoutMs },
      headersTimeout: responseTimeoutMs,
      bodyTimeout: responseTimeoutMs,
      maxResponseSize: this.o.maxResponseBytes,
    };
    this.cache = options.cache === false ? undefined : new TtlCache<UpstreamResponse>(options.cache, this.now);
    this.breaker = new CircuitBreaker(options.breaker, this.now);
  }

  /** The effective settings, for a config resource (no secrets here: the user agent is a contact, not a credential). */
  get settings() {
    return { ...this.o, userAgent: this.options.userAgent };
  }

  /**
   * GET `url` (absolute). `signal` is the caller's cancellation.
   * @throws ToolError `upstream_unavailable` | `upstream_timeout` | `cancelled`, or the signal's ToolError reason.
   */
  async get(url: string, opts: { signal?: AbortSignal; accept?: string } = {}): Promise<UpstreamResponse> {
    const accept = opts.accept ?? 'application/json';
    const key = `${accept} ${url}`;
    const hit = this.cache?.get(key);
    if (hit) return { ...hit, cached: true };
    if (!this.breaker.admit()) {
      throw new ToolError('upstream_unavailable', `${this.options.name} has been failing; not calling it for now.`, {
        retryAfterMs: this.breaker.retryAfterMs,
        hint: 'Retry after retryAfterMs.',
      });
    }
    const deadline = this.now() + this.o.totalTimeoutMs;
    const controller = new AbortController();
    const onAbort = () => controller.abort(opts.signal?.reason);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => controller.abort(new DeadlinePassed()), this.o.totalTimeoutMs);
    try {
      let last: Extract<Attempt, { kind: 'retryable' }> | undefined;
      for (let attempt = 0; attempt <= this.o.retries; attempt++) {
        if (attempt > 0 && last) {
          const wait = Math.max(last.waitMs ?? 0, backoffMs(attempt, this.o.backoffBaseMs, this.o.backoffCapMs, this.options.random));
          if (this.now() + wait >= deadline) break;
          await sleep(wait, controller.signal);
        }
        const result = await this.attempt(url, accept, attempt, controller.signal);
        if (result.kind === 'response') {
          this.breaker.success();
          const r = result.response;
          if (r.status >= 200 && r.status < 300 && this.cache) {
            this.cache.set(key, r, approxBytes(r.body), freshnessMs(r.headers, this.now()));
          }
          return r;
        }
        last = result;
      }
      this.breaker.failure();
      throw upstreamError(this.options.name, last, this.o.retries + 1);
    } catch (error) {
      throw this.aborted(error, opts.signal) ?? error;
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** How long (ms) a cached answer for this GET stays fresh; 0 when none is cached. A poller waits this long before asking again. */
  freshForMs(url: string, accept = 'application/json'): number {
    return this.cache?.remainingMs(`${accept} ${url}`) ?? 0;
  }

  async close(): Promise<void> {
    await this.agent?.close();
  }

  private async attempt(url: string, accept: string, attempt: number, signal: AbortSignal): Promise<Attempt> {
    this.requests++;
    const span = isTracing()
      ? tracer().startSpan('GET', {
          kind: SpanKind.CLIENT,
          attributes: {
            'http.request.method': 'GET',
            'url.full': url,
            'server.address': new URL(url).hostname,
            ...(attempt > 0 ? { 'http.request.resend_count': attempt } : {}),
          },
        })
      : undefined;
    const { Agent, errors, request } = await loadUndici();
    this.agent ??= new Agent(this.agentOptions);
    try {
      const res = await request(url, {
        dispatcher: this.agent,
        method: 'GET',
        headers: { 'user-agent': this.options.userAgent, accept },
        signal,
      });
      span?.setAttribute('http.response.status_code', res.statusCode);
      const contentType = String(res.headers['content-type'] ?? '');
      const text = await res.body.text();
      const response: UpstreamResponse = { status: res.statusCode, headers: res.headers, contentType, body: parseBody(text, contentType), cached: false };
      if (res.statusCode === 429 || res.statusCode >= 500) {
        span?.setStatus({ code: SpanStatusCode.ERROR });
        span?.setAttribute('error.type', String(res.statusCode));
        return { kind: 'retryable', reason: 'unavailable', detail: `HTTP ${res.statusCode}`, waitMs: retryAfterMs(res.headers['retry-after'], this.now()) };
      }
      return { kind: 'response', response };
    } catch (error) {
      if (signal.aborted) throw error;
      const timedOut = error instanceof errors.ConnectTimeoutError || error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError;
      span?.setStatus({ code: SpanStatusCode.ERROR });
      span?.setAttribute('error.type', timedOut ? 'timeout' : ((error as { code?: string }).code ?? 'error'));
      if (error instanceof errors.ResponseExceededMaxSizeError) {
        throw new ToolError('upstream_unavailable', `${this.options.name} sent a response over ${this.o.maxResponseBytes} bytes.`);
      }
      return { kind: 'retryable', reason: timedOut ? 'timeout' : 'unavailable', detail: timedOut ? 'no answer in time' : 'connection failed' };
    } finally {
      span?.end();
    }
  }

  /** Map an abort to the right error: the caller's reason (cancel or the timeout middleware), or our own deadline. */
  private aborted(error: unknown, callerSignal?: AbortSignal): ToolError | undefined {
    if (callerSignal?.aborted) {
      const reason = callerSignal.reason;
      return reason instanceof ToolError ? reason : new ToolError('cancelled', 'The call was cancelled; the upstream request was aborted.');
    }
    if (error instanceof DeadlinePassed || (error as { cause?: unknown })?.cause instanceof DeadlinePassed || isAbort(error)) {
      this.breaker.failure();
      return new ToolError('upstream_timeout', `${this.options.name} did not answer within ${this.o.totalTimeoutMs} ms.`, { hint: 'Retry later.' });
    }
    return undefined;
  }
}

class DeadlinePassed extends Error {}

function isAbort(error: unknown): boolean {
  return (undici !== undefined && error instanceof undici.errors.RequestAbortedError) || (error as { name?: string })?.name === 'AbortError';
}

function upstreamError(name: string, last: Extract<Attempt, { kind: 'retryable' }> | undefined, attempts: number): ToolError {
  const tried = `after ${attempts} attempt(s)`;
  if (last?.reason === 'timeout') return new ToolError('upstream_timeout', `${name} did not answer in time ${tried}.`, { hint: 'Retry later.' });
  return new ToolError('upstream_unavailable', `${name} is unavailable (${last?.detail ?? 'no answer'}) ${tried}.`, {
    ...(last?.waitMs !== undefined ? { retryAfterMs: last.waitMs } : {}),
    hint: 'Retry later; the upstream service is having trouble.',
  });
}

function parseBody(text: string, contentType: string): unknown {
  if (/[/+]json\b/i.test(contentType)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

function approxBytes(body: unknown): number {
  return typeof body === 'string' ? body.length : JSON.stringify(body).length;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
