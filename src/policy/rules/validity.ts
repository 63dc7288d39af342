import { formatDuration, parseDuration } from '../../manifest/duration.js';
import type { IssuerSpec } from '../../manifest/types.js';
import { cabfCapAt } from '../cabf.js';
import type { Rule, RuleFinding } from '../types.js';
import { fieldLocation } from './locate.js';
import { noParameters, onlyKeys } from './params.js';

/** ACME CAs are public unless the manifest says otherwise; a private CA is private unless it says so. */
function isPubliclyTrusted(issuer: IssuerSpec | undefined): boolean {
  if (!issuer) return false;
  return issuer.publiclyTrusted ?? issuer.acme !== undefined;
}

const isoDate = (d: Date) => d.toISOString().slice(0, 10);

export const maxDurationRule: Rule = {
  id: 'max-duration',
  summary: 'A certificate lives no longer than the policy maximum.',
  help: 'Lower duration (and renewBefore with it), or ask the policy approvers for a longer maximum.',
  scope: 'certificate',
  validate(config) {
    const problems: string[] = [];
    onlyKeys(config, ['max'], problems);
    if (typeof config.max !== 'string' || !parseDuration(config.max)) problems.push('"max" must be a duration such as 398d or 2160h.');
    return problems;
  },
  check(ctx, config, _policy, cert) {
    const max = parseDuration(config.max as string)!;
    if (cert!.durationMs <= max) return [];
    return [{ ...fieldLocation(ctx, cert!, 'duration'), message: `duration ${cert!.duration} exceeds the policy maximum of ${String(config.max)}. Set duration to ${String(config.max)} or less.` }];
  },
};

export const cabfValidityRule: Rule = {
  id: 'cabf-validity',
  summary: 'Publicly trusted certificates respect the CA/Browser Forum maximum validity for their issue date.',
  help: 'From 2026-03-15 the cap is 200 days, from 2027-03-15 100 days, from 2029-03-15 47 days. Lower duration; certops renews automatically, so shorter lifetimes cost nothing.',
  scope: 'certificate',
  validate: noParameters,
  check(ctx, _config, _policy, cert) {
    const c = cert!;
    if (!isPubliclyTrusted(ctx.manifest.issuers[c.issuer])) return [];
    // The next issuance happens now (or at the next renewal run), so the cap in force now applies.
    const cap = cabfCapAt(ctx.now);
    // Located only for a finding: on a clean manifest the position index is never built.
    const where = () => fieldLocation(ctx, c, 'duration');
    const out: RuleFinding[] = [];
    if (c.durationMs > cap.maxMs) {
      out.push({ ...where(), message: `duration ${c.duration} exceeds the CA/Browser Forum cap of ${cap.maxDays} days for publicly trusted certificates issued on ${isoDate(ctx.now)}. Set duration to ${cap.maxDays}d or less.` });
    } else if (cap.next && c.durationMs > cap.next.maxDays * 86_400_000) {
      out.push({
        ...where(),
        severity: 'warning',
        message: `duration ${c.duration} will exceed the CA/Browser Forum cap on ${isoDate(cap.next.from)}, when it drops to ${cap.next.maxDays} days. Lower it to ${cap.next.maxDays}d or less before then.`,
      });
    }
    return out;
  },
};

export const renewalWindowRule: Rule = {
  id: 'renewal-window',
  summary: 'The renewal window is shorter than the lifetime and long enough to leave time for retries.',
  help: 'Set renewBefore (or renewBeforePercentage) so that renewal starts with at least a third of the lifetime left and before the certificate is issued again.',
  scope: 'certificate',
  validate(config) {
    const problems: string[] = [];
    onlyKeys(config, ['minFraction'], problems);
    const f = config.minFraction;
    if (f !== undefined && (typeof f !== 'number' || f <= 0 || f >= 1)) problems.push('"minFraction" must be a number between 0 and 1.');
    return problems;
  },
  check(ctx, config, _policy, cert) {
    const c = cert!;
    const minFraction = (config.minFraction as number | undefined) ?? 1 / 3;
    let windowMs: number;
    let field: string;
    let described: string;
    if (c.renewBeforeMs !== undefined) {
      windowMs = c.renewBeforeMs;
      field = 'renewBefore';
      described = `renewBefore ${c.renewBefore}`;
    } else if (c.renewBeforePercentage !== undefined) {
      windowMs = (c.durationMs * c.renewBeforePercentage) / 100;
      field = 'renewBeforePercentage';
      described = `renewBeforePercentage ${c.renewBeforePercentage}%`;
    } else return []; // the default window is a third of the lifetime: always sane
    const where = () => fieldLocation(ctx, c, field);
    if (windowMs >= c.durationMs) {
      return [{ ...where(), severity: 'error', message: `${described} is not shorter than duration ${c.duration}: the certificate would be due the moment it is issued, so the window can never be met. Set it below ${formatDuration(c.durationMs)}, e.g. ${formatDuration(c.durationMs / 3)}.` }];
    }
    if (windowMs < c.durationMs * minFraction - 1000) {
      return [{ ...where(), message: `${described} leaves ${formatDuration(windowMs)} of a ${c.duration} lifetime to renew in; policy wants at least ${Math.round(minFraction * 100)}% (${formatDuration(c.durationMs * minFraction)}) so failed renewals can be retried before expiry.` }];
    }
    return [];
  },
};
