// JSON lines from forwarders. Each line is one event in one of these layouts:
// - Winlogbeat with include_xml: the XML in `event.original` (nested or as a dotted key);
// - NXLog: the XML in `EventXML`;
// - Winlogbeat without XML: `winlog.event_data` + `winlog.event_id` / `computer_name` / `record_id`;
// - Microsoft Sentinel `WindowsEvent` rows: `EventData` is a JSON string holding the fields;
// - flat NXLog `to_json` (OTRF Security-Datasets): Sysmon fields as top-level keys, `Hostname`.
// A line in none of them is an error record, never a crash.

import type { DecodeOutcome, SysmonDecoder } from './decoder.js';
import type { SysmonFieldName } from './event.js';
import { buildEvent, parseIntField, type SystemFields } from './fields.js';
import { DecodeProblem } from './problem.js';

type Obj = Record<string, unknown>;

function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return '';
}

function int(v: unknown): number {
  if (typeof v === 'number') return Number.isInteger(v) ? v : NaN;
  const s = str(v).trim();
  if (s === '') return NaN;
  const n = parseIntField(s);
  return n === -1 ? NaN : n;
}

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// NXLog's flat layout overwrites Sysmon's registry EventType with its own severity word ("INFO").
const REGISTRY_EVENT_TYPES = new Set(['CreateKey', 'DeleteKey', 'RenameKey', 'CreateValue', 'DeleteValue', 'RenameValue', 'SetValue']);

function fromFields(sys: SystemFields, fields: Obj, decoder: SysmonDecoder): DecodeOutcome {
  return buildEvent(
    sys,
    (name: SysmonFieldName) => {
      const v = fields[name];
      if (v === undefined || v === null) return undefined;
      const s = str(v);
      if (name === 'EventType' && !REGISTRY_EVENT_TYPES.has(s)) return undefined;
      return s;
    },
    decoder.counters,
  );
}

/** The XML of a parsed line in the forwarders' XML layouts (Winlogbeat's event.original, NXLog's EventXML), or undefined. */
export function xmlOfJson(obj: unknown): string | undefined {
  if (!isObj(obj)) return undefined;
  const ev = obj.event;
  const original = isObj(ev) ? ev.original : obj['event.original'];
  if (typeof original === 'string') return original;
  if (typeof obj.EventXML === 'string') return obj.EventXML;
  return undefined;
}

export function decodeJsonLine(line: string, decoder: SysmonDecoder): DecodeOutcome {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch (e) {
    return new DecodeProblem('bad-json', `not JSON: ${(e as Error).message}`);
  }
  if (!isObj(obj)) return new DecodeProblem('unknown-json-layout', 'JSON line is not an object');

  const xml = xmlOfJson(obj);
  if (xml !== undefined) return decoder.decodeXml(xml);

  const winlog = obj.winlog;
  if (isObj(winlog) && isObj(winlog.event_data)) {
    return fromFields(
      {
        eventId: int(winlog.event_id),
        computer: str(winlog.computer_name).trim(),
        recordId: Math.max(0, int(winlog.record_id) || 0),
        provider: str(winlog.provider_name),
        channel: str(winlog.channel),
      },
      winlog.event_data,
      decoder,
    );
  }

  if (typeof obj.EventData === 'string' && obj.EventID !== undefined) {
    let data: unknown;
    try {
      data = JSON.parse(obj.EventData);
    } catch (e) {
      return new DecodeProblem('bad-json', `EventData is not a JSON string of fields: ${(e as Error).message}`);
    }
    if (!isObj(data)) return new DecodeProblem('unknown-json-layout', 'EventData does not hold an object of fields');
    return fromFields(
      {
        eventId: int(obj.EventID),
        computer: str(obj.Computer).trim(),
        recordId: Math.max(0, int(obj.EventRecordId ?? obj.EventRecordID) || 0),
        provider: str(obj.Provider),
        channel: str(obj.Channel),
      },
      data,
      decoder,
    );
  }

  if (obj.EventID !== undefined && (obj.Hostname !== undefined || obj.Computer !== undefined)) {
    return fromFields(
      {
        eventId: int(obj.EventID),
        computer: str(obj.Hostname ?? obj.Computer).trim(),
        recordId: Math.max(0, int(obj.RecordNumber ?? obj.EventRecordID) || 0),
        provider: str(obj.SourceName ?? obj.ProviderName ?? obj.Provider),
        channel: str(obj.Channel),
      },
      obj,
      decoder,
    );
  }

  const keys = Object.keys(obj).slice(0, 8).join(', ');
  return new DecodeProblem(
    'unknown-json-layout',
    `JSON line in no known layout (keys: ${keys}); expected event.original, EventXML, winlog.event_data, Sentinel EventData or flat Sysmon fields with Hostname`,
  );
}
