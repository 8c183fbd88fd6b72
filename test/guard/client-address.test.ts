import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { cidrProblem, clientAddressResolver } from '../../src/guard/client-address.js';

/** Which address a request is counted against (src/guard/client-address.ts). */
describe('client address', () => {
  const behindProxies = clientAddressResolver(['127.0.0.1', '10.0.0.0/8', 'fd00::/8']);

  it('is the socket peer when no proxy is trusted, whatever the headers claim', () => {
    const none = clientAddressResolver([]);
    expect(none('127.0.0.1', { 'x-forwarded-for': '203.0.113.1', forwarded: 'for=203.0.113.2' })).toBe('127.0.0.1');
    expect(none('::ffff:192.0.2.4', {})).toBe('192.0.2.4');
    expect(none(undefined, {})).toBe('unknown');
  });

  it('ignores the headers from a peer outside --trust-proxy', () => {
    expect(behindProxies('192.0.2.50', { 'x-forwarded-for': '203.0.113.1' })).toBe('192.0.2.50');
  });

  it('reads X-Forwarded-For right to left past trusted hops (a client-written prefix is never used)', () => {
    expect(behindProxies('127.0.0.1', { 'x-forwarded-for': '203.0.113.1' })).toBe('203.0.113.1');
    expect(behindProxies('127.0.0.1', { 'x-forwarded-for': '198.51.100.9, 203.0.113.1, 10.1.2.3' })).toBe('203.0.113.1');
    expect(behindProxies('::ffff:127.0.0.1', { 'x-forwarded-for': '203.0.113.1:5555' })).toBe('203.0.113.1');
    // Only proxies in the chain: the farthest one.
    expect(behindProxies('127.0.0.1', { 'x-forwarded-for': '10.0.0.7, 10.0.0.8' })).toBe('10.0.0.7');
    // No header from a trusted proxy: the proxy itself.
    expect(behindProxies('127.0.0.1', {})).toBe('127.0.0.1');
  });

  it('prefers Forwarded (RFC 7239): quoted IPv6 with port, several elements, obfuscated nodes kept opaque', () => {
    expect(behindProxies('127.0.0.1', { forwarded: 'for="[2001:DB8::17]:4711";proto=https;by=10.0.0.1', 'x-forwarded-for': '203.0.113.1' })).toBe('2001:db8::17');
    expect(behindProxies('127.0.0.1', { forwarded: 'for=198.51.100.9, for=203.0.113.1;proto=http, for="[fd00::5]"' })).toBe('203.0.113.1');
    expect(behindProxies('127.0.0.1', { forwarded: 'for=_hidden, for=10.0.0.2' })).toBe('_hidden');
    expect(behindProxies('127.0.0.1', { forwarded: 'proto=https' })).toBe('127.0.0.1');
  });

  it('validates --trust-proxy entries, naming the bad one', () => {
    expect(cidrProblem('10.0.0.0/8')).toBeNull();
    expect(cidrProblem('::1')).toBeNull();
    expect(cidrProblem('10.0.0.0/33')).toMatch(/prefix length must be 0-32/);
    expect(cidrProblem('localhost')).toMatch(/not an IP address or CIDR/);
    expect(loadConfig({ 'trust-proxy': '127.0.0.1/32, fd00::/8' }, {}).trustProxy).toEqual(['127.0.0.1/32', 'fd00::/8']);
    expect(loadConfig({}, { TASKWIRE_TRUST_PROXY: '10.0.0.0/8' }).trustProxy).toEqual(['10.0.0.0/8']);
    expect(loadConfig({}, {}).trustProxy).toEqual([]);
    expect(() => loadConfig({ 'trust-proxy': '127.0.0.1,nginx' }, {})).toThrow(/"nginx" is not an IP address/);
  });
});
