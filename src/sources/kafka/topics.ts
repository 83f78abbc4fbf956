// Before consuming: create the topics a pipeline needs (when allowed) and check that the state
// topic can hold every input partition.

import type { KafkaAdmin } from '../../kafka/client.js';
import type { KafkaSourceConfig } from './config.js';

export class TopicSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TopicSetupError';
  }
}

/**
 * The state topic's settings when the processor creates it. A restore reads its partitions from
 * the start, and compaction keeps only each host's latest snapshot, but Kafka compacts closed
 * segments only, a segment closes at 1 GiB or after 7 days by default, and the cleaner waits
 * until half a log is superseded: a restore would read every snapshot written since the last roll
 * (docs/scaling.md). Here a segment closes after a minute (or 64 MiB) and is compacted once a
 * tenth of the log is superseded, so a restore reads about the live state and at most a minute
 * of writes besides. `max.message.bytes`: a busy host's tree can outgrow the 1 MB default record
 * size even gzipped.
 */
export const STATE_TOPIC_CONFIG: Readonly<Record<string, string>> = Object.freeze({
  'max.message.bytes': String(16 << 20),
  'segment.ms': String(60_000),
  'segment.bytes': String(64 << 20),
  'min.cleanable.dirty.ratio': '0.1',
});

/** `outputTopics`: the sinks' topics (alerts), created beside the source's own. */
export async function prepareTopics(admin: KafkaAdmin, s: KafkaSourceConfig, outputTopics: readonly string[]): Promise<void> {
  if (s.create_topics) {
    await admin.createTopics([s.topic, ...outputTopics, s.dead_letter_topic].map((topic) => ({ topic, partitions: s.partitions })));
  }
  const inputPartitions = await admin.partitionCount(s.topic);
  if (inputPartitions === undefined) {
    throw new TopicSetupError(`source.topic ${s.topic} does not exist: create it or set source.create_topics: true`);
  }
  if (s.create_topics) {
    await admin.createTopics([{ topic: s.state_topic, partitions: inputPartitions, compacted: true, config: { ...STATE_TOPIC_CONFIG } }]);
  }
  for (const t of [...outputTopics, s.dead_letter_topic]) {
    if ((await admin.partitionCount(t)) === undefined) {
      throw new TopicSetupError(`topic ${t} does not exist: create it or set source.create_topics: true`);
    }
  }
  const statePartitions = await admin.partitionCount(s.state_topic);
  if (statePartitions === undefined || statePartitions < inputPartitions) {
    throw new TopicSetupError(
      `source.state_topic ${s.state_topic} has ${statePartitions ?? 0} partitions but source.topic ${s.topic} has ` +
        `${inputPartitions}: it needs at least as many (compacted), one per input partition`,
    );
  }
}
