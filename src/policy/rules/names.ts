import type { CertificateSpec } from '../../manifest/types.js';
import type { LintContext, Rule, RuleFinding } from '../types.js';
import { isWildcard, matchesAnyDnsPattern } from './dns-pattern.js';
import { fieldLocation } from './locate.js';
import { booleanParam, onlyKeys, stringList } from './params.js';

/** The DNS names a certificate asserts: its dnsNames, and a commonName that is a host name. */
function dnsNamesOf(cert: CertificateSpec): { name: string; field: string; item?: number }[] {
  const out: { name: string; field: string; item?: number }[] = cert.dnsNames.map((name, item) => ({ name, field: 'dnsNames', item }));
  if (cert.commonName && /^[*a-z0-9-]+(\.[a-z0-9-]+)+\.?$/i.test(cert.commonName) && !cert.dnsNames.includes(cert.commonName)) {
    out.push({ name: cert.commonName, field: 'commonName' });
  }
  return out;
}

export const dnsNamesRule: Rule = {
  id: 'dns-names',
  summary: 'DNS names must match the allowed patterns and none of the denied ones.',
  help: 'Patterns: "example.com" (exactly), "*.example.com" (one label under it), ".example.com" (any depth under it). Change the name, or ask the policy approvers to allow it.',
  scope: 'certificate',
  validate(config) {
    const problems: string[] = [];
    onlyKeys(config, ['allow', 'deny'], problems);
    const allow = stringList(config, 'allow', problems);
    const deny = stringList(config, 'deny', problems);
    if (!allow && !deny && !problems.length) problems.push('set "allow", "deny" or both (lists of DNS name patterns).');
    return problems;
  },
  check(ctx: LintContext, config, _policy, cert) {
    const allow = config.allow as string[] | undefined;
    const deny = (config.deny as string[] | undefined) ?? [];
    const out: RuleFinding[] = [];
    for (const { name, field, item } of dnsNamesOf(cert!)) {
      const denied = matchesAnyDnsPattern(name, deny);
      if (denied) out.push({ ...fieldLocation(ctx, cert!, field, item), message: `"${name}" matches the denied pattern "${denied}". Remove it from ${cert!.name}.` });
      else if (allow && !matchesAnyDnsPattern(name, allow)) {
        out.push({ ...fieldLocation(ctx, cert!, field, item), message: `"${name}" is outside the allowed names (${allow.join(', ')}). Use a name under an allowed domain, or ask the policy approvers to allow it.` });
      }
    }
    return out;
  },
};

export const ipSansRule: Rule = {
  id: 'ip-sans',
  summary: 'IP address SANs only where the policy allows them.',
  help: 'Publicly trusted CAs rarely issue for IP addresses and IPs change owners; use a DNS name, or allow IP SANs for this selection.',
  scope: 'certificate',
  validate(config) {
    const problems: string[] = [];
    onlyKeys(config, ['allow'], problems);
    booleanParam(config, 'allow', problems, false);
    return problems;
  },
  check(ctx, config, _policy, cert) {
    if (config.allow === true) return [];
    return cert!.ipAddresses.map((ip, item) => ({ ...fieldLocation(ctx, cert!, 'ipAddresses', item), message: `IP address SAN ${ip} is not allowed by policy. Use a DNS name instead.` }));
  },
};

export const wildcardsRule: Rule = {
  id: 'wildcards',
  summary: 'Wildcard names only where the policy allows them.',
  help: 'A wildcard certificate lets a leaked key impersonate every host in the zone. List the hosts instead, or allow the wildcard with `only:` patterns.',
  scope: 'certificate',
  validate(config) {
    const problems: string[] = [];
    onlyKeys(config, ['allow', 'only'], problems);
    booleanParam(config, 'allow', problems, false);
    stringList(config, 'only', problems);
    return problems;
  },
  check(ctx, config, _policy, cert) {
    const only = config.only as string[] | undefined;
    const allowed = config.allow === true;
    const out: RuleFinding[] = [];
    for (const { name, field, item } of dnsNamesOf(cert!)) {
      if (!isWildcard(name)) continue;
      if (only ? matchesAnyDnsPattern(name, only) || only.includes(name) : allowed) continue;
      out.push({
        ...fieldLocation(ctx, cert!, field, item),
        message: only
          ? `Wildcard "${name}" is not among the allowed wildcards (${only.join(', ')}). List the host names instead.`
          : `Wildcard "${name}" is not allowed by policy. List the host names instead.`,
      });
    }
    return out;
  },
};

export const maxSansRule: Rule = {
  id: 'max-sans',
  summary: 'A certificate carries at most this many subject alternative names.',
  help: 'Split the certificate in two: a large SAN list widens what one leaked key exposes and some CAs refuse it (Let\'s Encrypt: 100).',
  scope: 'certificate',
  validate(config) {
    const problems: string[] = [];
    onlyKeys(config, ['max'], problems);
    if (typeof config.max !== 'number' || !Number.isInteger(config.max) || config.max < 1) problems.push('"max" must be a positive integer.');
    return problems;
  },
  check(ctx, config, _policy, cert) {
    const c = cert!;
    const count = c.dnsNames.length + c.ipAddresses.length + c.uris.length + c.emailAddresses.length;
    const max = config.max as number;
    if (count <= max) return [];
    return [{ ...fieldLocation(ctx, c, 'dnsNames'), message: `${c.name} has ${count} subject alternative names; policy allows at most ${max}. Split it into several certificates.` }];
  },
};
