// The Kafka sink's part of the pipeline YAML (`sink.kind: kafka`): the alerts topic and layout.
// Dead letters, snapshots and offsets go where the source's config says (they belong to its topics).

import { z } from 'zod';
import { alertFormatSchema } from '../../alerts/format.js';
import { topicName } from '../../util/schema.js';

export const kafkaSinkSchema = z.strictObject({
  kind: z.literal('kafka'),
  topic: topicName.default('sysmon-alerts'),
  format: alertFormatSchema,
});

export type KafkaSinkConfig = z.infer<typeof kafkaSinkSchema>;
