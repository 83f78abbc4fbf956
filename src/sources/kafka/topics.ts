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
    // A busy host's tree can outgrow the 1 MB default record size even gzipped.
    await admin.createTopics([
      { topic: s.state_topic, partitions: inputPartitions, compacted: true, config: { 'max.message.bytes': String(16 << 20) } },
    ]);
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
