import { isIPv6 } from 'node:net';

/**
 * One spelling per address, so `::1`, `0:0:0:0:0:0:0:1` and `::0001` compare equal: IPv6 as the
 * WHATWG URL parser writes it (RFC 5952 compression, an embedded IPv4 as hex). IPv4 and anything
 * that is not an IPv6 address (a zone id included) come back as they are.
 */
export function normalizeIp(ip: string): string {
  // Every IPv6 address has a colon. Checking first spares IPv4-only repositories isIPv6's first
  // call, which compiles its large pattern: ~4 ms of the lint action's cold start.
  if (!ip.includes(':') || ip.includes('%') || !isIPv6(ip)) return ip;
  return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
}
