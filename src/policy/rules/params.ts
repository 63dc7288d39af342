import type { RuleConfig } from '../types.js';

/** Small readers for rule parameters: each returns the value or pushes a problem. */
export function stringList(config: RuleConfig, key: string, problems: string[], required = false): string[] | undefined {
  const v = config[key];
  if (v === undefined) {
    if (required) problems.push(`"${key}" is required (a list of strings).`);
    return undefined;
  }
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    problems.push(`"${key}" must be a list of strings.`);
    return undefined;
  }
  return v as string[];
}

export function booleanParam(config: RuleConfig, key: string, problems: string[], fallback: boolean): boolean {
  const v = config[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') {
    problems.push(`"${key}" must be true or false.`);
    return fallback;
  }
  return v;
}

/** Keeps only the keys a rule knows, so a typo in a parameter is reported, not ignored. */
export function onlyKeys(config: RuleConfig, allowed: string[], problems: string[]): void {
  for (const k of Object.keys(config)) {
    if (k !== 'severity' && k !== 'message' && !allowed.includes(k)) problems.push(`unknown parameter "${k}"${allowed.length ? ` (this rule takes ${allowed.join(', ')})` : ' (this rule takes none)'}.`);
  }
}

/** validate() of a rule that takes no parameters beyond severity and message. */
export function noParameters(config: RuleConfig): string[] {
  const problems: string[] = [];
  onlyKeys(config, [], problems);
  return problems;
}
