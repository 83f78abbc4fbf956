// The HTML file without a browser: attacker-controlled strings cannot leave the JSON data
// element, the data round-trips, nothing is loaded from anywhere, and the viewer never turns
// data into markup.

import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../alerts/alert.js';
import { bundleFromSources } from './assets.js';
import { escapeHtml, renderReportHtml, scriptSafeJson } from './html.js';
import { REPORT_FORMAT, type ReportData } from './model.js';
import { axisTicks, formatDuration, formatOffset, matchesFilter, NO_FILTER, timelineBins, attackUrl } from './view.js';

const HOSTILE = `</script><script>alert(1)</script><!-- <img src=x onerror=alert(2)> & \u2028 '"`;

function alert(over: Partial<Alert> = {}): Alert {
  return {
    id: 'a1',
    rule: 'smss.path',
    severity: 'high',
    title: `smss.exe running from an unexpected path: ${HOSTILE}`,
    host: 'PC-<b>1</b>',
    time: '2024-03-04T07:10:03.000Z',
    process: { guid: '{g}', pid: 6620, image: 'C:\\Temp\\smss.exe', commandLine: HOSTILE, user: 'SYSTEM', logonId: '0x3e7', sessionId: 3, start: '2024-03-04T07:10:03.000Z', end: null },
    parent: null,
    ancestry: [],
    children: [],
    evidence: [{ eventId: 1, recordId: 1013, time: '2024-03-04T07:10:03.000Z' }],
    attack: ['T1036.005'],
    details: { note: HOSTILE },
    detectedAt: '2024-03-04T07:10:04.000Z',
    ...over,
  };
}

function report(alerts: Alert[]): ReportData {
  return {
    format: REPORT_FORMAT,
    title: `report of ${HOSTILE}`,
    generatedAt: '2024-03-04T08:00:00.000Z',
    inputs: [HOSTILE],
    run: { eventsByEventId: { '1': 1 }, events: 1, files: 1, bytes: 10, seconds: 0.1, decodeErrors: null, alertsByRule: { 'smss.path': 1 }, alertsBySeverity: { high: 1 }, alertsByHost: {}, alertsTotal: alerts.length, unjudged: null },
    hosts: [],
    alerts,
    alertsDropped: 0,
  };
}

describe('the HTML report file', () => {
  it('keeps attacker-controlled strings inside the JSON element, escaped, and gets them back intact', async () => {
    const data = report([alert()]);
    const html = renderReportHtml(data, await bundleFromSources());
    const open = html.indexOf('<script type="application/json" id="report-data">');
    const close = html.indexOf('</script>', open);
    const json = html.slice(open + '<script type="application/json" id="report-data">'.length, close);
    expect(JSON.parse(json)).toEqual(data);
    expect(json).not.toMatch(/[<>&\u2028]/);
    // Exactly two script elements (data and viewer), whatever the data holds.
    expect(html.match(/<script\b/g)).toHaveLength(2);
    expect(html).toContain(`<title>report of ${escapeHtml(HOSTILE)}</title>`);
    expect(html).not.toContain('<img');
  });

  it('loads nothing: a CSP with default-src none, inline assets only, no URL but in link targets', async () => {
    const assets = await bundleFromSources();
    const html = renderReportHtml(report([]), assets);
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;sha256-[A-Za-z0-9+/=]+&#39;; style-src/);
    expect(html).not.toMatch(/<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=/i);
    expect(html).not.toMatch(/@import|url\(/);
    expect(assets.js.length).toBeLessThan(100_000); // lean: no framework
  });

  it('refuses assets that would close their own element', () => {
    expect(() => renderReportHtml(report([]), { js: 'x="</script>"', css: '' })).toThrow(/<\/script>/);
  });

  it('escapes what can end a script element or a JSON string in a page', () => {
    expect(scriptSafeJson({ a: '</script>', b: '\u2029&' })).toBe('{"a":"\\u003c/script\\u003e","b":"\\u2029\\u0026"}');
  });

  it('has a viewer that never writes markup from strings', () => {
    const dir = new URL('./browser/', import.meta.url);
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      const src = readFileSync(new URL(f, dir), 'utf8').replace(/^\s*\/\/.*$/gm, ''); // comments may name them
      expect(src, f).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/);
    }
  });
});

describe('viewer helpers', () => {
  it('filters by host (any case), rule, severity and text', () => {
    const a = alert();
    expect(matchesFilter(a, NO_FILTER)).toBe(true);
    expect(matchesFilter(a, { ...NO_FILTER, host: 'pc-<B>1</b>' })).toBe(true);
    expect(matchesFilter(a, { ...NO_FILTER, rule: 'smss.user' })).toBe(false);
    expect(matchesFilter(a, { ...NO_FILTER, severity: 'low' })).toBe(false);
    expect(matchesFilter(a, { ...NO_FILTER, text: 'ONERROR' })).toBe(true);
    expect(matchesFilter(a, { ...NO_FILTER, text: 'nowhere' })).toBe(false);
  });

  it('bins alerts over event time by severity, the last one in the last bin', () => {
    const t = Date.parse('2024-03-04T07:00:00.000Z');
    const alerts = [alert({ time: new Date(t).toISOString() }), alert({ time: new Date(t + 5000).toISOString(), severity: 'medium' }), alert({ time: new Date(t + 10_000).toISOString() })];
    const bins = timelineBins(alerts, t, t + 10_000, 10);
    expect(bins.map((b) => b.total)).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(bins[5].bySeverity.medium).toBe(1);
  });

  it('picks readable ticks and offsets', () => {
    expect(axisTicks(2600)).toEqual([0, 500, 1000, 1500, 2000, 2500]);
    expect(axisTicks(250_000).length).toBeLessThanOrEqual(9);
    expect(formatOffset(90_000)).toBe('+1.5 min');
    expect(formatDuration(0)).toBe('0 ms');
    expect(formatDuration(350)).toBe('350 ms');
    expect(attackUrl('T1055.012')).toBe('https://attack.mitre.org/techniques/T1055/012/');
    expect(attackUrl('javascript:alert(1)')).toBeNull();
  });
});
