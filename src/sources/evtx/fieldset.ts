// The flat per-record encoding the chunk parser emits (possibly on a worker thread, so it must be
// cheap to send): a fixed stride of slots per record, read back by buildEvent through one
// FieldLookup object per reader instead of a closure per record.

import type { SysmonFieldName } from '../../decode/event.js';
import type { SystemFields } from '../../decode/fields.js';

/** The EventData names buildEvent may ask for, in slot order. */
export const FIELD_NAMES: readonly SysmonFieldName[] = [
  'UtcTime',
  'ProcessGuid',
  'ProcessId',
  'Image',
  'OriginalFileName',
  'CommandLine',
  'User',
  'LogonId',
  'TerminalSessionId',
  'ParentProcessGuid',
  'ParentProcessId',
  'ParentImage',
  'ParentCommandLine',
  'ParentUser',
  'EventType',
  'TargetObject',
  'Details',
  'NewName',
  'SourceProcessGUID',
  'SourceProcessId',
  'SourceImage',
];

export const SLOT_EVENT_ID = 0;
export const SLOT_RECORD_ID = 1;
export const SLOT_PROVIDER = 2;
export const SLOT_CHANNEL = 3;
export const SLOT_COMPUTER = 4;
export const SLOT_FIRST_FIELD = 5;
/**
 * The event time (ms) read from UtcTime's bytes, after the fields; NaN when it was not (then
 * the UtcTime slot holds its text, and buildEvent reads the time, or reports it, from that).
 */
export const SLOT_TIME = SLOT_FIRST_FIELD + FIELD_NAMES.length;
export const STRIDE = SLOT_TIME + 1;

/**
 * Records as numbers: numeric slots (EventID, record id) hold the value, text slots an index
 * into the block's string table (-1 for absent), so that from a worker the numbers travel as
 * one transferable Float64Array and only the strings are cloned. (Keeping one copy of each
 * repeated string in the table was measured: the Map costs more than the cloning it saves.)
 */
export class SlotWriter {
  cells = new Float64Array(STRIDE * 1024);
  length = 0;
  readonly table: string[] = [];

  num(n: number): void {
    if (this.length === this.cells.length) this.grow();
    this.cells[this.length++] = n;
  }

  str(s: string | null): void {
    if (this.length === this.cells.length) this.grow();
    if (s === null) {
      this.cells[this.length++] = -1;
      return;
    }
    this.cells[this.length++] = this.table.length;
    this.table.push(s);
  }

  private readonly lastText = ['', '', ''];
  private readonly lastIndex = [-1, -1, -1];

  /**
   * A text that usually repeats record after record (provider, channel, computer: which is 0-2):
   * the previous record's table entry is reused, so a worker sends each once per run.
   */
  repeated(which: number, s: string): void {
    if (this.lastIndex[which] >= 0 && this.lastText[which] === s) {
      this.num(this.lastIndex[which]);
      return;
    }
    this.lastText[which] = s;
    this.lastIndex[which] = this.table.length;
    this.str(s);
  }

  /** Overwrites the text slot at an absolute position (records built out of order). */
  setStr(at: number, s: string): void {
    this.cells[at] = this.table.length;
    this.table.push(s);
  }

  /** Appends n absent text slots; returns the position of the first. */
  absent(n: number): number {
    while (this.length + n > this.cells.length) this.grow();
    const at = this.length;
    this.cells.fill(-1, at, at + n);
    this.length = at + n;
    return at;
  }

  private grow(): void {
    const c = new Float64Array(this.cells.length * 2);
    c.set(this.cells);
    this.cells = c;
  }

  /** The written cells, trimmed (a copy that owns its memory, so it can be transferred). */
  finish(): Float64Array {
    return this.cells.slice(0, this.length);
  }
}

const slotOf = new Map<string, number>(FIELD_NAMES.map((n, i) => [n, SLOT_FIRST_FIELD + i]));

export function fieldSlot(name: string): number | undefined {
  return slotOf.get(name);
}

/** Reads one record of a block's cells as SystemFields and a FieldLookup; move() selects the record. */
export class RecordCursor {
  readonly sys: SystemFields = { eventId: NaN, computer: '', recordId: 0, provider: '', channel: '', time: NaN };
  private cells: Float64Array = new Float64Array(0);
  private table: string[] = [];
  private base = 0;
  /** Bound once: buildEvent takes a function, and a closure per record is what we avoid. */
  readonly get = (name: SysmonFieldName): string | undefined => {
    const s = slotOf.get(name);
    if (s === undefined) return undefined;
    const i = this.cells[this.base + s];
    return i < 0 ? undefined : this.table[i];
  };

  move(cells: Float64Array, table: string[], base: number): void {
    this.cells = cells;
    this.table = table;
    this.base = base;
    this.sys.eventId = cells[base + SLOT_EVENT_ID];
    this.sys.recordId = cells[base + SLOT_RECORD_ID];
    this.sys.provider = this.text(base + SLOT_PROVIDER);
    this.sys.channel = this.text(base + SLOT_CHANNEL);
    this.sys.computer = this.text(base + SLOT_COMPUTER);
    this.sys.time = cells[base + SLOT_TIME];
  }

  private text(at: number): string {
    const i = this.cells[at];
    return i < 0 ? '' : this.table[i];
  }
}
