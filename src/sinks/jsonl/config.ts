// The JSON-lines sink's part of the pipeline YAML (`sink.kind: jsonl`, the default): the layout.

import { z } from 'zod';
import { alertFormatSchema } from '../../alerts/format.js';

export const jsonlSinkSchema = z.strictObject({
  kind: z.literal('jsonl'),
  format: alertFormatSchema,
});

export type JsonlSinkConfig = z.infer<typeof jsonlSinkSchema>;
