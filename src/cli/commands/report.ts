import { resolve } from 'node:path';
import { toRepoPath } from '../../repo/repo-path.js';
import { generateReports, parseThresholdList, ReportInputError, ThresholdError } from '../../report/index.js';
import { forwardLedger, undeliveredLines } from '../../report/siem/forward.js';
import { reportGeneratedEvent } from '../../report/report-event.js';
import { siemEvent } from '../../report/siem/siem-event.js';
import { sinksFromSettings } from '../../report/siem/sinks-from-settings.js';
import { CliError, nowOption, parseCommandArgs, repoOption, UsageError, type CliIo, type Command } from '../command.js';

const OPTIONS = {
  repo: { type: 'string' },
  now: { type: 'string' },
  out: { type: 'string' },
  thresholds: { type: 'string' },
  'siem-file': { type: 'string' },
  'siem-url': { type: 'string' },
  'siem-format': { type: 'string' },
  'siem-stdout': { type: 'boolean' },
} as const;

const USAGE = `Usage: certops report [options]

Writes the expiry report (expiry.md, expiry.json, expiry.svg), Prometheus metrics
(metrics.prom) and compliance evidence (evidence.md) to reports/, checks the audit ledger,
and forwards new ledger events to SIEM sinks. Writes only files whose content changed.

Options:
  --repo DIR             repository root (default: the current directory)
  --now ISO-8601         report at this instant (default: the current time)
  --out DIR              reports folder, relative to the repository (default: reports)
  --thresholds C,W,N     status buckets in days: critical, warning, notice (default 7,14,30)
  --siem-stdout          print new ledger events as SIEM JSON lines
  --siem-file FILE       append new ledger events to a JSON-lines file
  --siem-url URL         send new ledger events to an HTTP endpoint ($CERTOPS_SIEM_SECRET signs
                         them, $CERTOPS_SIEM_TOKEN is the Splunk HEC token)
  --siem-format FORMAT   json (default) or splunk-hec
  -h, --help             show this help

Exit status: 0 reports written, 1 the audit ledger failed its integrity check, 2 usage error.
`;

export const command: Command = {
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values } = parseCommandArgs(args, OPTIONS);
    const now = nowOption(values.now);
    const repoDir = repoOption(values.repo, io);
    const thresholds = parseThresholds(values.thresholds);
    const format = values['siem-format'] ?? 'json';
    if (format !== 'json' && format !== 'splunk-hec') throw new UsageError(`--siem-format must be json or splunk-hec; got "${format}"`);
    let result;
    try {
      result = generateReports({ repoDir, now, write: true, ...(values.out ? { outDir: values.out } : {}), ...(thresholds ? { thresholds } : {}) });
    } catch (e) {
      if (e instanceof ReportInputError || e instanceof ThresholdError) throw new CliError(e.message, 2);
      throw e;
    }
    io.stdout(result.changed.length ? `wrote ${result.changed.join(', ')}\n` : 'reports unchanged\n');
    for (const a of result.alerts) io.stdout(`${a.daysLeft < 0 ? 'EXPIRED' : `${a.daysLeft} days left`}: ${a.certificate} (notAfter ${a.notAfter}; owners ${a.owners.join(', ') || 'none'})\n`);
    const sinks = sinksFromSettings(repoDir, {
      ...(values['siem-stdout'] ? { stdout: true } : {}),
      // A file inside the repository is given relative, so it is appended to without following links.
      ...(values['siem-file'] ? { file: toRepoPath(resolve(io.cwd, values['siem-file']), resolve(repoDir)) ?? resolve(io.cwd, values['siem-file']) } : {}),
      ...(values['siem-url'] ? { url: values['siem-url'], format } : {}),
      ...(process.env.CERTOPS_SIEM_SECRET ? { secret: process.env.CERTOPS_SIEM_SECRET } : {}),
      ...(process.env.CERTOPS_SIEM_TOKEN ? { token: process.env.CERTOPS_SIEM_TOKEN } : {}),
    });
    if (sinks.length) {
      if (result.changed.length) {
        const event = siemEvent(reportGeneratedEvent({ now, changed: result.changed, actor: process.env.USER ?? 'certops', runUrl: 'certops cli' }));
        for (const sink of sinks) await sink.emit(event);
      }
      const forwarded = await forwardLedger({ repoDir, sinks });
      io.stderr(`SIEM: ${forwarded.forwarded} new ledger event(s) forwarded\n`);
      for (const line of undeliveredLines(forwarded)) io.stderr(`warning: ${line}\n`);
    }
    if (!result.ledger.ok) {
      io.stderr(`certops: the audit ledger failed its integrity check at line ${result.ledger.firstBadLine}: ${result.ledger.problem}\n`);
      return 1;
    }
    return 0;
  },
};

function parseThresholds(text: string | undefined): ReturnType<typeof parseThresholdList> | undefined {
  if (text === undefined) return undefined;
  try {
    return parseThresholdList(text);
  } catch (e) {
    throw new UsageError(`--thresholds: ${(e as Error).message}`);
  }
}
