// What the Kafka sink writes besides dead letters: alerts (keyed by host, rule and severity in
// headers so consumers can route without parsing) and the state topic's records.

import type { Alert } from '../../alerts/alert.js';
import { formatAlert, type AlertFormat } from '../../alerts/format.js';
import { emittedKey, type EmittedRecord, type StateRecord } from '../../engine/partition-task.js';
import type { OutMessage } from '../../kafka/client.js';

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

/** Goes to the state partition with the input partition's number, as the snapshots. */
export function emittedMessage(record: EmittedRecord): OutMessage {
  return { key: emittedKey(record.topic), value: JSON.stringify(record), partition: record.partition };
}
