// Alerts as JSON lines to stdout or a file, in the native or ECS layout. One write per batch.

import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import type { Alert } from '../../alerts/alert.js';
import { formatAlert, type AlertFormat } from '../../alerts/layout.js';

export class JsonlSink {
  private readonly stream: Writable;
  private readonly ownsStream: boolean;
  written = 0;

  constructor(
    private readonly format: AlertFormat,
    target: string | Writable,
  ) {
    this.ownsStream = typeof target === 'string';
    this.stream = typeof target === 'string' ? createWriteStream(target) : target;
  }

  /** Write a batch; resolves once the stream can take more (backpressure). */
  async write(alerts: readonly Alert[]): Promise<void> {
    if (alerts.length === 0) return;
    let text = '';
    for (const a of alerts) text += formatAlert(a, this.format) + '\n';
    this.written += alerts.length;
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    if (!this.ownsStream) return;
    this.stream.end();
    await once(this.stream, 'finish');
  }
}
