// Splits a stream of UTF-8 chunks into lines (JSON lines inputs) with constant memory: a line
// longer than max_event_bytes is reported once and skipped up to its newline.

export interface LineSink {
  /** One line without its line break; `line` is 1-based. */
  line(text: string, line: number): void;
  oversized(line: number, head: string): void;
}

export class LineFramer {
  private pending: Buffer | null = null;
  private lineNo = 0;
  private skipping = false;

  constructor(private readonly maxLineBytes: number) {}

  push(chunk: Buffer, sink: LineSink): void {
    let buf = chunk;
    if (this.pending !== null) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    let pos = 0;
    if (this.skipping) {
      const nl = buf.indexOf(10);
      if (nl === -1) return;
      this.skipping = false;
      pos = nl + 1;
    }
    const lastNl = buf.lastIndexOf(10);
    if (lastNl >= pos) {
      // Decode every complete line at once: one UTF-8 decode per chunk, not per line.
      const text = buf.toString('utf8', pos, lastNl);
      let from = 0;
      for (;;) {
        const nl = text.indexOf('\n', from);
        const end = nl === -1 ? text.length : nl;
        this.emit(text, from, end, sink);
        if (nl === -1) break;
        from = nl + 1;
      }
      pos = lastNl + 1;
    }
    if (pos < buf.length) {
      if (buf.length - pos > this.maxLineBytes) {
        this.lineNo++;
        sink.oversized(this.lineNo, buf.toString('utf8', pos, pos + 120));
        this.skipping = true;
      } else {
        this.pending = buf.subarray(pos);
      }
    }
  }

  end(sink: LineSink): void {
    if (this.pending !== null && !this.skipping) {
      const text = this.pending.toString('utf8');
      this.emit(text, 0, text.length, sink);
    }
    this.pending = null;
  }

  /** The input skips a damaged stretch: the partial line before it is a line of its own. */
  gap(sink: LineSink): void {
    this.end(sink);
    this.skipping = false;
  }

  private emit(text: string, from: number, end: number, sink: LineSink): void {
    this.lineNo++;
    if (end > from && text.charCodeAt(end - 1) === 13) end--;
    if (end - from > this.maxLineBytes) {
      sink.oversized(this.lineNo, text.slice(from, from + 120));
      return;
    }
    // Blank lines separate nothing; skip them quietly.
    let i = from;
    while (i < end && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
    if (i < end) sink.line(text.slice(from, end), this.lineNo);
  }
}
