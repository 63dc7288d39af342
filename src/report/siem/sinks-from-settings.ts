import { FileSink } from './file-sink.js';
import { HttpSink, type HttpSinkFormat } from './http-sink.js';
import type { SiemSink } from './siem-event.js';
import { StdoutSink } from './stdout-sink.js';

/** Where SIEM events go, as the CLI flags and action inputs name them. */
export interface SiemSettings {
  stdout?: boolean;
  /** A JSON-lines file (absolute, or relative to the repository). */
  file?: string;
  url?: string;
  format?: HttpSinkFormat;
  /** HMAC key for the generic JSON format. */
  secret?: string;
  /** Splunk HEC token. */
  token?: string;
}

export function sinksFromSettings(repoDir: string, s: SiemSettings): SiemSink[] {
  const sinks: SiemSink[] = [];
  if (s.stdout) sinks.push(new StdoutSink());
  if (s.file) sinks.push(new FileSink(s.file.startsWith('/') ? s.file : { repoDir, file: s.file }));
  if (s.url) {
    sinks.push(
      new HttpSink({
        url: s.url,
        format: s.format ?? 'json',
        repoDir,
        ...(s.secret ? { secret: s.secret } : {}),
        ...(s.token ? { token: s.token } : {}),
      }),
    );
  }
  return sinks;
}
