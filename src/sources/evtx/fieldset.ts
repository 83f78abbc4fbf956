// The flat per-record encoding the chunk parser emits (possibly on a worker thread, so it must be
// cheap to structured-clone): a fixed stride of slots per record, read back by buildEvent through
// one FieldLookup object per reader instead of a closure per record.

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
];

export const SLOT_EVENT_ID = 0;
export const SLOT_RECORD_ID = 1;
export const SLOT_PROVIDER = 2;
export const SLOT_CHANNEL = 3;
export const SLOT_COMPUTER = 4;
export const SLOT_FIRST_FIELD = 5;
export const STRIDE = SLOT_FIRST_FIELD + FIELD_NAMES.length;

export type Slot = string | number | null;

const slotOf = new Map<string, number>(FIELD_NAMES.map((n, i) => [n, SLOT_FIRST_FIELD + i]));

export function fieldSlot(name: string): number | undefined {
  return slotOf.get(name);
}

/** Reads one record of a flat array as SystemFields and a FieldLookup; move() selects the record. */
export class RecordCursor {
  readonly sys: SystemFields = { eventId: NaN, computer: '', recordId: 0, provider: '', channel: '' };
  private slots: Slot[] = [];
  private base = 0;
  /** Bound once: buildEvent takes a function, and a closure per record is what we avoid. */
  readonly get = (name: SysmonFieldName): string | undefined => {
    const s = slotOf.get(name);
    if (s === undefined) return undefined;
    const v = this.slots[this.base + s];
    return v === null ? undefined : (v as string);
  };

  move(slots: Slot[], base: number): void {
    this.slots = slots;
    this.base = base;
    this.sys.eventId = slots[base + SLOT_EVENT_ID] as number;
    this.sys.recordId = slots[base + SLOT_RECORD_ID] as number;
    this.sys.provider = slots[base + SLOT_PROVIDER] as string;
    this.sys.channel = slots[base + SLOT_CHANNEL] as string;
    this.sys.computer = slots[base + SLOT_COMPUTER] as string;
  }
}
