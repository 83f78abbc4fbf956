// A host's session-start chains, one SVG per boot on its own time axis (offsets from the boot's
// first process), so that a normal boot can be seen beside a bad one.

import type { BootChain, ChainRow } from '../chain.js';
import { axisTicks, formatDuration, formatOffset, formatTime } from '../view.js';
import { h, s } from './dom.js';

const W = 960;
const LABEL_W = 320;
const ROW_H = 20;
const TOP = 26;

function fileName(image: string): string {
  const cut = Math.max(image.lastIndexOf('\\'), image.lastIndexOf('/'));
  return image.slice(cut + 1) || '(not logged)';
}

function label(r: ChainRow): string {
  const name = r.kind === 'system' && r.image === '' ? 'System' : fileName(r.image);
  const session = r.sessionId !== null && r.kind !== 'system' ? ` s${r.sessionId}` : '';
  return `${name} (${r.pid ?? '?'})${session}${r.kind === 'master' ? ' master' : ''}`;
}

function rowTitle(r: ChainRow, sentExits: boolean): string {
  const parts = [r.image || '(image not logged)', `pid ${r.pid ?? '?'}`, `start ${formatTime(r.start)}`];
  if (r.end !== null) parts.push(`exit ${formatTime(r.end)}${r.start !== null ? ` (after ${formatDuration(r.end - r.start)})` : ''}`);
  else if (r.start !== null) parts.push(sentExits ? 'no exit seen' : 'exit unknown: this host sent no EventID 5');
  if (r.placeholder) parts.push('known only as a parent: its creation was not logged');
  return parts.join(' · ');
}

export function bootChart(boot: BootChain, sentExits: boolean, alerted: ReadonlySet<string>): SVGSVGElement {
  const rows = boot.rows;
  const height = TOP + rows.length * ROW_H + 8;
  const svg = s('svg', { viewBox: `0 0 ${W} ${height}`, class: 'chain', role: 'img', 'aria-label': 'session-start chain on a time axis' });
  const plotW = W - LABEL_W - 16;
  const t0 = boot.start ?? 0;
  const spanMs = Math.max(boot.end !== null && boot.start !== null ? boot.end - boot.start : 0, 1000) * 1.08;
  const x = (t: number): number => LABEL_W + ((t - t0) / spanMs) * plotW;
  for (const t of axisTicks(spanMs)) {
    svg.append(s('line', { x1: x(t0 + t), y1: TOP - 6, x2: x(t0 + t), y2: height - 6, class: 'grid-line' }));
    svg.append(s('text', { x: x(t0 + t), y: TOP - 10, 'text-anchor': 'middle', class: 'tick' }, formatOffset(t)));
  }
  rows.forEach((r, i) => {
    const y = TOP + i * ROW_H;
    const isAlerted = alerted.has(r.guid);
    const g = s('g', { class: `row kind-${r.kind}${isAlerted ? ' alerted' : ''}${r.placeholder ? ' placeholder' : ''}`, 'data-guid': r.guid, 'data-kind': r.kind });
    g.append(s('title', {}, rowTitle(r, sentExits)));
    g.append(s('text', { x: 6 + r.depth * 16, y: y + 14, class: 'label' }, (isAlerted ? '⚠ ' : '') + label(r)));
    if (r.start !== null && boot.start !== null) {
      const x0 = x(r.start);
      const open = r.end === null;
      const x1 = open ? LABEL_W + plotW : x(r.end!);
      svg.append(g);
      g.append(s('rect', { x: x0, y: y + 4, width: Math.max(3, x1 - x0), height: ROW_H - 8, rx: 2, class: `bar${open ? (sentExits ? ' open' : ' unknown-exit') : ''}` }));
      return;
    }
    svg.append(g);
  });
  return svg;
}

export function bootCaption(boot: BootChain, index: number): HTMLElement {
  if (boot.orphan) return h('h4', undefined, 'Chain processes whose smss was not recorded');
  const m = boot.master;
  return h(
    'h4',
    undefined,
    `Boot ${index + 1}: master smss.exe pid ${m?.pid ?? '?'}, from ${formatTime(boot.start)}`,
    boot.end !== null && boot.start !== null ? ` (chain spans ${formatDuration(boot.end - boot.start)})` : '',
  );
}
