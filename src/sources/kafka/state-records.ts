// Reading the state topic back (restore): each record is a host snapshot or how far a
// partition's results are published; anything else means the topic is not ours.

import type { EmittedRecord, StateRecord } from '../../engine/partition-task.js';
import type { InMessage } from '../../kafka/client.js';

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
