import { createHmac } from 'node:crypto';
import type { LifecycleEvent } from '../../events/event.js';
import { fetchWithRetry, type FetchRetryOptions } from '../../net/retry.js';
import { appendRepoFile, readRepoFileIfPresent, removeRepoFile } from '../../repo/confined-io.js';
import { siemEvent, siemJson, type SiemDelivery, type SiemEvent, type SiemSink } from './siem-event.js';
import { DEFAULT_SPOOL_FILE, readSpool, writeSpool } from './spool.js';

export type HttpSinkFormat =
  /** One event per POST, the event's JSON as the body, signed with HMAC-SHA256 when a secret is set. */
  | 'json'
  /** Splunk HTTP Event Collector: batches of `{"time","source","sourcetype","event"}`, `Authorization: Splunk <token>`. */
  | 'splunk-hec';

export interface HttpSinkOptions {
  url: string;
  format?: HttpSinkFormat;
  /** Key for `X-Certops-Signature: sha256=<hex HMAC-SHA256 of the body>`. */
  secret?: string;
  /** HEC token (splunk-hec). */
  token?: string;
  /** The repository the spool lives in (the report job commits it, so the next run finds it). */
  repoDir: string;
  /** Repository-relative path of the spool file. Default DEFAULT_SPOOL_FILE. */
  spoolFile?: string;
  /** Events per request for splunk-hec. Default 50. */
  batchSize?: number;
  /** HEC metadata. Defaults: source `certops`, sourcetype `certops:lifecycle`. */
  source?: string;
  sourcetype?: string;
  index?: string;
  host?: string;
  /** Retries of 5xx, 429 and connection failures; tests pass a sleep that does not wait. */
  retry?: FetchRetryOptions;
  /** Extra request headers. */
  headers?: Record<string, string>;
}

export const SIGNATURE_HEADER = 'X-Certops-Signature';
export const EVENT_ID_HEADER = 'X-Certops-Event-Id';

/**
 * Sends events to an HTTP endpoint. Events are held until `flush`, which sends, oldest first,
 * what an earlier run left in the spool and then the new events, each id once. What cannot be
 * delivered after retries stays in the spool for the next run; nothing is dropped. Delivery is
 * at least once across crashes and exactly once otherwise: every request carries the event id
 * (header and body), so a receiver can discard a repeat.
 */
export class HttpSink implements SiemSink {
  private buffer: SiemEvent[] = [];

  constructor(private readonly options: HttpSinkOptions) {
    if ((options.format ?? 'json') === 'splunk-hec' && !options.token) throw new Error('The splunk-hec SIEM sink needs a HEC token.');
  }

  emit(event: LifecycleEvent | SiemEvent): void {
    this.buffer.push(siemEvent(event));
  }

  async flush(): Promise<SiemDelivery> {
    const fresh = this.buffer;
    this.buffer = [];
    return this.deliver(fresh);
  }

  /** Delivers the spool, then `events`. */
  async deliver(events: readonly SiemEvent[]): Promise<SiemDelivery> {
    const { repoDir, spoolFile = DEFAULT_SPOOL_FILE } = this.options;
    const sentFile = `${spoolFile}.sent`;
    const sent = new Set((readRepoFileIfPresent(repoDir, sentFile, { linkIsMissing: true })?.toString('utf8') ?? '').split('\n').filter(Boolean));
    const spool = readSpool(repoDir, spoolFile);
    const seen = new Set<string>(sent);
    const queue: SiemEvent[] = [];
    for (const e of [...spool.events, ...events]) {
      if (seen.has(e.id)) continue;
      seen.add(e.id);
      queue.push(e);
    }
    if (queue.length === 0 && sent.size === 0) return { delivered: 0, spooled: spool.unreadable.length };
    // On disk before the first request: a run that dies mid-delivery leaves them for the next.
    writeSpool(repoDir, spoolFile, queue, spool.unreadable);
    removeRepoFile(repoDir, sentFile);
    const size = (this.options.format ?? 'json') === 'json' ? 1 : Math.max(1, this.options.batchSize ?? 50);
    let delivered = 0;
    let error: string | undefined;
    while (delivered < queue.length) {
      const batch = queue.slice(delivered, delivered + size);
      try {
        await this.send(batch);
      } catch (e) {
        // A retry error quotes the full URL, which may carry credentials: keep only its safe form.
        const raw = e instanceof Error ? e.message : String(e);
        error = raw.split(this.options.url).join(safeUrl(this.options.url));
        break;
      }
      delivered += batch.length;
      // Appending ids is O(1) per batch; rewriting the spool each time would be quadratic.
      appendRepoFile(repoDir, sentFile, batch.map((b) => `${b.id}\n`).join(''));
    }
    writeSpool(repoDir, spoolFile, queue.slice(delivered), spool.unreadable);
    removeRepoFile(repoDir, sentFile);
    return { delivered, spooled: queue.length - delivered + spool.unreadable.length, ...(error ? { error } : {}) };
  }

  private async send(batch: readonly SiemEvent[]): Promise<void> {
    const o = this.options;
    const hec = (o.format ?? 'json') === 'splunk-hec';
    const body = hec ? batch.map((e) => this.hecEvent(e)).join('\n') : siemJson(batch[0]!);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'certops', ...o.headers };
    if (!hec) headers[EVENT_ID_HEADER] = batch[0]!.id;
    if (hec) headers.authorization = `Splunk ${o.token}`;
    if (o.secret) headers[SIGNATURE_HEADER] = `sha256=${createHmac('sha256', o.secret).update(body, 'utf8').digest('hex')}`;
    const response = await fetchWithRetry(o.url, { method: 'POST', headers, body }, o.retry ?? {});
    const text = await response.text().catch(() => '');
    if (!response.ok) throw new Error(`the SIEM endpoint ${safeUrl(o.url)} answered HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
  }

  private hecEvent(e: SiemEvent): string {
    const o = this.options;
    const time = Date.parse(e.timestamp);
    const meta: Record<string, unknown> = {
      time: Number.isNaN(time) ? undefined : time / 1000,
      host: o.host,
      source: o.source ?? 'certops',
      sourcetype: o.sourcetype ?? 'certops:lifecycle',
      index: o.index,
    };
    const head = Object.entries(meta).filter(([, v]) => v !== undefined).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
    return `{${head.join(',')},"event":${siemJson(e)}}`;
  }
}

/** The URL without user info or query (either may hold a credential), for messages. */
function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(the configured URL)';
  }
}
