// Alert layouts, declared once: `native` (docs/alerts.md) and `ecs` (Elastic Common Schema).
// Every sink that writes alerts (JSON lines, Kafka) takes its layout from here. The schema of
// the pipeline key is here; the layouts themselves are in layout.ts, which loads no zod.

import { z } from 'zod';
import { ALERT_FORMATS } from './layout.js';

export { ALERT_FORMATS, formatAlert, type AlertFormat } from './layout.js';

export const alertFormatSchema = z.enum(ALERT_FORMATS, { error: `expected ${ALERT_FORMATS.join(' or ')}` }).default('native');
