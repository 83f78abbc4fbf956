// XML for configuration snippets: include conditions grouped into one RuleGroup per tag, the
// shape both public configurations use, ready to paste inside <EventFiltering>.

import type { IncludeCondition } from './needs.js';

export function escapeXmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function escapeXmlAttr(s: string): string {
  return escapeXmlText(s).replace(/"/g, '&quot;');
}

/** The RuleGroup name of added snippets: Sysmon writes it as RuleName on the events they log. */
export const SNIPPET_GROUP_NAME = 'proctree smss rules';

/** Lines of XML (two-space indent, no trailing newline) adding `conditions` as include rules. */
export function renderIncludeSnippet(conditions: readonly IncludeCondition[]): string[] {
  const byTag = new Map<string, IncludeCondition[]>();
  for (const c of conditions) {
    const list = byTag.get(c.tag) ?? [];
    if (!list.some((o) => o.field === c.field && o.condition === c.condition && o.value === c.value)) list.push(c);
    byTag.set(c.tag, list);
  }
  const lines: string[] = [];
  for (const [tag, list] of byTag) {
    lines.push(`<RuleGroup name="${escapeXmlAttr(SNIPPET_GROUP_NAME)}" groupRelation="or">`);
    lines.push(`  <${tag} onmatch="include">`);
    for (const c of list) {
      // "--" may not appear in an XML comment.
      lines.push(`    <!-- ${c.comment.replace(/--/g, '- -')} -->`);
      lines.push(`    <${c.field} condition="${escapeXmlAttr(c.condition)}">${escapeXmlText(c.value)}</${c.field}>`);
    }
    lines.push(`  </${tag}>`);
    lines.push('</RuleGroup>');
  }
  return lines;
}
