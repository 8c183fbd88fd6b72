import { randomBytes } from 'node:crypto';
import { createRequestStateCodec } from '@modelcontextprotocol/server';

/**
 * Integrity protection for `requestState` in multi round-trip `input_required`
 * results (spec 2026-07-28, SEP-2322): the state comes back from the client, so
 * it is HMAC-sealed with a per-process key and a TTL when minted, and the SDK
 * rejects tampered or expired state (-32602) before a handler runs. Per process:
 * state minted by one replica does not verify on another (acceptable for the
 * fixtures that use it today; a shared key comes with scale-out).
 */
export const requestState = createRequestStateCodec<Record<string, unknown>>({ key: new Uint8Array(randomBytes(32)) });
