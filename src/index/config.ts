// The process index's part of the pipeline YAML (`index`): lateness, retention and bounds.

import { z } from 'zod';
import { nonNegative, positive } from '../util/schema.js';

export const indexSchema = z
  .strictObject({
    allowed_lateness_secs: nonNegative('a number of seconds >= 0').default(10),
    retention_secs: nonNegative('a number of seconds >= 0').default(600),
    time_jump_secs: positive('a positive number of seconds').default(3600),
    max_nodes_per_host: z.number().int().min(100, { error: 'expected a whole number >= 100' }).default(200_000),
  })
  .prefault({});

export type IndexConfig = z.infer<typeof indexSchema>;
