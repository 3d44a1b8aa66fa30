import type { Finding } from '../../domain/findings';
import { canonicalise } from '../../shared/document/canonicalise';
import { makeFinding, type CheckEnv, type PreparedRevision } from './common';

/**
 * Findings about the document itself (issue 9), added to existing checks so the set of owed check runs is unchanged:
 *  - proofreading: one info finding saying what the canonicaliser removed from the submitted body (never silent);
 *  - copyright: every referenced media file needs its own declaration (`assets: [{media, licence}]`).
 */
/** Hosts of the school's own kind that need no mention: links elsewhere are listed for the reviewer. */
const OWN_HOSTS = /(^|\.)(edu\.cn|gov\.cn)$/;
const MAX_LINK_FINDINGS = 50;

/**
 * Every link target outside edu.cn/gov.cn as an info finding at its href, as WHATWG URL reads it (the review page
 * shows each link's host next to its text): a reviewer sees where a post sends readers, whatever the spelling.
 */
export function documentLinkFindings(check: string, p: PreparedRevision, env: CheckEnv): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const link of p.rt.links) {
    let host = '';
    try {
      const u = new URL(link.href);
      host = u.protocol === 'mailto:' ? u.pathname.split('@')[1] ?? '' : u.hostname;
    } catch {
      continue;
    }
    if (!host || OWN_HOSTS.test(host) || seen.has(link.href)) continue;
    seen.add(link.href);
    if (out.length >= MAX_LINK_FINDINGS) break;
    out.push(
      makeFinding(check, p, env, {
        category: 'proofreading.link',
        severity: 'info',
        start: p.rt.bodyOffset,
        end: p.rt.bodyOffset,
        ruleId: 'document:external-link',
        message: `正文链接指向校外网站 ${host}（${link.href.slice(0, 200)}）：请确认链接内容合适`,
        evidence: { href: link.href, host },
        source: { field: 'body', start: link.start, end: link.end },
      }),
    );
  }
  return out;
}

/**
 * What the canonicaliser removed, as one info finding. A legacy revision (stored before the canonical model, its raw
 * body canonicalised when read) has no stored notes: they are worked out from its body here, so what its reading
 * drops is never silent either.
 */
export function documentNoteFindings(check: string, p: PreparedRevision, env: CheckEnv): Finding[] {
  const legacy = p.content.format !== 'text' && p.rt.body.source !== undefined && p.rt.body.source !== p.content.body;
  const notes = legacy && !(p.content.notes ?? []).length ? canonicalise(p.content.body, p.content.format).notes : (p.content.notes ?? []);
  if (notes.length === 0) return [];
  const shown = notes.slice(0, 12).map((n) => `${n.construct}${n.count > 1 ? ` ×${n.count}` : ''}${n.line ? `（第 ${n.line} 行第 ${n.col} 列）` : ''}`);
  const at = p.rt.bodyOffset;
  return [
    makeFinding(check, p, env, {
      category: 'proofreading.document',
      severity: 'info',
      start: at,
      end: at,
      ruleId: 'document:removed',
      message: `${legacy ? '此版本提交于文档规范化之前，按现行规则读取与显示：' : ''}提交的正文中有 ${notes.reduce((s, n) => s + n.count, 0)} 处不在允许范围的内容已移除或改为普通显示：${shown.join('、')}${notes.length > 12 ? ' 等' : ''}。审稿页与发布内容都不含这些内容。`,
      evidence: { notes: notes.slice(0, 50) },
      source: { field: 'body', start: 0, end: 0 },
    }),
  ];
}

const KIND_LABEL: Record<string, string> = { image: '图片', video: '视频', audio: '音频' };

export function mediaDeclarationFindings(check: string, p: PreparedRevision, env: CheckEnv): Finding[] {
  const out: Finding[] = [];
  const declared = new Map(p.content.assets.filter((a) => a.media).map((a) => [a.media!, a]));
  const fields = p.rt.body.media ?? [];
  for (const m of p.content.media ?? []) {
    if (declared.has(m.hash)) continue;
    const field = fields.find((f) => f.hash === m.hash);
    out.push(
      makeFinding(check, p, env, {
        category: 'copyright.asset',
        severity: 'block',
        start: p.rt.bodyOffset,
        end: p.rt.bodyOffset,
        ruleId: 'copyright:media-undeclared',
        message: `正文中的${KIND_LABEL[m.kind] ?? '媒体'}${field?.alt ? `「${field.alt}」` : ''}（${m.hash.slice(0, 12)}…）未声明版权来源：请在素材声明中为该文件填写授权（自有/授权/公有领域/已购买许可）`,
        evidence: { media: m.hash, kind: m.kind },
        source: field ? { field: 'body', start: field.start, end: field.end } : { field: 'body', start: 0, end: 0 },
      }),
    );
  }
  return out;
}
