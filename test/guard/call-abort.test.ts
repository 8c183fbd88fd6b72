import { describe, expect, it } from 'vitest';
import { throwIfAborted } from '../../src/guard/abort-scope.js';
import { CallAbort } from '../../src/guard/call-abort.js';
import { ToolError } from '../../src/toolkit/errors.js';

/** A call's cancellation read live from the client's signal and the deadline; its AbortSignal made only on demand. */
describe('CallAbort', () => {
  const timedOut = new ToolError('timeout', 'too slow');

  it('reads the client signal live, with no AbortSignal made until one is asked for', () => {
    const client = new AbortController();
    const abort = new CallAbort(client.signal);
    expect(abort.aborted).toBe(false);
    expect(() => throwIfAborted(abort)).not.toThrow();
    client.abort('user');
    expect(abort.aborted).toBe(true);
    expect(abort.reason).toBe('user');
    expect(() => throwIfAborted(abort)).toThrow(expect.objectContaining({ code: 'cancelled' }));
    // Asked for after the fact: already aborted, with the client's reason.
    expect(abort.signal.aborted).toBe(true);
    expect(abort.signal.reason).toBe('user');
  });

  it('aborts a signal made before the deadline, and one made after it, with the timeout error', () => {
    const early = new CallAbort(new AbortController().signal);
    const held = early.signal;
    expect(early.signal).toBe(held); // the same signal on every read
    early.expire(timedOut);
    expect(held.aborted).toBe(true);
    expect(held.reason).toBe(timedOut);
    expect(() => throwIfAborted(early)).toThrow(timedOut);

    const late = new CallAbort(new AbortController().signal);
    late.expire(timedOut);
    expect(late.aborted).toBe(true);
    expect(late.signal.reason).toBe(timedOut);
  });

  it('forwards a client cancellation to a signal already handed out, and keeps the first reason', () => {
    const client = new AbortController();
    const abort = new CallAbort(client.signal);
    const held = abort.signal;
    client.abort('user');
    expect(held.aborted).toBe(true);
    abort.expire(timedOut); // the deadline after a cancellation changes nothing
    expect(abort.reason).toBe('user');
    expect(held.reason).toBe('user');
  });

  it('stops listening to the client once disposed', () => {
    const client = new AbortController();
    const abort = new CallAbort(client.signal);
    const held = abort.signal;
    abort.dispose();
    client.abort('late');
    expect(held.aborted).toBe(false);
  });
});
