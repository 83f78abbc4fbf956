// Renders events as Windows Event XML (the RenderEvent / wevtutil shape, one event per line)
// from pre-rendered pieces: each call is a handful of string concatenations.

import { CALL_TRACES, DLLS, DNS, REMOTES, type ImageSpec } from './catalog.js';
import type { Proc } from './model.js';
import { TimeFormatter } from './text.js';

const NS = 'http://schemas.microsoft.com/win/2004/08/events/event';
const PROVIDER = "<Provider Name='Microsoft-Windows-Sysmon' Guid='{5770385f-c22a-43e0-bf4c-06f5698ffbd9}'/>";

/** Version of each EventID's template, as Sysmon 10-13 log them (see the real samples). */
const VERSION: Record<number, number> = { 1: 5, 3: 5, 5: 3, 7: 3, 10: 3, 11: 2, 12: 2, 13: 2, 22: 5 };

const HEAD: string[] = [];
for (const [eid, v] of Object.entries(VERSION)) {
  HEAD[Number(eid)] =
    `<Event xmlns='${NS}'><System>${PROVIDER}<EventID>${eid}</EventID><Version>${v}</Version><Level>4</Level>` +
    `<Task>${eid}</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='`;
}

const END = '</EventData></Event>';

/** What the renderer needs of a host. */
export interface RenderHost {
  /** `<Channel>..</Channel><Computer>..</Computer><Security UserID='S-1-5-18'/></System><EventData><Data Name='RuleName'>-</Data>` */
  tail: string;
  /** `<Execution ProcessID='N' ThreadID='` for the current Sysmon service process. */
  exec: string;
  /** Next EventRecordID. */
  recordId: number;
  /** The forwarder drops ProcessId from EventID 1 and 5 (as in the OTRF datasets). */
  noPid: boolean;
  /** Delay between UtcTime and TimeCreated (Sysmon buffers early-boot events for seconds). */
  lagMs: number;
}

export class XmlRenderer {
  private readonly tf = new TimeFormatter();

  private head(eid: number, h: RenderHost, t: number): string {
    const rec = h.recordId++;
    const created = t + h.lagMs + (rec % 23);
    return (
      HEAD[eid] + this.tf.systemTime(created, (rec * 7919) % 10000) + "'/><EventRecordID>" + rec +
      '</EventRecordID><Correlation/>' + h.exec + (3000 + (rec % 7) * 4) + "'/>" + h.tail
    );
  }

  private utc(t: number): string {
    return "<Data Name='UtcTime'>" + this.tf.utc(t) + '</Data>';
  }

  /** EventID 1. parent null means the System process (PID 4). */
  processCreate(h: RenderHost, t: number, p: Proc, parentGuid: string, parentPid: number, parentImage: string, parentCmd: string): string {
    const l = p.logon;
    const s: ImageSpec = p.spec;
    return (
      this.head(1, h, t) + this.utc(t) + (h.noPid ? p.idBlockNoPid : p.idBlock) + s.versionBlock +
      "<Data Name='CommandLine'>" + p.cmdline + "</Data><Data Name='CurrentDirectory'>" + s.cwd +
      "</Data><Data Name='User'>" + l.user + "</Data><Data Name='LogonGuid'>" + l.logonGuid +
      "</Data><Data Name='LogonId'>" + l.logonId + "</Data><Data Name='TerminalSessionId'>" + l.session +
      "</Data><Data Name='IntegrityLevel'>" + l.integrity + "</Data><Data Name='Hashes'>" + s.hashes +
      "</Data><Data Name='ParentProcessGuid'>" + parentGuid + "</Data><Data Name='ParentProcessId'>" + parentPid +
      "</Data><Data Name='ParentImage'>" + parentImage + "</Data><Data Name='ParentCommandLine'>" + parentCmd + '</Data>' + END
    );
  }

  /** EventID 5. */
  processExit(h: RenderHost, t: number, p: Proc): string {
    return this.head(5, h, t) + this.utc(t) + (h.noPid ? p.idBlockNoPid : p.idBlock) + END;
  }

  /** EventID 7. */
  imageLoad(h: RenderHost, t: number, p: Proc, dll: number): string {
    return this.head(7, h, t) + this.utc(t) + p.idBlock + DLLS[dll].block + END;
  }

  /** EventID 3, an outbound TCP connection from the host's address. */
  network(h: RenderHost, t: number, p: Proc, hostIp: string, hostName: string, remote: number, srcPort: number): string {
    const [ip, name, port, portName] = REMOTES[remote];
    return (
      this.head(3, h, t) + this.utc(t) + p.idBlock + "<Data Name='User'>" + p.logon.user +
      "</Data><Data Name='Protocol'>tcp</Data><Data Name='Initiated'>true</Data><Data Name='SourceIsIpv6'>false</Data><Data Name='SourceIp'>" +
      hostIp + "</Data><Data Name='SourceHostname'>" + hostName + "</Data><Data Name='SourcePort'>" + srcPort +
      "</Data><Data Name='SourcePortName'>-</Data><Data Name='DestinationIsIpv6'>false</Data><Data Name='DestinationIp'>" + ip +
      "</Data><Data Name='DestinationHostname'>" + name + "</Data><Data Name='DestinationPort'>" + port +
      "</Data><Data Name='DestinationPortName'>" + portName + '</Data>' + END
    );
  }

  /** EventID 22. */
  dns(h: RenderHost, t: number, p: Proc, query: number): string {
    const [name, results] = DNS[query];
    return (
      this.head(22, h, t) + this.utc(t) + "<Data Name='ProcessGuid'>" + p.guid + "</Data><Data Name='ProcessId'>" + p.pid +
      "</Data><Data Name='QueryName'>" + name + "</Data><Data Name='QueryStatus'>0</Data><Data Name='QueryResults'>" + results +
      "</Data><Data Name='Image'>" + p.image + '</Data>' + END
    );
  }

  /** EventID 10: source opens target. */
  processAccess(h: RenderHost, t: number, src: Proc, tid: number, target: Proc, access: string, trace: number): string {
    return (
      this.head(10, h, t) + this.utc(t) + "<Data Name='SourceProcessGUID'>" + src.guid + "</Data><Data Name='SourceProcessId'>" + src.pid +
      "</Data><Data Name='SourceThreadId'>" + tid + "</Data><Data Name='SourceImage'>" + src.image +
      "</Data><Data Name='TargetProcessGUID'>" + target.guid + "</Data><Data Name='TargetProcessId'>" + target.pid +
      "</Data><Data Name='TargetImage'>" + target.image + "</Data><Data Name='GrantedAccess'>" + access +
      "</Data><Data Name='CallTrace'>" + CALL_TRACES[trace] + '</Data>' + END
    );
  }

  /** EventID 11. */
  fileCreate(h: RenderHost, t: number, p: Proc, file: string, createdAt: number): string {
    return (
      this.head(11, h, t) + this.utc(t) + p.idBlock + "<Data Name='TargetFilename'>" + file +
      "</Data><Data Name='CreationUtcTime'>" + this.tf.utc(createdAt) + '</Data>' + END
    );
  }

  /** EventID 12: CreateKey, DeleteKey, DeleteValue. */
  registryObject(h: RenderHost, t: number, p: Proc, eventType: string, target: string): string {
    return (
      this.head(12, h, t) + "<Data Name='EventType'>" + eventType + '</Data>' + this.utc(t) + p.idBlock +
      "<Data Name='TargetObject'>" + target + '</Data>' + END
    );
  }

  /** EventID 13: SetValue. */
  registrySet(h: RenderHost, t: number, p: Proc, target: string, details: string): string {
    return (
      this.head(13, h, t) + "<Data Name='EventType'>SetValue</Data>" + this.utc(t) + p.idBlock +
      "<Data Name='TargetObject'>" + target + "</Data><Data Name='Details'>" + details + '</Data>' + END
    );
  }
}
