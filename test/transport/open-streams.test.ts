import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/principal.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { OpenStreams } from '../../src/transport/open-streams.js';
import { eventually } from '../harness.js';

/** An SSE response that has sent its headers: records what is written, closes on end. */
function sseResponse() {
  const res = Object.assign(new EventEmitter(), {
    headersSent: true,
    writableEnded: false,
    written: [] as string[],
    write(chunk: string) {
      res.written.push(chunk);
      return true;
    },
    end() {
      res.writableEnded = true;
      res.emit('close');
    },
    destroy() {
      res.emit('close');
    },
  });
  return res;
}

const principal = (scopes: string[]): Principal => ({ id: 'key:1', workspace: 'acme', scopes: new Set(scopes), via: 'api-key' });

describe('OpenStreams re-checks what each stream needed when it opened', () => {
  it('ends a stream whose credential lost one of its scopes, naming it; keeps one that needs only what is still granted', async () => {
    let granted = ['weather:read', 'notes:read'];
    const streams = new OpenStreams({ verify: async () => principal(granted), recheckMs: 20, logger: silentLogger });
    const weather = sseResponse();
    const notes = sseResponse();
    streams.track(weather as unknown as ServerResponse, { principal: 'key:1', workspace: 'acme', requestId: 1, authorization: 'Bearer x', needs: ['weather:read'] });
    streams.track(notes as unknown as ServerResponse, { principal: 'key:1', workspace: 'acme', requestId: 2, authorization: 'Bearer x', needs: ['notes:read'] });
    await new Promise((r) => setTimeout(r, 60));
    expect(weather.writableEnded || notes.writableEnded).toBe(false); // still granted: re-checks pass
    granted = ['notes:read'];
    await eventually(() => weather.writableEnded, 2000, 'the weather stream to end');
    const error = JSON.parse(String(weather.written[0]).replace(/^event: message\ndata: /, ''));
    expect(error).toMatchObject({ id: 1, error: { code: -32001, data: { reason: 'credential' } } });
    expect(error.error.message).toContain('no longer grants weather:read');
    await new Promise((r) => setTimeout(r, 60));
    expect(notes.writableEnded).toBe(false);
    expect(streams.size).toBe(1);
    streams.closeAll();
  });

  it('keeps a stream that needed no scope while its credential stays valid', async () => {
    const streams = new OpenStreams({ verify: async () => principal(['tasks:write']), recheckMs: 20, logger: silentLogger });
    const res = sseResponse();
    streams.track(res as unknown as ServerResponse, { principal: 'key:1', workspace: 'acme', authorization: 'Bearer x', needs: [] });
    await new Promise((r) => setTimeout(r, 80));
    expect(res.writableEnded).toBe(false);
    streams.closeAll();
  });
});
