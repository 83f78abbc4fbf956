// What sysmon-proctree writes to Kafka besides dead letters: alerts (keyed by host, rule and
// severity in headers so consumers can route without parsing) and state-topic snapshots.

import type { Alert } from '../alerts/alert.js';
import { formatAlert, type AlertFormat } from '../alerts/format.js';
import type { InMessage, OutMessage } from './client.js';
import type { EmittedRecord, StateRecord } from './partition-task.js';

export const ALERT_HEADERS = { rule: 'rule', severity: 'severity', id: 'alert-id' } as const;

export function alertMessage(alert: Alert, format: AlertFormat): OutMessage {
  return {
    // Lower-cased: host names change case within one fleet, a host's alerts stay on one partition.
    key: alert.host.toLowerCase(),
    value: formatAlert(alert, format),
    headers: { [ALERT_HEADERS.rule]: alert.rule, [ALERT_HEADERS.severity]: alert.severity, [ALERT_HEADERS.id]: alert.id },
  };
}

/** Snapshots go to the state partition with the input partition's number, keyed by host (compaction keeps the latest). */
export function stateMessage(record: StateRecord): OutMessage {
  return { key: record.host.key, value: JSON.stringify(record), partition: record.partition };
}

/**
 * Key of a partition's EmittedRecord in the state topic: not a host name (they hold no "~"), and
 * one per input topic, since several input topics may share a state topic.
 */
export function emittedKey(topic: string): string {
  return `~emitted:${topic}`;
}

/** Goes to the state partition with the input partition's number, as the snapshots. */
export function emittedMessage(record: EmittedRecord): OutMessage {
  return { key: emittedKey(record.topic), value: JSON.stringify(record), partition: record.partition };
}

export class StateTopicError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateTopicError';
  }
}

/** The record of a state-topic message; null for a tombstone. */
export function parseStateRecord(topic: string, partition: number, m: InMessage): StateRecord | EmittedRecord | null {
  if (m.value === null) return null;
  let r: unknown;
  try {
    r = JSON.parse(m.value.toString('utf8'));
  } catch {
    r = undefined;
  }
  const rec = r as (Partial<StateRecord> & Partial<EmittedRecord>) | undefined;
  if (rec != null && typeof rec.emitted === 'number' && typeof rec.topic === 'string' && typeof rec.partition === 'number') {
    return rec as EmittedRecord;
  }
  if (
    rec === undefined ||
    rec === null ||
    typeof rec.topic !== 'string' ||
    typeof rec.partition !== 'number' ||
    typeof rec.offset !== 'number' ||
    typeof rec.host !== 'object' ||
    rec.host === null
  ) {
    throw new StateTopicError(
      `${topic} partition ${partition} offset ${m.offset} is not a sysmon-proctree host snapshot: ` +
        'point source.state_topic at a topic only sysmon-proctree writes to',
    );
  }
  return rec as StateRecord;
}
