// `proctree tree` output: the forest with box-drawing branches, like pstree / tree, one process
// per line, exited ones marked. Every string from the data is made safe for a terminal first:
// command lines and images are attacker-controlled, and an escape sequence in one must not
// drive the analyst's terminal.

import type { TreeNode } from './model.js';
import type { ProcessFacts } from '../index/process-facts.js';

export interface RenderOptions {
  /** Show each process's command line (like pstree -a). */
  args?: boolean;
}

// C0 and C1 controls, DEL, line/paragraph separators and bidirectional overrides.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** The string with control and bidi characters written as \xNN / \uNNNN, and backslash-n style for the usual ones. */
export function terminalSafe(s: string): string {
  return s.replace(UNSAFE, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

export function isoTime(ms: number | null): string {
  return ms === null ? '?' : new Date(ms).toISOString();
}

function fileName(image: string): string {
  const cut = Math.max(image.lastIndexOf('\\'), image.lastIndexOf('/'));
  return image.slice(cut + 1);
}

/** One process: 'smss.exe (388) s0 NT AUTHORITY\SYSTEM 2024-...Z [exited 2024-...Z]'. */
export function nodeLabel(n: TreeNode, opts: RenderOptions = {}): string {
  const parts: string[] = [];
  const name = n.image === '' ? '?' : fileName(n.image) || n.image;
  parts.push(`${terminalSafe(name)} (${n.pid ?? '?'})`);
  if (n.sessionId !== null) parts.push(`s${n.sessionId}`);
  if (n.user !== '') parts.push(terminalSafe(n.user));
  if (n.start !== null) parts.push(isoTime(n.start));
  if (n.placeholder) parts.push('[not logged: known only as a parent]');
  if (n.end !== null) parts.push(n.goneAtReboot ? `[gone at reboot ${isoTime(n.end)}]` : `[exited ${isoTime(n.end)}]`);
  if (n.inCycle) parts.push('[on a parent loop]');
  if (opts.args === true && n.commandLine !== '') parts.push(`: ${terminalSafe(n.commandLine)}`);
  return parts.join(' ');
}

/** Deeper than this, a line says its depth instead of indenting further (real trees are < 20 deep). */
export const MAX_INDENT_DEPTH = 64;

/** The forest as text, one line per process, ending with a newline (empty string for no roots). */
export function renderForest(roots: readonly TreeNode[], opts: RenderOptions = {}): string {
  const lines: string[] = [];
  // Iterative, so that a forged chain of many thousand processes cannot overflow the stack, and
  // its indentation capped, so that it cannot make the output quadratic in its depth.
  const stack: { node: TreeNode; prefix: string; branch: string; depth: number }[] = [];
  for (let i = roots.length - 1; i >= 0; i--) stack.push({ node: roots[i], prefix: '', branch: '', depth: 0 });
  while (stack.length > 0) {
    const { node, prefix, branch, depth } = stack.pop()!;
    const shown = depth > MAX_INDENT_DEPTH ? `[depth ${depth}] ` : prefix;
    lines.push(shown + branch + nodeLabel(node, opts));
    const childPrefix = branch === '' || depth >= MAX_INDENT_DEPTH ? prefix : prefix + (branch === '└── ' ? '    ' : '│   ');
    const kids = node.children;
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ node: kids[i], prefix: childPrefix, branch: i === kids.length - 1 ? '└── ' : '├── ', depth: depth + 1 });
  }
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}

/** A TreeNode for scripts: times as ISO strings. */
export interface JsonNode extends Omit<ProcessFacts, 'start' | 'end'> {
  start: string | null;
  end: string | null;
  exited: boolean;
  goneAtReboot: boolean;
  children: JsonNode[];
}

/** --json: the same forest with ISO times, nested. */
export function forestJson(roots: readonly TreeNode[]): JsonNode[] {
  const conv = (n: TreeNode): JsonNode => ({
    guid: n.guid,
    pid: n.pid,
    image: n.image,
    commandLine: n.commandLine,
    user: n.user,
    sessionId: n.sessionId,
    start: n.start === null ? null : isoTime(n.start),
    end: n.end === null ? null : isoTime(n.end),
    exited: n.end !== null,
    goneAtReboot: n.goneAtReboot,
    placeholder: n.placeholder,
    children: [],
  });
  const out = roots.map(conv);
  const stack: [TreeNode, JsonNode][] = roots.map((r, i) => [r, out[i]]);
  while (stack.length > 0) {
    const [n, j] = stack.pop()!;
    for (const c of n.children) {
      const cj = conv(c);
      j.children.push(cj);
      stack.push([c, cj]);
    }
  }
  return out;
}
