// Alert layouts: `native` (docs/alerts.md) and `ecs` (Elastic Common Schema). Their pipeline
// key's schema is in format.ts.

import type { Alert } from './alert.js';
import { toEcs } from './ecs.js';

export const ALERT_FORMATS = ['native', 'ecs'] as const;
export type AlertFormat = (typeof ALERT_FORMATS)[number];

export function formatAlert(a: Alert, format: AlertFormat): string {
  return JSON.stringify(format === 'ecs' ? toEcs(a) : a);
}
