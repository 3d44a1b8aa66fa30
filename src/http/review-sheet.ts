import { createHash } from 'node:crypto';
import type { UserRow } from '../db/directory.repository';
import type { MarkRow } from '../db/mark.repository';
import { STATUS_LABELS, type DraftStatus } from '../domain/workflow';
import type { DraftDetailParts } from '../services/draft-queries.service';
import type { DraftWaiver } from '../services/waivers.service';

const escapeHtml = (value: unknown) =>
  String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

const ACTION_LABELS: Record<string, string> = { approve: '同意', return: '退回修改', reject: '否决' };
const MARK_STATUS_LABELS: Record<string, string> = { open: '待处理', accepted: '已采纳', rejected: '不采纳', applied: '已应用' };

const SHEET_STYLE = `
body{font-family:"WenQuanYi Micro Hei","Microsoft YaHei",sans-serif;margin:2em;color:#111}
h1{text-align:center;font-size:22px;letter-spacing:.3em}
table{border-collapse:collapse;width:100%;margin:1em 0}
td,th{border:1px solid #333;padding:6px 8px;font-size:13px;vertical-align:top}
th{background:#f3f3f3}
.hash{font-family:monospace}
@media print{body{margin:0}}
`;

/**
 * The sheet's own policy, on top of the app's CSP header: a printout needs no script, image, frame, form or
 * font, and only its own stylesheet (by hash). Whatever a title or comment might smuggle past escaping could
 * neither run nor load anything. It comes first in <head>, before any value from the database.
 */
export const REVIEW_SHEET_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(SHEET_STYLE).digest('base64')}'`,
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const timeIn = (timeZone: string) => (d: Date) => new Intl.DateTimeFormat('zh-CN', { timeZone, dateStyle: 'medium', timeStyle: 'medium' }).format(d);

/** 审稿单: one row per decision of the current round and earlier ones, every value escaped. */
export function reviewSheetHtml(
  detail: DraftDetailParts,
  people: Map<string, UserRow>,
  stageLabel: (s: string) => string,
  marks: readonly MarkRow[] = [],
  waivers: readonly DraftWaiver[] = [],
  route?: string,
  /** TZ_REVIEW: the zone the sheet's times are written in. */
  timeZone = 'Asia/Shanghai',
): string {
  const formatTime = timeIn(timeZone);
  const waiverRows = waivers
    .map(
      (w) =>
        `<tr><td>第 ${escapeHtml(w.revisionNumber)} 版</td><td>${escapeHtml(w.message)}<br><span class="hash">${escapeHtml(w.ruleId)}</span></td><td>${escapeHtml(w.matched)}</td><td>${escapeHtml(w.policyLabel)}</td><td>${escapeHtml(w.reason)}</td><td>${escapeHtml(w.by.displayName)}（工号 ${escapeHtml(w.by.staffId)}）</td><td>${escapeHtml(formatTime(w.at))}</td></tr>`,
    )
    .join('\n');
  const { draft, aggregate } = detail;
  const author = detail.people.get(draft.authorId);
  const rows = detail.decisions
    .map((d) => {
      const who = people.get(d.actorId);
      return `<tr><td>${escapeHtml(stageLabel(d.stage))}</td><td>${escapeHtml(who?.displayName)}</td><td>${escapeHtml(who?.staffId)}</td><td>${escapeHtml(ACTION_LABELS[d.action] ?? d.action)}</td><td>${escapeHtml(d.comment)}</td><td>${escapeHtml(marks.filter((m) => m.createdBy === d.actorId && m.stage === d.stage).length)}</td><td>${escapeHtml(formatTime(d.createdAt))}</td><td class="hash">${escapeHtml(d.revisionHash.slice(0, 16))}</td><td>${escapeHtml(d.round)}</td></tr>`;
    })
    .join('\n');
  const markRows = marks
    .map((m) => {
      const who = people.get(m.createdBy);
      const proposal = m.kind === 'correction' ? `改为「${m.replacement ?? ''}」${m.note ? `；${m.note}` : ''}` : `批注：${m.note}`;
      return `<tr><td>${escapeHtml(stageLabel(m.stage))}</td><td>${escapeHtml(who?.displayName)}</td><td>${escapeHtml(m.original)}</td><td>${escapeHtml(proposal)}</td><td>${escapeHtml(MARK_STATUS_LABELS[m.status] ?? m.status)}</td><td>${escapeHtml(formatTime(m.createdAt))}</td></tr>`;
    })
    .join('\n');
  const blocking = detail.findings.filter((f) => f.severity === 'block');
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(REVIEW_SHEET_CSP)}">
<title>审稿单 ${escapeHtml(draft.number)}</title>
<style>${SHEET_STYLE}</style></head><body>
<h1>稿件审稿单</h1>
<table>
<tr><th>稿件编号</th><td>${escapeHtml(draft.number)}</td><th>状态</th><td>${escapeHtml(STATUS_LABELS[draft.status as DraftStatus])}</td></tr>
<tr><th>标题</th><td colspan="3">${escapeHtml(draft.title)}</td></tr>
<tr><th>撰稿人</th><td>${escapeHtml(author?.displayName)}（工号 ${escapeHtml(author?.staffId)}）</td><th>重大事项</th><td>${draft.major || draft.escalated ? '是（须宣传部审核）' : '否'}</td></tr>
${route ? `<tr><th>审核流程</th><td colspan="3">${escapeHtml(route)}</td></tr>` : ''}
<tr><th>当前版本</th><td>第 ${escapeHtml(aggregate.revision.number)} 版</td><th>内容哈希</th><td class="hash">${escapeHtml(aggregate.revision.contentHash)}</td></tr>
<tr><th>发布哈希</th><td colspan="3" class="hash">${escapeHtml(draft.releasedHash ?? '未发布')}</td></tr>
<tr><th>阻断性问题</th><td colspan="3">${blocking.length} 个，其中已豁免 ${blocking.filter((f) => f.waivedAt).length} 个</td></tr>
</table>
<table>
<thead><tr><th>环节</th><th>审核人</th><th>工号</th><th>意见</th><th>批注</th><th>校对标记</th><th>时间</th><th>审核版本</th><th>轮次</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="9">尚无审核记录</td></tr>'}
</tbody></table>
<table>
<thead><tr><th>环节</th><th>校对人</th><th>原文</th><th>修改建议 / 批注</th><th>处理</th><th>时间</th></tr></thead>
<tbody>
${markRows || '<tr><td colspan="6">无校对标记</td></tr>'}
</tbody></table>
<table>
<thead><tr><th>版本</th><th>豁免的问题（规则）</th><th>命中文字</th><th>豁免规则</th><th>豁免理由</th><th>豁免人</th><th>时间</th></tr></thead>
<tbody>
${waiverRows || '<tr><td colspan="7">无豁免记录</td></tr>'}
</tbody></table>
<p>打印时间：${escapeHtml(formatTime(new Date()))}</p>
</body></html>`;
}
