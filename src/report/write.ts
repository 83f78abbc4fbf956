// `replay --html FILE`: the file is opened before the replay starts, so that a bad path fails at
// once rather than after hours of input, and written once the run is over.

import { open, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import type { RunStats } from '../engine/run-stats.js';
import { loadReportAssets } from './assets.js';
import { ReportCollector, type CollectorOptions } from './collector.js';
import { renderReportHtml } from './html.js';

export class HtmlReportError extends Error {
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(`${path}: cannot write the HTML report (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`, { cause });
    this.name = 'HtmlReportError';
  }
}

export class HtmlReportFile {
  readonly collector: ReportCollector;

  private constructor(
    readonly path: string,
    private readonly file: FileHandle,
    opts: CollectorOptions,
  ) {
    this.collector = new ReportCollector(opts);
  }

  static async open(path: string, opts: CollectorOptions = {}): Promise<HtmlReportFile> {
    try {
      return new HtmlReportFile(path, await open(path, 'w'), opts);
    } catch (e) {
      throw new HtmlReportError(path, e);
    }
  }

  /** For ReplayOptions.onBatch. */
  readonly onBatch: ReportCollector['onBatch'] = (events, alerts) => this.collector.onBatch(events, alerts);

  async write(stats: RunStats | undefined, inputs: readonly string[]): Promise<void> {
    const title = `sysmon-proctree report: ${inputs.length === 1 ? basename(inputs[0]) : `${inputs.length} inputs`}`;
    const html = renderReportHtml(this.collector.finish({ stats, inputs, title }), await loadReportAssets());
    try {
      await this.file.writeFile(html, 'utf8');
    } catch (e) {
      throw new HtmlReportError(this.path, e);
    } finally {
      await this.file.close();
    }
  }

  /** The run failed: leave no half-written report behind the user's back (the file stays empty). */
  async abandon(): Promise<void> {
    await this.file.close().catch(() => undefined);
  }
}
