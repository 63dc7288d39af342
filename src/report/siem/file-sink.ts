import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { LifecycleEvent } from '../../events/event.js';
import { appendRepoFile } from '../../repo/confined-io.js';
import { siemEvent, siemJson, type SiemDelivery, type SiemSink } from './siem-event.js';

/**
 * Appends JSON lines to a file (a path a log forwarder watches). Each emit is on disk when it
 * resolves. An absolute path is the operator's to choose; a file in the repository is appended
 * to without following links (src/repo/confined-io.ts).
 */
export class FileSink implements SiemSink {
  private count = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly target: string | { repoDir: string; file: string }) {}

  emit(event: LifecycleEvent): Promise<void> {
    const line = `${siemJson(siemEvent(event))}\n`;
    // Chained so lines land in emit order even when callers do not await.
    this.queue = this.queue.then(async () => {
      const target = this.target;
      if (typeof target !== 'string') appendRepoFile(target.repoDir, target.file, line);
      else {
        await mkdir(dirname(target), { recursive: true });
        await appendFile(target, line, 'utf8');
      }
      this.count++;
    });
    return this.queue;
  }

  async flush(): Promise<SiemDelivery> {
    await this.queue;
    const delivered = this.count;
    this.count = 0;
    return { delivered, spooled: 0 };
  }
}
