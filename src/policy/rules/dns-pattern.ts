/**
 * DNS name patterns in policies:
 * - `example.com`   exactly that name;
 * - `*.example.com` one label under example.com (as a DNS wildcard covers);
 * - `.example.com`  any name under example.com, at any depth (a suffix).
 * Names compare case-insensitively and without a trailing dot.
 */
function matchesDnsPattern(name: string, pattern: string): boolean {
  const n = normalize(name);
  const p = normalize(pattern);
  if (p.startsWith('.')) return n.endsWith(p) && n.length > p.length;
  if (p.startsWith('*.')) {
    const suffix = p.slice(1);
    if (!n.endsWith(suffix)) return false;
    const label = n.slice(0, n.length - suffix.length);
    return label.length > 0 && !label.includes('.');
  }
  return n === p;
}

export function matchesAnyDnsPattern(name: string, patterns: readonly string[]): string | undefined {
  return patterns.find((p) => matchesDnsPattern(name, p));
}

function normalize(s: string): string {
  return s.toLowerCase().replace(/\.$/, '');
}

export function isWildcard(name: string): boolean {
  return name.startsWith('*.');
}
