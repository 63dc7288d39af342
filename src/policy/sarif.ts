import { createHash } from 'node:crypto';
import type { Finding, Severity } from '../findings.js';
import { HOMEPAGE, VERSION } from '../version.js';
import { BUILTIN_RULE_METADATA, type RuleMetadata } from './builtin-rule-metadata.js';
import { RULES } from './rules/index.js';

/** The parts of a SARIF 2.1.0 log that certops writes. */
export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: SarifRun[];
}

export interface SarifRun {
  tool: { driver: SarifDriver };
  columnKind: 'utf16CodeUnits';
  results: SarifResult[];
}

export interface SarifDriver {
  name: string;
  version: string;
  semanticVersion: string;
  informationUri?: string;
  rules: SarifRule[];
}

export interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  help: { text: string };
  properties: { tags: string[] };
}

export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: 'error' | 'warning' | 'note';
  message: { text: string };
  locations: [
    {
      physicalLocation: {
        artifactLocation: { uri: string; uriBaseId: '%SRCROOT%' };
        region: { startLine: number; startColumn: number };
      };
    },
  ];
  partialFingerprints: Record<string, string>;
  properties?: { certificate?: string; jsonPath?: string };
}

export interface SarifOptions {
  /**
   * Directory of the linted repository relative to the checkout root (`infra/pki`), prepended
   * to every path: code scanning resolves URIs against the checkout, not against `--repo`.
   */
  pathPrefix?: string;
  /** Where users learn about the tool; defaults to package.json's `homepage` when it has one. */
  informationUri?: string;
}

const SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';
const LEVEL: Record<Severity, SarifResult['level']> = { error: 'error', warning: 'warning', notice: 'note' };

/** The summary and help of a rule id, whether it is a policy rule or a built-in load check. */
export function ruleMetadata(id: string): RuleMetadata {
  const rule = RULES.get(id);
  if (rule) return { id, summary: rule.summary, help: rule.help };
  return (
    BUILTIN_RULE_METADATA.get(id) ?? {
      id,
      summary: `certops rule ${id}.`,
      help: 'See the finding message for what is wrong and how to fix it.',
    }
  );
}

/**
 * A SARIF 2.1.0 log of lint findings, in the subset GitHub code scanning accepts: one run,
 * a rule descriptor for every rule id that occurs, repository-relative URIs. No timestamps,
 * so the same findings always give the same bytes.
 */
export function toSarif(findings: readonly Finding[], options: SarifOptions = {}): SarifLog {
  const ids = [...new Set(findings.map((f) => f.ruleId))].sort();
  const ruleIndex = new Map(ids.map((id, i) => [id, i]));
  const rules: SarifRule[] = ids.map((id) => {
    const meta = ruleMetadata(id);
    return {
      id,
      name: pascalCase(id),
      shortDescription: { text: meta.summary },
      help: { text: meta.help },
      properties: { tags: ['certificates', BUILTIN_RULE_METADATA.has(id) ? 'configuration' : 'policy'] },
    };
  });

  const occurrences = new Map<string, number>();
  const results = findings.map((f): SarifResult => {
    const uri = toUri(joinPath(options.pathPrefix, f.file));
    // A line-independent identity, so an alert survives edits above it; the message is left out
    // because it may carry dates that change from day to day.
    const identity = [f.ruleId, uri, f.certificate ?? '', f.path ?? ''].join('\0');
    const seen = occurrences.get(identity) ?? 0;
    occurrences.set(identity, seen + 1);
    const result: SarifResult = {
      ruleId: f.ruleId,
      ruleIndex: ruleIndex.get(f.ruleId) ?? 0,
      level: LEVEL[f.severity],
      message: { text: f.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri, uriBaseId: '%SRCROOT%' },
            region: { startLine: Math.max(1, Math.trunc(f.line)), startColumn: Math.max(1, Math.trunc(f.column)) },
          },
        },
      ],
      partialFingerprints: { 'certopsFinding/v1': `${createHash('sha256').update(identity).digest('hex').slice(0, 32)}:${seen + 1}` },
    };
    if (f.certificate !== undefined || f.path !== undefined) {
      result.properties = {};
      if (f.certificate !== undefined) result.properties.certificate = f.certificate;
      if (f.path !== undefined) result.properties.jsonPath = f.path;
    }
    return result;
  });

  const driver: SarifDriver = { name: 'certops', version: VERSION, semanticVersion: VERSION, rules };
  const informationUri = options.informationUri ?? HOMEPAGE;
  if (informationUri) driver.informationUri = informationUri;
  return { $schema: SCHEMA_URI, version: '2.1.0', runs: [{ tool: { driver }, columnKind: 'utf16CodeUnits', results }] };
}

/** The SARIF log as the file code scanning uploads. */
export function formatSarif(findings: readonly Finding[], options: SarifOptions = {}): string {
  return `${JSON.stringify(toSarif(findings, options), null, 2)}\n`;
}

function joinPath(prefix: string | undefined, file: string): string {
  const clean = (prefix ?? '').replace(/\\/g, '/').replace(/^\.\/?/, '').replace(/\/+$/, '');
  return clean ? `${clean}/${file}` : file;
}

/** A relative URI reference: each segment percent-encoded, so spaces and `#` stay part of the path. */
function toUri(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function pascalCase(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}
