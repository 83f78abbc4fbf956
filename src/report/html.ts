// One self-contained HTML file: the report's data as JSON in a <script type="application/json">,
// the bundled viewer script and its stylesheet inline, and a Content-Security-Policy that lets
// the page load nothing at all from anywhere (default-src 'none'; the inline script and style are
// allowed by their hashes). Sysmon command lines, images and host names are attacker-controlled:
// the data goes in as JSON escaped so that it cannot close its <script> element, and the viewer
// puts every value into the page as text, never as markup.

import { createHash } from 'node:crypto';
import type { ReportAssets } from './assets.js';
import type { ReportData } from './model.js';

const UNSAFE_IN_SCRIPT = /[<>&\u2028\u2029]/g;

/** JSON that can sit inside a <script> element: no '<' (so no '</script>' or '<!--'), '>', '&' or line separators. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(UNSAFE_IN_SCRIPT, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64');
}

/** Inline code must not contain its own end tag; bundlers escape it in strings, this checks. */
function assertInlineable(code: string, tag: 'script' | 'style'): void {
  if (new RegExp(`</${tag}`, 'i').test(code)) throw new Error(`report asset contains </${tag}>; it cannot be inlined`);
}

export function renderReportHtml(data: ReportData, assets: ReportAssets): string {
  assertInlineable(assets.js, 'script');
  assertInlineable(assets.css, 'style');
  const csp = [
    "default-src 'none'",
    `script-src 'sha256-${sha256(assets.js)}'`,
    `style-src 'sha256-${sha256(assets.css)}'`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="sysmon-proctree">
<title>${escapeHtml(data.title)}</title>
<style>${assets.css}</style>
</head>
<body>
<noscript><p>This report draws its tables and trees with JavaScript; allow scripts for this file to see it.</p></noscript>
<div id="app" aria-live="polite"></div>
<script type="application/json" id="report-data">${scriptSafeJson(data)}</script>
<script>${assets.js}</script>
</body>
</html>
`;
}
