// Splits a stream of UTF-8 chunks into lines (JSON lines inputs) with constant memory: a line
// longer than max_event_bytes is reported once and skipped up to its newline. Lines stay bytes:
// the decoder reads the forwarders' XML layouts from them without a string of the line.

export interface LineSink {
  /** One line, buf[a, b) without its line break; `line` is 1-based. */
  line(buf: Buffer, a: number, b: number, line: number): void;
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
      // UTF-8 never holds a 0x0A byte inside a character: lines are cut on bytes.
      for (;;) {
        const nl = buf.indexOf(10, pos);
        this.emit(buf, pos, nl, sink);
        pos = nl + 1;
        if (nl === lastNl) break;
      }
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
    if (this.pending !== null && !this.skipping) this.emit(this.pending, 0, this.pending.length, sink);
    this.pending = null;
  }

  /** The input skips a damaged stretch: the partial line before it is a line of its own. */
  gap(sink: LineSink): void {
    this.end(sink);
    this.skipping = false;
  }

  private emit(buf: Buffer, from: number, end: number, sink: LineSink): void {
    this.lineNo++;
    if (end > from && buf[end - 1] === 13) end--;
    if (end - from > this.maxLineBytes) {
      sink.oversized(this.lineNo, buf.toString('utf8', from, from + 120));
      return;
    }
    // Blank lines separate nothing; skip them quietly.
    let i = from;
    while (i < end && (buf[i] === 32 || buf[i] === 9)) i++;
    if (i < end) sink.line(buf, from, end, this.lineNo);
  }
}
