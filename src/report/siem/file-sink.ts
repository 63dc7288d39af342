import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { LifecycleEvent } from '../../events/event.js';
import { siemEvent, siemJson, type SiemDelivery, type SiemSink } from './siem-event.js';

/** Appends JSON lines to a file (a path a log forwarder watches). Each emit is on disk when it resolves. */
export class FileSink implements SiemSink {
  private count = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly path: string) {}

  emit(event: LifecycleEvent): Promise<void> {
    const line = `${siemJson(siemEvent(event))}\n`;
    // Chained so lines land in emit order even when callers do not await.
    this.queue = this.queue.then(async () => {
      await mkdir(dirname(this.path), { recursive: true });
      await appendFile(this.path, line, 'utf8');
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
