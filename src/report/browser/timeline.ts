// Alerts over event time: one stacked bar per slice, by severity; the axis spans every alert so
// that it stays put while the filters change the counts.

import type { Alert } from '../../alerts/alert.js';
import { SEVERITIES, formatTime, timelineBins, timeRange } from '../view.js';
import { s } from './dom.js';

const W = 960;
const H = 140;
const PAD_L = 40;
const PAD_B = 28;
const BINS = 60;

export function timelineSvg(all: readonly Alert[], shown: readonly Alert[]): SVGSVGElement {
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'timeline', role: 'img', 'aria-label': 'alerts over event time' });
  const range = timeRange(all);
  if (range === null) {
    svg.append(s('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'muted' }, 'no alerts'));
    return svg;
  }
  const [from, to] = range;
  const bins = timelineBins(shown, from, to === from ? from + 1 : to, BINS);
  const max = Math.max(1, ...bins.map((b) => b.total));
  const plotW = W - PAD_L - 10;
  const plotH = H - PAD_B - 10;
  const bw = plotW / BINS;
  svg.append(s('line', { x1: PAD_L, y1: 10 + plotH, x2: PAD_L + plotW, y2: 10 + plotH, class: 'axis' }));
  svg.append(s('text', { x: PAD_L - 6, y: 14, 'text-anchor': 'end', class: 'tick' }, String(max)));
  svg.append(s('text', { x: PAD_L - 6, y: 10 + plotH, 'text-anchor': 'end', class: 'tick' }, '0'));
  bins.forEach((b, i) => {
    if (b.total === 0) return;
    let y = 10 + plotH;
    const g = s('g', { class: 'bin', 'data-total': b.total });
    g.append(s('title', {}, `${b.total} alert(s) from ${formatTime(b.from)} to ${formatTime(b.to)}: ${SEVERITIES.filter((v) => b.bySeverity[v] > 0).map((v) => `${v} ${b.bySeverity[v]}`).join(', ')}`));
    for (const sev of SEVERITIES) {
      const n = b.bySeverity[sev];
      if (n === 0) continue;
      const bh = Math.max(1, (n / max) * plotH);
      y -= bh;
      g.append(s('rect', { x: PAD_L + i * bw + 1, y, width: Math.max(1, bw - 2), height: bh, class: `sev-${sev}` }));
    }
    svg.append(g);
  });
  svg.append(s('text', { x: PAD_L, y: H - 8, class: 'tick' }, formatTime(from)));
  svg.append(s('text', { x: PAD_L + plotW, y: H - 8, 'text-anchor': 'end', class: 'tick' }, formatTime(to)));
  return svg;
}
