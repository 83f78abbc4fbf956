// The decoder's part of the pipeline YAML (`decode`).

import { z } from 'zod';

export const decodeSchema = z
  .strictObject({
    max_event_bytes: z.number().int().min(1024, { error: 'expected a whole number of bytes >= 1024' }).default(1 << 20),
  })
  .prefault({});

export type DecodeConfig = z.infer<typeof decodeSchema>;
