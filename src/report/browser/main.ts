// The report viewer: reads the embedded JSON and draws the run, the filters, the alert timeline,
// the alerts (a row each; the tree is built when a row is opened) and each host's session-start
// chains (built when a host is opened). Stays responsive with tens of thousands of alerts by
// drawing only a page of rows at a time.

import type { Alert } from '../../alerts/alert.js';
import { indexProcs, type HostProcs } from '../alert-tree.js';
import { sessionChains } from '../chain.js';
import { REPORT_FORMAT, type HostSection, type ReportData } from '../model.js';
import { NO_FILTER, SEVERITIES, formatTime, matchesFilter, type AlertFilter } from '../view.js';
import { alertBody } from './alert-body.js';
import { bootCaption, bootChart } from './chain-view.js';
import { h, option } from './dom.js';
import { runSection } from './run-section.js';
import { timelineSvg } from './timeline.js';

const PAGE = 100;
const HOST_PAGE = 50;

function readData(): ReportData {
  const el = document.getElementById('report-data');
  if (el === null || el.textContent === null) throw new Error('the report data is missing');
  const data = JSON.parse(el.textContent) as ReportData;
  if (data.format !== REPORT_FORMAT) throw new Error(`report format ${String(data.format)}, this viewer reads ${REPORT_FORMAT}`);
  return data;
}

class Viewer {
  private filter: AlertFilter = { ...NO_FILTER };
  private matched: Alert[] = [];
  private alertsShown = 0;
  private hostsShown = 0;
  private readonly procsByHost = new Map<string, HostProcs>();
  private readonly hostByKey = new Map<string, HostSection>();
  private readonly alertedByHost = new Map<string, Set<string>>();
  private readonly list = h('div', { id: 'alert-list', class: 'alert-list' });
  private readonly more = h('button', { id: 'alerts-more', attrs: { type: 'button' } });
  private readonly count = h('p', { id: 'alert-count', class: 'count', attrs: { 'aria-live': 'polite' } });
  private readonly timeline = h('div', { id: 'timeline-chart' });
  private readonly hostList = h('div', { id: 'host-list' });
  private readonly hostMore = h('button', { id: 'hosts-more', attrs: { type: 'button' } });
  private readonly hostCount = h('p', { id: 'host-count', class: 'count' });
  private readonly controls: { host: HTMLSelectElement; rule: HTMLSelectElement; severity: HTMLSelectElement; text: HTMLInputElement };

  constructor(private readonly data: ReportData) {
    for (const host of data.hosts) this.hostByKey.set(host.name.toLowerCase(), host);
    for (const a of data.alerts) {
      const key = a.host.toLowerCase();
      let set = this.alertedByHost.get(key);
      if (set === undefined) this.alertedByHost.set(key, (set = new Set()));
      set.add(a.process.guid);
    }
    const hostSelect = h('select', { id: 'filter-host', attrs: { 'aria-label': 'host' } }, option('', 'all hosts'));
    for (const host of [...data.hosts].sort((a, b) => a.name.localeCompare(b.name))) hostSelect.append(option(host.name, `${host.name} (${host.alerts})`));
    const ruleSelect = h('select', { id: 'filter-rule', attrs: { 'aria-label': 'rule' } }, option('', 'all rules'));
    for (const [rule, n] of Object.entries(data.run.alertsByRule)) ruleSelect.append(option(rule, `${rule} (${n})`));
    const sevSelect = h('select', { id: 'filter-severity', attrs: { 'aria-label': 'severity' } }, option('', 'all severities'));
    for (const sev of SEVERITIES) if (data.run.alertsBySeverity[sev] !== undefined) sevSelect.append(option(sev, `${sev} (${data.run.alertsBySeverity[sev]})`));
    const text = h('input', { id: 'filter-text', attrs: { type: 'search', placeholder: 'image, command line, title, id…', 'aria-label': 'search' } });
    this.controls = { host: hostSelect, rule: ruleSelect, severity: sevSelect, text };
    this.more.addEventListener('click', () => this.showAlerts(PAGE));
    this.hostMore.addEventListener('click', () => this.showHosts(HOST_PAGE));
  }

  render(root: HTMLElement): void {
    const d = this.data;
    const c = this.controls;
    const reset = h('button', { id: 'filter-reset', attrs: { type: 'button' } }, 'reset');
    const filters = h(
      'form',
      { id: 'filters', class: 'filters', attrs: { role: 'search' } },
      h('label', undefined, 'host ', c.host),
      h('label', undefined, 'rule ', c.rule),
      h('label', undefined, 'severity ', c.severity),
      h('label', undefined, 'search ', c.text),
      reset,
      this.count,
    );
    filters.addEventListener('submit', (e) => e.preventDefault());
    for (const sel of [c.host, c.rule, c.severity]) sel.addEventListener('change', () => this.applyFilters());
    let timer = 0;
    c.text.addEventListener('input', () => {
      clearTimeout(timer);
      timer = window.setTimeout(() => this.applyFilters(), 150);
    });
    reset.addEventListener('click', () => {
      c.host.value = c.rule.value = c.severity.value = c.text.value = '';
      this.applyFilters();
    });

    root.replaceChildren(
      h(
        'header',
        undefined,
        h('h1', undefined, d.title),
        h(
          'p',
          { class: 'muted' },
          `written ${formatTime(Date.parse(d.generatedAt))}`,
          d.run.files !== null ? ` · ${d.run.files} file(s)` : '',
          d.run.bytes !== null ? `, ${(d.run.bytes / 1e6).toFixed(1)} MB` : '',
          d.run.seconds !== null ? ` in ${d.run.seconds} s` : '',
        ),
        d.inputs.length > 0 ? h('p', { class: 'inputs' }, 'inputs: ', ...d.inputs.flatMap((p, i) => [i > 0 ? ', ' : '', h('code', undefined, p)])) : null,
        h('nav', undefined, h('a', { attrs: { href: '#run' } }, 'run'), ' · ', h('a', { attrs: { href: '#unjudged' } }, 'not judged'), ' · ', h('a', { attrs: { href: '#timeline' } }, 'timeline'), ' · ', h('a', { attrs: { href: '#alerts' } }, 'alerts'), ' · ', h('a', { attrs: { href: '#hosts' } }, 'hosts')),
      ),
      runSection(d),
      filters,
      h('section', { id: 'timeline', attrs: { 'aria-labelledby': 'timeline-title' } }, h('h2', { id: 'timeline-title' }, 'Alerts over event time'), this.timeline),
      h(
        'section',
        { id: 'alerts', attrs: { 'aria-labelledby': 'alerts-title' } },
        h('h2', { id: 'alerts-title' }, 'Alerts'),
        d.alertsDropped > 0 ? h('p', { class: 'warn' }, `${d.alertsDropped} further alert(s) were raised but are not in this report (its cap); the JSON lines output has them all.`) : null,
        h('div', { class: 'alert-head', attrs: { 'aria-hidden': 'true' } }, h('span', undefined, 'event time'), h('span', undefined, 'severity'), h('span', undefined, 'rule'), h('span', undefined, 'host'), h('span', undefined, 'process'), h('span', undefined, 'title')),
        this.list,
        this.more,
      ),
      h(
        'section',
        { id: 'hosts', attrs: { 'aria-labelledby': 'hosts-title' } },
        h('h2', { id: 'hosts-title' }, 'Hosts: session-start chains'),
        h('p', { class: 'muted' }, 'System → master smss → one child smss per session → csrss + wininit (session 0) or winlogon. Each boot on its own axis, from its first process; a child smss normally exits within a second. Dashed outline: no exit seen; grey: the host logs no exits, so the end is unknown; ⚠: the subject of an alert.'),
        this.hostCount,
        this.hostList,
        this.hostMore,
      ),
    );
    this.applyFilters();
    root.setAttribute('data-ready', 'true');
  }

  private applyFilters(): void {
    const c = this.controls;
    this.filter = { host: c.host.value, rule: c.rule.value, severity: c.severity.value, text: c.text.value.trim() };
    const f = this.filter;
    const none = f.host === '' && f.rule === '' && f.severity === '' && f.text === '';
    this.matched = none ? this.data.alerts : this.data.alerts.filter((a) => matchesFilter(a, f));
    this.alertsShown = 0;
    this.list.replaceChildren();
    this.showAlerts(PAGE);
    this.timeline.replaceChildren(timelineSvg(this.data.alerts, this.matched));
    this.hostsShown = 0;
    this.hostList.replaceChildren();
    this.showHosts(HOST_PAGE);
  }

  private showAlerts(n: number): void {
    const end = Math.min(this.matched.length, this.alertsShown + n);
    const frag = document.createDocumentFragment();
    for (let i = this.alertsShown; i < end; i++) frag.append(this.alertRow(this.matched[i]));
    this.list.append(frag);
    this.alertsShown = end;
    const total = this.data.alerts.length;
    this.count.textContent = `${this.matched.length} of ${total} alerts match${this.matched.length > end ? `, ${end} shown` : ''}`;
    this.count.setAttribute('data-matched', String(this.matched.length));
    const left = this.matched.length - end;
    this.more.hidden = left <= 0;
    this.more.textContent = `show ${Math.min(PAGE, left)} more of ${left}`;
    if (this.matched.length === 0) this.list.append(h('p', { class: 'muted empty' }, total === 0 ? 'No alerts were raised.' : 'No alert matches the filters.'));
  }

  private alertRow(a: Alert): HTMLElement {
    const p = a.process;
    const name = p.image.slice(Math.max(p.image.lastIndexOf('\\'), p.image.lastIndexOf('/')) + 1) || '(not logged)';
    const row = h(
      'details',
      { class: `alert sev-${a.severity}`, attrs: { 'data-id': a.id, 'data-rule': a.rule, 'data-host': a.host, 'data-severity': a.severity } },
      h(
        'summary',
        undefined,
        h('span', { class: 'time' }, a.time.replace('T', ' ')),
        h('span', { class: 'sev' }, a.severity),
        h('span', { class: 'rule' }, a.rule),
        h('span', { class: 'host' }, a.host),
        h('span', { class: 'proc' }, `${name} (${p.pid ?? '?'})`),
        h('span', { class: 'title' }, a.title),
      ),
    );
    row.addEventListener('toggle', () => {
      if (!row.open || row.querySelector('.alert-body') !== null) return;
      row.append(alertBody(a, this.procsOf(a.host)));
    });
    return row;
  }

  private procsOf(host: string): HostProcs {
    const key = host.toLowerCase();
    let p = this.procsByHost.get(key);
    if (p === undefined) {
      p = indexProcs(this.hostByKey.get(key)?.procs ?? []);
      this.procsByHost.set(key, p);
    }
    return p;
  }

  private hostsMatching(): HostSection[] {
    const f = this.filter;
    if (f.host !== '') return this.data.hosts.filter((x) => x.name.toLowerCase() === f.host.toLowerCase());
    return this.data.hosts;
  }

  private showHosts(n: number): void {
    const hosts = this.hostsMatching();
    const end = Math.min(hosts.length, this.hostsShown + n);
    for (let i = this.hostsShown; i < end; i++) this.hostList.append(this.hostRow(hosts[i]));
    this.hostsShown = end;
    this.hostCount.textContent = `${hosts.length} host(s)${hosts.length > end ? `, ${end} shown` : ''}`;
    const left = hosts.length - end;
    this.hostMore.hidden = left <= 0;
    this.hostMore.textContent = `show ${Math.min(HOST_PAGE, left)} more of ${left}`;
  }

  private hostRow(host: HostSection): HTMLElement {
    const row = h(
      'details',
      { class: 'host', attrs: { 'data-host': host.name } },
      h(
        'summary',
        undefined,
        h('span', { class: 'host-name' }, host.name),
        h('span', { class: 'muted' }, ` ${host.events} events, ${formatTime(host.firstTime)} – ${formatTime(host.lastTime)}`),
        host.alerts > 0 ? h('span', { class: 'badge alerts' }, `${host.alerts} alert(s)`) : h('span', { class: 'badge ok' }, 'no alerts'),
        host.sentExits ? null : h('span', { class: 'badge noexit', title: 'this host sent no EventID 5: exits of its processes are unknown' }, 'no EventID 5'),
      ),
    );
    row.addEventListener('toggle', () => {
      if (!row.open || row.querySelector('.chains') !== null) return;
      row.append(this.chains(host));
    });
    return row;
  }

  private chains(host: HostSection): HTMLElement {
    const boots = sessionChains(host.procs);
    const box = h('div', { class: 'chains' });
    if (host.procsDropped > 0) box.append(h('p', { class: 'warn' }, `${host.procsDropped} older process record(s) of this host were dropped (the report's per-host cap): early boots are incomplete.`));
    if (boots.length === 0) {
      box.append(h('p', { class: 'muted' }, 'No smss, csrss, wininit, winlogon or autochk process of this host was logged.'));
      return box;
    }
    const alerted = this.alertedByHost.get(host.name.toLowerCase()) ?? new Set<string>();
    boots.forEach((b, i) => box.append(h('div', { class: 'boot' }, bootCaption(b, i), bootChart(b, host.sentExits, alerted))));
    return box;
  }
}

function start(): void {
  const root = document.getElementById('app')!;
  try {
    new Viewer(readData()).render(root);
  } catch (e) {
    root.replaceChildren(h('p', { class: 'warn' }, `This report could not be shown: ${(e as Error).message}`));
    throw e;
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
