// The file source's part of the pipeline YAML (`source.kind: files`, the default for replay).

import { z } from 'zod';

export const filesSourceSchema = z.strictObject({ kind: z.literal('files') });
