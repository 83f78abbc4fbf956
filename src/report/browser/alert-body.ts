// An expanded alert: its process tree (collapsible, subject highlighted), evidence, ATT&CK ids
// and details. Built the first time the alert is opened.

import type { Alert } from '../../alerts/alert.js';
import { alertTree, type HostProcs, type TreeNodeView } from '../alert-tree.js';
import { attackUrl, formatDuration, formatTime } from '../view.js';
import { h, table, type Child } from './dom.js';

const ROLE_LABEL: Record<TreeNodeView['role'], string> = {
  ancestor: 'ancestor',
  parent: 'parent',
  subject: 'subject',
  sibling: 'sibling',
  child: 'child',
};

function fileName(image: string): string {
  const cut = Math.max(image.lastIndexOf('\\'), image.lastIndexOf('/'));
  return image.slice(cut + 1);
}

function nodeLine(n: TreeNodeView): HTMLElement {
  const name = n.image !== '' ? fileName(n.image) : '(not logged)';
  const life =
    n.end !== null
      ? h('span', { class: 'exited' }, `exited ${formatTime(n.end)}${n.start !== null ? ` after ${formatDuration(n.end - n.start)}` : ''}`)
      : n.start !== null
        ? h('span', { class: 'alive' }, 'no exit seen')
        : null;
  return h(
    'span',
    { class: 'line' },
    h('span', { class: 'img' }, name),
    ' ',
    h('span', { class: 'pid' }, n.pid === null ? 'pid ?' : `pid ${n.pid}`),
    ' ',
    h('span', { class: `role role-${n.role}` }, ROLE_LABEL[n.role]),
    life !== null ? ' ' : null,
    life,
  );
}

function fields(n: TreeNodeView): HTMLElement {
  const pair = (k: string, v: Child, cls = '') => h('div', { class: `f${cls}` }, h('dt', undefined, k), h('dd', undefined, v));
  return h(
    'dl',
    { class: 'fields' },
    pair('image', n.image || '—', ' wide'),
    pair('pid', n.pid ?? '—'),
    pair('user', n.user ?? '—'),
    pair('session', n.sessionId ?? '—'),
    pair('start', formatTime(n.start)),
    pair('end', formatTime(n.end)),
    pair('command line', n.commandLine === null ? '—' : h('code', undefined, n.commandLine), ' wide'),
    pair('guid', h('code', undefined, n.guid || '—'), ' wide'),
  );
}

/** Nested list; every node with children is a <details> open by default, so it can be collapsed. */
function treeList(root: TreeNodeView): HTMLElement {
  const top = h('ul', { class: 'tree', attrs: { role: 'tree' } });
  // Iterative: hostile data can build deep chains.
  const stack: [TreeNodeView, HTMLElement][] = [[root, top]];
  while (stack.length > 0) {
    const [n, into] = stack.pop()!;
    const li = h('li', {
      class: `node node-${n.role}${n.role === 'subject' ? ' subject' : ''}${n.unknown ? ' unknown' : ''}`,
      attrs: { role: 'treeitem', 'data-guid': n.guid, 'data-role': n.role, 'aria-current': n.role === 'subject' ? 'true' : null },
    });
    if (n.children.length > 0) {
      const d = h('details', { attrs: { open: true } }, h('summary', undefined, nodeLine(n)), fields(n));
      const ul = h('ul', { attrs: { role: 'group' } });
      d.append(ul);
      li.append(d);
      for (let i = n.children.length - 1; i >= 0; i--) stack.push([n.children[i], ul]);
    } else {
      li.append(h('div', { class: 'leaf' }, nodeLine(n)), fields(n));
    }
    into.append(li);
  }
  return top;
}

export function alertBody(a: Alert, procs: HostProcs): HTMLElement {
  const evidence = table(
    ['EventID', 'record id', 'event time'],
    a.evidence.map((e) => [e.eventId, e.recordId, e.time]),
    { class: 'evidence' },
  );
  const attack = h(
    'ul',
    { class: 'attack' },
    ...a.attack.map((id) => {
      const url = attackUrl(id);
      return h('li', undefined, url === null ? id : h('a', { attrs: { href: url, target: '_blank', rel: 'noopener noreferrer' } }, id));
    }),
  );
  const details = Object.keys(a.details).length > 0 ? h('pre', { class: 'details' }, JSON.stringify(a.details, null, 2)) : h('p', { class: 'muted' }, 'none');
  return h(
    'div',
    { class: 'alert-body' },
    h('p', { class: 'alert-title' }, a.title),
    h('h4', undefined, 'Process tree'),
    treeList(alertTree(a, procs)),
    h('div', { class: 'grid' }, h('div', undefined, h('h4', undefined, 'Evidence'), evidence), h('div', undefined, h('h4', undefined, 'ATT&CK'), attack), h('div', undefined, h('h4', undefined, 'Details'), details)),
    h('p', { class: 'muted' }, 'alert id ', h('code', undefined, a.id)),
  );
}
