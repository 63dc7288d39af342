import type { LifecycleEvent } from '../../events/event.js';
import { siemEvent, siemJson, type SiemDelivery, type SiemSink } from './siem-event.js';

/** JSON lines on stdout (or any stream): for a log shipper that tails the job's output. */
export class StdoutSink implements SiemSink {
  private count = 0;

  constructor(private readonly stream: { write(text: string): unknown } = process.stdout) {}

  emit(event: LifecycleEvent): void {
    this.stream.write(`${siemJson(siemEvent(event))}\n`);
    this.count++;
  }

  async flush(): Promise<SiemDelivery> {
    const delivered = this.count;
    this.count = 0;
    return { delivered, spooled: 0 };
  }
}
