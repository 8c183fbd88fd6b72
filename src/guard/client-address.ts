import type { IncomingHttpHeaders } from 'node:http';
import { BlockList, isIP } from 'node:net';

/**
 * The client address a request is counted against (README "Guardrails"):
 * the socket's peer, unless that peer is a trusted proxy (`--trust-proxy`),
 * in which case the proxies' own record of the hops is believed:
 * `Forwarded` (RFC 7239 §4, its `for=` parameters) when present, else
 * `X-Forwarded-For`. Hops are read right to left (nearest first) and trusted
 * proxies skipped: the first hop not in the list is the client. Anything a
 * client wrote further left is its own claim and never used, so a spoofed
 * `X-Forwarded-For` cannot pick another caller's budget. An untrusted peer's
 * headers are ignored entirely.
 */
export type ClientAddressResolver = (socketAddress: string | undefined, headers: IncomingHttpHeaders) => string;

/**
 * One `--trust-proxy` entry: an IPv4/IPv6 address or CIDR (`10.0.0.0/8`, `fd00::/8`).
 * @returns the problem in words, or `null` when the entry is valid.
 */
export function cidrProblem(entry: string): string | null {
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return `"${entry}" is not an IP address or CIDR (like 10.0.0.0/8 or fd00::/8)`;
  if (prefix === undefined) return null;
  const bits = Number(prefix);
  const max = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || bits > max) return `"${entry}": the prefix length must be 0-${max}`;
  return null;
}

/** `::ffff:10.1.2.3` → `10.1.2.3`, so one client has one key whichever socket family carried it. */
export function normalizeAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return (mapped?.[1] ?? address).toLowerCase();
}

/**
 * Build the resolver for a `--trust-proxy` list (entries already validated by
 * {@link cidrProblem}). With an empty list every request is its socket's peer.
 */
export function clientAddressResolver(trustProxy: readonly string[]): ClientAddressResolver {
  const peer = (socketAddress: string | undefined) => normalizeAddress(socketAddress ?? 'unknown');
  if (trustProxy.length === 0) return peer;
  const trusted = new BlockList();
  for (const entry of trustProxy) {
    const [address = '', prefix] = entry.split('/');
    const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) trusted.addAddress(address, type);
    else trusted.addSubnet(address, Number(prefix), type);
  }
  const isTrusted = (address: string) => {
    const family = isIP(address);
    return family !== 0 && trusted.check(address, family === 4 ? 'ipv4' : 'ipv6');
  };
  return (socketAddress, headers) => {
    const direct = peer(socketAddress);
    if (!isTrusted(direct)) return direct;
    const hops = forwardedHops(headers);
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i] as string;
      if (!isTrusted(hop)) return hop;
    }
    // Every hop is a trusted proxy (or there are none): the farthest one is the best we know.
    return hops[0] ?? direct;
  };
}

/** The hop addresses a proxy recorded, nearest last; `Forwarded` wins over `X-Forwarded-For`. */
function forwardedHops(headers: IncomingHttpHeaders): string[] {
  const forwarded = headers.forwarded;
  if (forwarded) {
    const hops: string[] = [];
    // Elements are comma-separated, pairs within one element semicolon-separated (RFC 7239 §4).
    for (const element of splitOutsideQuotes(forwarded, ',')) {
      for (const pair of splitOutsideQuotes(element, ';')) {
        const eq = pair.indexOf('=');
        if (eq < 0 || pair.slice(0, eq).trim().toLowerCase() !== 'for') continue;
        hops.push(nodeAddress(pair.slice(eq + 1).trim()));
      }
    }
    return hops;
  }
  const xff = headers['x-forwarded-for'];
  const joined = Array.isArray(xff) ? xff.join(',') : xff;
  if (!joined) return [];
  return joined
    .split(',')
    .map((h) => nodeAddress(h.trim()))
    .filter(Boolean);
}

/**
 * One node of a hop list: `"[2001:db8::1]:4711"` → `2001:db8::1`, `192.0.2.1:80` → `192.0.2.1`.
 * Obfuscated identifiers and `unknown` (RFC 7239 §6) stay as they are: opaque keys, never trusted.
 */
function nodeAddress(raw: string): string {
  let node = raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2 ? raw.slice(1, -1) : raw;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(node);
  if (bracketed?.[1]) node = bracketed[1];
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(node)) node = node.slice(0, node.lastIndexOf(':'));
  return normalizeAddress(node);
}

function splitOutsideQuotes(value: string, separator: ',' | ';'): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of value) {
    if (ch === '"') quoted = !quoted;
    if (ch === separator && !quoted) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter(Boolean);
}
