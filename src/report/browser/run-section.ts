// The run at a glance: events by EventID, hosts, decode errors, alerts by rule / severity / host,
// and what could not be judged and why.

import type { ReportData, UnjudgedItem } from '../model.js';
import { SEVERITIES } from '../view.js';
import { h, table, type Child } from './dom.js';

const TOP_HOSTS = 20;

function card(label: string, value: Child, id: string): HTMLElement {
  return h('div', { class: 'card', id }, h('div', { class: 'card-value' }, value), h('div', { class: 'card-label' }, label));
}

function countRows(counts: Record<string, number>, limit = Infinity): Child[][] {
  const rows = Object.entries(counts).map(([k, n]): Child[] => [k, n]);
  if (rows.length > limit) {
    const rest = rows.slice(limit).reduce((sum, r) => sum + Number(r[1]), 0);
    return [...rows.slice(0, limit), [`${rows.length - limit} more`, rest]];
  }
  return rows;
}

function unjudged(items: UnjudgedItem[] | null): HTMLElement {
  const box = h('section', { id: 'unjudged', class: 'unjudged', attrs: { 'aria-labelledby': 'unjudged-title' } }, h('h3', { id: 'unjudged-title' }, 'What could not be judged, and why'));
  if (items === null) {
    box.append(h('p', { class: 'muted' }, 'No run statistics were given to this report, so it cannot say what the rules could not judge.'));
  } else if (items.length === 0) {
    box.append(h('p', undefined, 'Nothing: every host sent what the rules need, every record decoded, no event came late.'));
  } else {
    box.append(
      h(
        'ul',
        undefined,
        ...items.map((it) =>
          h(
            'li',
            { attrs: { 'data-count': it.count } },
            h('strong', undefined, it.what),
            ': ',
            it.why,
            it.hosts !== undefined && it.hosts.length > 0 ? h('div', { class: 'muted' }, `hosts: ${it.hosts.join(', ')}${it.hosts.length < it.count ? ', …' : ''}`) : null,
          ),
        ),
      ),
    );
  }
  return box;
}

export function runSection(data: ReportData): HTMLElement {
  const r = data.run;
  const bySeverity: Record<string, number> = {};
  for (const sev of SEVERITIES) if (r.alertsBySeverity[sev] !== undefined) bySeverity[sev] = r.alertsBySeverity[sev]!;
  const hostsByAlerts = Object.fromEntries(Object.entries(r.alertsByHost).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
  const errors = r.decodeErrors;
  return h(
    'section',
    { id: 'run', attrs: { 'aria-labelledby': 'run-title' } },
    h('h2', { id: 'run-title' }, 'The run'),
    h(
      'div',
      { class: 'cards' },
      card('Sysmon events', r.events, 'card-events'),
      card('hosts', data.hosts.length, 'card-hosts'),
      card('decode errors', errors === null ? '—' : errors.total, 'card-errors'),
      card('alerts', r.alertsTotal, 'card-alerts'),
    ),
    h(
      'div',
      { class: 'grid' },
      h('div', undefined, h('h3', undefined, 'Events by EventID'), table(['EventID', 'events'], countRows(r.eventsByEventId), { id: 'events-by-id' })),
      h('div', undefined, h('h3', undefined, 'Alerts by rule'), table(['rule', 'alerts'], countRows(r.alertsByRule), { id: 'alerts-by-rule' })),
      h('div', undefined, h('h3', undefined, 'Alerts by severity'), table(['severity', 'alerts'], countRows(bySeverity), { id: 'alerts-by-severity' })),
      h('div', undefined, h('h3', undefined, 'Alerts by host'), table(['host', 'alerts'], countRows(hostsByAlerts, TOP_HOSTS), { id: 'alerts-by-host' })),
      h(
        'div',
        undefined,
        h('h3', undefined, 'Decode errors'),
        errors === null
          ? h('p', { class: 'muted' }, 'not known (no run statistics)')
          : errors.total === 0
            ? h('p', undefined, 'none')
            : table(['reason', 'records'], countRows(errors.byReason), { id: 'decode-errors' }),
      ),
    ),
    unjudged(r.unjudged),
  );
}
