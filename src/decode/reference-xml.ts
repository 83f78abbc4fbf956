// The reference decoder: fast-xml-parser on one <Event> element. It handles any well-formed
// shape (CDATA, comments, namespace prefixes, nested markup) and is what the fast scanner is
// tested against. Slow (~8k events/s), so only shapes the scanner does not recognise come here.

import { createRequire } from 'node:module';
import type * as Fxp from 'fast-xml-parser';
import type { DecodeCounters } from './counters.js';
import type { SysmonEvent, SysmonFieldName } from './event.js';
import { buildEvent, parseIntField } from './fields.js';
import { DecodeProblem } from './problem.js';

/**
 * fast-xml-parser, loaded (require: synchronously, its CommonJS build) on the first event that
 * needs it: most inputs never do (the fast scanner reads them, or they are .evtx), and loading it
 * costs ~30 ms of every run's start-up.
 */
let fxp: { parser: Fxp.XMLParser; validator: typeof Fxp.XMLValidator } | undefined;

function loadFxp(): NonNullable<typeof fxp> {
  const { XMLParser, XMLValidator } = createRequire(import.meta.url)('fast-xml-parser') as typeof Fxp;
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    processEntities: true,
    htmlEntities: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    isArray: (name) => name === 'Data',
  });
  return { parser, validator: XMLValidator };
}

type Node = Record<string, unknown>;

function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'object') {
    const t = (v as Node)['#text'];
    return t === undefined ? '' : text(t);
  }
  return '';
}

function child(node: unknown, name: string): Node | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  const v = (node as Node)[name];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) return v[0] as Node;
  return (typeof v === 'object' ? v : { '#text': v }) as Node;
}

/** Decode one event's XML text (a proper Unicode string) with fast-xml-parser. */
export function decodeWithReferenceParser(xml: string, counters: DecodeCounters): SysmonEvent | DecodeProblem | null {
  fxp ??= loadFxp();
  const valid = fxp.validator.validate(xml);
  if (valid !== true) {
    return new DecodeProblem('malformed-xml', `not well-formed XML: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`);
  }
  let doc: Node;
  try {
    doc = fxp.parser.parse(xml) as Node;
  } catch (e) {
    return new DecodeProblem('malformed-xml', `not well-formed XML: ${(e as Error).message}`);
  }
  const event = child(doc, 'Event');
  const system = child(event, 'System');
  if (event === undefined || system === undefined) return new DecodeProblem('malformed-xml', 'no <Event><System> element');
  const eventIdText = text(child(system, 'EventID')).trim();
  const recordText = text(child(system, 'EventRecordID')).trim();
  const provider = child(system, 'Provider');
  const sys = {
    eventId: eventIdText === '' ? NaN : parseIntField(eventIdText),
    computer: text(child(system, 'Computer')).trim(),
    recordId: recordText === '' ? 0 : Math.max(0, parseIntField(recordText)),
    provider: provider === undefined ? '' : text(provider['@Name']),
    channel: text(child(system, 'Channel')).trim(),
  };
  if (sys.eventId === -1) sys.eventId = NaN;
  const fields = new Map<string, string>();
  const data = child(event, 'EventData')?.Data;
  if (Array.isArray(data)) {
    for (const d of data) {
      if (d !== null && typeof d === 'object') {
        const name = (d as Node)['@Name'];
        if (typeof name === 'string') fields.set(name, text(d));
      }
    }
  }
  return buildEvent(sys, (name: SysmonFieldName) => fields.get(name), counters);
}
