// The metrics server's part of the pipeline YAML (`metrics`).

import { z } from 'zod';

export const metricsSchema = z
  .strictObject({
    /** Port of /metrics and /healthz; 0 picks a free one (logged at start). */
    port: z.number().int().min(0).max(65535, { error: 'expected a TCP port (0-65535)' }).nullable().default(null),
    host: z.string().default('0.0.0.0'),
  })
  .prefault({});

export type MetricsConfig = z.infer<typeof metricsSchema>;
