// Alert layouts, declared once: `native` (docs/alerts.md) and `ecs` (Elastic Common Schema).
// Every sink that writes alerts (JSON lines, Kafka) takes its layout from here.

import { z } from 'zod';
import type { Alert } from './alert.js';
import { toEcs } from './ecs.js';

export const ALERT_FORMATS = ['native', 'ecs'] as const;
export type AlertFormat = (typeof ALERT_FORMATS)[number];

export const alertFormatSchema = z.enum(ALERT_FORMATS, { error: `expected ${ALERT_FORMATS.join(' or ')}` }).default('native');

export function formatAlert(a: Alert, format: AlertFormat): string {
  return JSON.stringify(format === 'ecs' ? toEcs(a) : a);
}
