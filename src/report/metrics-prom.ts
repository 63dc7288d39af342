import type { ExpiryEntry, ExpiryReport } from './expiry-model.js';

/** Metric names are cert-manager's, under a certops_ prefix, so its dashboards and alerts carry over. */
export const METRIC_PREFIX = 'certops_';

/**
 * reports/metrics.prom in the Prometheus text exposition format (version 0.0.4), for
 * node_exporter's textfile collector. Labels: name, issuer, owner (owners joined by commas).
 * No sample timestamps: the collector stamps them when it scrapes.
 */
export function renderMetrics(report: ExpiryReport): string {
  const entries = [...report.certificates].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [];
  family(out, 'certificate_expiration_timestamp_seconds', 'The date after which the certificate expires, in seconds since the Unix epoch.', entries, (e) => (e.notAfter ? [[{}, seconds(e.notAfter)]] : []));
  family(out, 'certificate_renewal_timestamp_seconds', 'The date after which the certificate is due for renewal, in seconds since the Unix epoch.', entries, (e) =>
    e.nextRenewal?.at ? [[{}, seconds(e.nextRenewal.at)]] : [],
  );
  family(out, 'certificate_ready_status', 'The ready status of the certificate: 1 for the condition that holds, 0 for the others.', entries, (e) => {
    const ready = readiness(e);
    return (['True', 'False', 'Unknown'] as const).map((condition) => [{ condition }, condition === ready ? '1' : '0']);
  });
  // A final empty element gives the closing newline and keeps the result one flat string (no copy when written).
  out.push('');
  return out.join('\n');
}

type Sample = [Record<string, string>, string];

const labelCache = new WeakMap<ExpiryEntry, string>();

/** `name="…",issuer="…",owner="…"`, once per certificate: three families use it. */
function labelsOf(e: ExpiryEntry): string {
  let text = labelCache.get(e);
  if (text === undefined) {
    text = `name="${escapeLabel(e.name)}",issuer="${escapeLabel(e.issuer ?? e.issuerDN ?? '')}",owner="${escapeLabel(e.owners.join(','))}"`;
    labelCache.set(e, text);
  }
  return text;
}

function family(out: string[], name: string, help: string, entries: readonly ExpiryEntry[], samples: (e: ExpiryEntry) => Sample[]): void {
  const full = `${METRIC_PREFIX}${name}`;
  out.push(`# HELP ${full} ${help}`, `# TYPE ${full} gauge`);
  for (const e of entries) {
    const base = labelsOf(e);
    for (const [extra, value] of samples(e)) {
      let text = base;
      for (const k in extra) text += `,${k}="${escapeLabel(extra[k]!)}"`;
      out.push(`${full}{${text}} ${value}`);
    }
  }
}

/** True: a certificate is issued and within its validity. False: expired or never issued. Unknown: dates unreadable. */
function readiness(e: ExpiryEntry): 'True' | 'False' | 'Unknown' {
  if (e.status === 'expired' || e.status === 'not-issued') return e.notAfter === null && e.serial !== null ? 'Unknown' : 'False';
  return 'True';
}

function seconds(iso: string): string {
  return String(Math.floor(Date.parse(iso) / 1000));
}

/** Label values escape backslash, double quote and newline, as the text format requires. */
export function escapeLabel(value: string): string {
  if (!/[\\"\n]/.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
