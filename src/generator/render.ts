// Renders events as Windows Event XML (the RenderEvent / wevtutil shape, one event per line)
// straight into the output buffer, from pieces encoded once (catalog, host, process, logon).

import { ByteWriter, SecondStamp, enc } from './bytes.js';
import { CALL_TRACES, DLLS, DNS, REMOTES } from './catalog.js';
import { UNKNOWN_PARENT, type Proc } from './model.js';

const NS = 'http://schemas.microsoft.com/win/2004/08/events/event';
const PROVIDER = "<Provider Name='Microsoft-Windows-Sysmon' Guid='{5770385f-c22a-43e0-bf4c-06f5698ffbd9}'/>";

/** Version of each EventID's template, as Sysmon 10-13 log them (see the real samples). */
const VERSION: Record<number, number> = { 1: 5, 3: 5, 5: 3, 7: 3, 10: 3, 11: 2, 12: 2, 13: 2, 22: 5 };

const HEAD: Uint8Array[] = [];
for (const [eid, v] of Object.entries(VERSION)) {
  HEAD[Number(eid)] = enc(
    `<Event xmlns='${NS}'><System>${PROVIDER}<EventID>${eid}</EventID><Version>${v}</Version><Level>4</Level>` +
      `<Task>${eid}</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='`,
  );
}

/** TimeCreated's end (the 'Z' of UTC) and EventRecordID's start. */
const REC_OPEN = enc("Z'/><EventRecordID>");
const END = enc('</EventData></Event>');
/** A Data element's end and the event's, in one copy. */
const DATA_END = enc('</Data></EventData></Event>');
const SET_VALUE = enc("<Data Name='EventType'>SetValue</Data><Data Name='UtcTime'>");
/** After EventID 12's EventType value: UtcTime follows. */
const TYPE_CLOSE = enc("</Data><Data Name='UtcTime'>");
const TYPE_OPEN = enc("<Data Name='EventType'>");
const TARGET_OPEN = enc("<Data Name='TargetObject'>");
const DETAILS_OPEN = enc("</Data><Data Name='Details'>");
const FILE_OPEN = enc("<Data Name='TargetFilename'>");
const CREATION_OPEN = enc("</Data><Data Name='CreationUtcTime'>");
const NET_USER = enc("<Data Name='User'>");
const NET_A = enc("</Data><Data Name='Protocol'>tcp</Data><Data Name='Initiated'>true</Data><Data Name='SourceIsIpv6'>false</Data><Data Name='SourceIp'>");
const NET_B = enc("</Data><Data Name='SourceHostname'>");
const NET_C = enc("</Data><Data Name='SourcePort'>");
const NET_D = enc("</Data><Data Name='SourcePortName'>-</Data><Data Name='DestinationIsIpv6'>false</Data>");
// The UtcTime value is left open by head(): the next piece closes it.
const DNS_GUID = enc("</Data><Data Name='ProcessGuid'>");
const DNS_PID = enc("</Data><Data Name='ProcessId'>");
const DNS_IMAGE = enc("<Data Name='Image'>");
const ACC_SRC_GUID = enc("</Data><Data Name='SourceProcessGUID'>");
const ACC_SRC_PID = enc("</Data><Data Name='SourceProcessId'>");
const ACC_SRC_TID = enc("</Data><Data Name='SourceThreadId'>");
const ACC_SRC_IMAGE = enc("</Data><Data Name='SourceImage'>");
const ACC_TGT_GUID = enc("</Data><Data Name='TargetProcessGUID'>");
const ACC_TGT_PID = enc("</Data><Data Name='TargetProcessId'>");
const ACC_TGT_IMAGE = enc("</Data><Data Name='TargetImage'>");
const ACC_ACCESS = enc("</Data><Data Name='GrantedAccess'>");
const ACC_TRACE = enc("</Data><Data Name='CallTrace'>");

/** Each DLL's Data elements and the event's end. */
const DLL_END = DLLS.map((d) => enc(`${d.block}</EventData></Event>`));
/** DestinationIp..DestinationPortName run per remote endpoint, and the event's end. */
const REMOTE_END = REMOTES.map(([ip, name, port, portName]) =>
  enc(
    `<Data Name='DestinationIp'>${ip}</Data><Data Name='DestinationHostname'>${name}</Data><Data Name='DestinationPort'>${port}</Data><Data Name='DestinationPortName'>${portName}</Data>` +
      '</EventData></Event>',
  ),
);
/** QueryName..QueryResults run per DNS name. */
const DNS_BYTES = DNS.map(([name, results]) => enc(`</Data><Data Name='QueryName'>${name}</Data><Data Name='QueryStatus'>0</Data><Data Name='QueryResults'>${results}</Data>`));
/** Each CallTrace value with its end and the event's. */
const TRACE_END = CALL_TRACES.map((c) => enc(`${c}</Data></EventData></Event>`));

/** What the renderer needs of a host. */
export interface RenderHost {
  /**
   * Everything from `</EventRecordID>` to the RuleName Data element: Correlation, Execution
   * (the Sysmon service's process and thread), Channel, Computer, Security. Per host and boot,
   * so one copy per event.
   */
  sys: Uint8Array;
  /** The same followed by `<Data Name='UtcTime'>` (every EventID but 12 and 13, where EventType comes first). */
  sysUtc: Uint8Array;
  /** SourceIp and SourceHostname values for EventID 3. */
  ipBytes: Uint8Array;
  nameBytes: Uint8Array;
  /** Next EventRecordID. */
  recordId: number;
  /** The forwarder drops ProcessId from EventID 1 and 5 (as in the OTRF datasets). */
  noPid: boolean;
  /** Delay between UtcTime and TimeCreated (Sysmon buffers early-boot events for seconds). */
  lagMs: number;
}

export class XmlRenderer {
  /** Per EventID: the System part up to TimeCreated's second. */
  private readonly created: SecondStamp[] = [];
  private readonly utc = new SecondStamp(new Uint8Array(0), 32);
  /** CreationUtcTime is hours off the event time: its own cache, so that it does not evict the event's. */
  private readonly creationUtc = new SecondStamp(new Uint8Array(0), 32);

  constructor() {
    for (let eid = 0; eid < HEAD.length; eid++) if (HEAD[eid] !== undefined) this.created[eid] = new SecondStamp(HEAD[eid], 84);
  }

  /**
   * System part and RuleName; for EventIDs other than 12 and 13 also UtcTime, whose value is left
   * open: the next piece starts with its '</Data>' (one copy fewer per event).
   */
  private head(w: ByteWriter, eid: number, h: RenderHost, t: number): void {
    const rec = h.recordId++;
    // TimeCreated: 100 ns resolution, the 4 digits below the ms made up.
    this.created[eid].write(w, t + h.lagMs + (rec % 23));
    w.fixed((rec * 7919) % 10000, 4);
    w.bytes(REC_OPEN);
    w.uint(rec);
    if (eid === 12 || eid === 13) {
      w.bytes(h.sys);
      return;
    }
    w.bytes(h.sysUtc);
    this.utc.write(w, t);
  }

  /** EventID 1. */
  processCreate(w: ByteWriter, h: RenderHost, t: number, p: Proc): void {
    const s = p.spec;
    this.head(w, 1, h, t);
    w.bytes(p.idBlock(!h.noPid));
    w.bytes(s.versionCmdOpen);
    w.bytes(p.cmdBytes);
    w.bytes(s.cwdData);
    w.bytes(p.logon.block);
    w.bytes(s.hashesData);
    w.bytes(p.parent === null ? UNKNOWN_PARENT : p.parent.parentBlock);
    w.bytes(END);
  }

  /** EventID 5. */
  processExit(w: ByteWriter, h: RenderHost, t: number, p: Proc): void {
    this.head(w, 5, h, t);
    w.bytes(p.idBlock(!h.noPid));
    w.bytes(END);
  }

  /** EventID 7. */
  imageLoad(w: ByteWriter, h: RenderHost, t: number, p: Proc, dll: number): void {
    this.head(w, 7, h, t);
    w.bytes(p.idBlock(true));
    w.bytes(DLL_END[dll]);
  }

  /** EventID 3, an outbound TCP connection from the host's address. */
  network(w: ByteWriter, h: RenderHost, t: number, p: Proc, remote: number, srcPort: number): void {
    this.head(w, 3, h, t);
    w.bytes(p.idBlock(true));
    w.bytes(NET_USER);
    w.bytes(p.logon.userBytes);
    w.bytes(NET_A);
    w.bytes(h.ipBytes);
    w.bytes(NET_B);
    w.bytes(h.nameBytes);
    w.bytes(NET_C);
    w.uint(srcPort);
    w.bytes(NET_D);
    w.bytes(REMOTE_END[remote]);
  }

  /** EventID 22. */
  dns(w: ByteWriter, h: RenderHost, t: number, p: Proc, query: number): void {
    this.head(w, 22, h, t);
    w.bytes(DNS_GUID);
    w.bytes(p.guidBytes);
    w.bytes(DNS_PID);
    w.uint(p.pid);
    w.bytes(DNS_BYTES[query]);
    w.bytes(DNS_IMAGE);
    w.bytes(p.imageBytes);
    w.bytes(DATA_END);
  }

  /** EventID 10: source opens target. */
  processAccess(w: ByteWriter, h: RenderHost, t: number, src: Proc, tid: number, target: Proc, access: Uint8Array, trace: number): void {
    this.head(w, 10, h, t);
    w.bytes(ACC_SRC_GUID);
    w.bytes(src.guidBytes);
    w.bytes(ACC_SRC_PID);
    w.uint(src.pid);
    w.bytes(ACC_SRC_TID);
    w.uint(tid);
    w.bytes(ACC_SRC_IMAGE);
    w.bytes(src.imageBytes);
    w.bytes(ACC_TGT_GUID);
    w.bytes(target.guidBytes);
    w.bytes(ACC_TGT_PID);
    w.uint(target.pid);
    w.bytes(ACC_TGT_IMAGE);
    w.bytes(target.imageBytes);
    w.bytes(ACC_ACCESS);
    w.bytes(access);
    w.bytes(ACC_TRACE);
    w.bytes(TRACE_END[trace]);
  }

  /** EventID 11. */
  fileCreate(w: ByteWriter, h: RenderHost, t: number, p: Proc, file: Uint8Array, createdAt: number): void {
    this.head(w, 11, h, t);
    w.bytes(p.idBlock(true));
    w.bytes(FILE_OPEN);
    w.bytes(file);
    w.bytes(CREATION_OPEN);
    this.creationUtc.write(w, createdAt);
    w.bytes(DATA_END);
  }

  /** EventID 12: CreateKey, DeleteKey, DeleteValue. */
  registryObject(w: ByteWriter, h: RenderHost, t: number, p: Proc, eventType: Uint8Array, target: Uint8Array): void {
    this.head(w, 12, h, t);
    w.bytes(TYPE_OPEN);
    w.bytes(eventType);
    w.bytes(TYPE_CLOSE);
    this.utc.write(w, t);
    w.bytes(p.idBlock(true));
    w.bytes(TARGET_OPEN);
    w.bytes(target);
    w.bytes(DATA_END);
  }

  /** EventID 13: SetValue. */
  registrySet(w: ByteWriter, h: RenderHost, t: number, p: Proc, target: Uint8Array, details: Uint8Array): void {
    this.head(w, 13, h, t);
    w.bytes(SET_VALUE);
    this.utc.write(w, t);
    w.bytes(p.idBlock(true));
    w.bytes(TARGET_OPEN);
    w.bytes(target);
    w.bytes(DETAILS_OPEN);
    w.bytes(details);
    w.bytes(DATA_END);
  }
}
