import type { ChecksConfig, SourceEntry } from '../../../config/checks';
import type { Finding } from '../../domain/findings';
import { foldText } from '../text/fold';
import { makeFinding, type CheckEnv, type CheckFn } from './common';
import { extractPlainText } from '../text/extract';
import { repostDifference } from './repost-fidelity';
import { contentChars, fnv1a, minhash, minhashSimilarity, shingleHashes } from './similarity';

export const COPYRIGHT_CHECK = 'copyright';

/**
 * Copyright and source attribution. Metadata findings (origin, assets) have no place in the text: they sit at
 * offset 0 with an empty span and name the field in `evidence.field`.
 *  - 转载: source name, source URL and original author required; the source must be on the whitelist with name and
 *    URL domain belonging to the same entry; the title must equal the declared original title.
 *  - 改编: source name and original author required.
 *  - every asset needs a licence (block); authorised/licensed ones should name the holder (review); fonts must be
 *    on the licensed-font list (block).
 *  - a draft declared original that closely matches a reference text → review (MinHash over character
 *    3-grams; bench:near-duplicate measured it against jieba shingles and pg_trgm).
 */

/** A news agency's or paper's dateline (电头): 新华社北京12月3日电, 人民日报北京1月9日电（记者 …）, 中新网3月1日电. */
const WIRE_BYLINE =
  /(?:新华社|新华网|人民日报|人民网|中新社|中新网|中国新闻社|央视新闻|央视网|光明日报|经济日报|中国青年报|中国教育报|法治日报|科技日报)\s*[\u4e00-\u9fa5]{0,8}?\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*月\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*日\s*电(?:\s*[(（]\s*记者)?/;

const LICENCE_LABEL: Record<string, string> = { own_work: '自有版权', authorized: '已获授权', public_domain: '公有领域', licensed: '已购买许可' };
const ASSET_LABEL: Record<string, string> = { image: '图片', video: '视频', audio: '音频', font: '字体' };

function normaliseName(s: string): string {
  return foldText(s, 'full').replace(/[\s·・•]/g, '');
}

function hostOf(url: string): string | undefined {
  const m = /^(?:[a-z][a-z0-9+.-]*:\/\/)?([^/?#:\s]+)/i.exec(url.trim());
  return m?.[1]?.toLowerCase();
}

function domainMatches(host: string, pattern: string): boolean {
  const p = pattern.toLowerCase();
  if (p.startsWith('*.')) return host.endsWith(p.slice(1)) || host === p.slice(2);
  return host === p || host.endsWith(`.${p}`);
}

function sourceByName(sources: readonly SourceEntry[], name: string): SourceEntry | undefined {
  const n = normaliseName(name);
  return sources.find((s) => [s.name, ...s.aliases].some((a) => normaliseName(a) === n));
}

function sourceByHost(sources: readonly SourceEntry[], host: string): SourceEntry[] {
  return sources.filter((s) => s.domains.some((d) => domainMatches(host, d)));
}

/** Strips repost decorations a title may carry without being "altered" (【转载】, 转：, 原标题：). */
function normaliseTitle(t: string): string {
  return foldText(t, 'full')
    .replace(/^\s*(?:[【[(]\s*)?(?:转载|转发|转)\s*(?:[】\])])?\s*[|｜:：丨]?\s*/, '')
    .replace(/[\s\u3000]+/g, '')
    .replace(/[“”"]/g, '"');
}

export function createCopyrightCheck(config: ChecksConfig, env: CheckEnv): CheckFn {
  const fonts = new Set(config.licensedFonts.map(normaliseName));
  const refCache = new Map<string, Uint32Array>();

  const { shingleSize, minhashSize, minChars } = config.copyright;
  const signature = (text: string): Uint32Array | undefined => {
    const chars = contentChars(text);
    if (chars.length < Math.max(minChars, shingleSize)) return undefined;
    return minhash(shingleHashes(chars, shingleSize), minhashSize);
  };

  return (p, ctx) => {
    const out: Finding[] = [];
    const meta = (category: string, severity: Finding['severity'], ruleId: string, message: string, evidence: Record<string, unknown>, at?: { start: number; end: number }) =>
      out.push(makeFinding(COPYRIGHT_CHECK, p, env, { category, severity, start: at?.start ?? 0, end: at?.end ?? 0, ruleId, message, evidence }));
    const origin = p.content.origin;

    if (origin.kind === 'repost' || origin.kind === 'adapted') {
      const required: Array<['sourceName' | 'sourceUrl' | 'originalAuthor', string]> =
        origin.kind === 'repost'
          ? [
              ['sourceName', '来源名称'],
              ['sourceUrl', '来源网址'],
              ['originalAuthor', '原作者'],
            ]
          : [
              ['sourceName', '来源名称'],
              ['originalAuthor', '原作者'],
            ];
      for (const [field, label] of required) {
        if (!origin[field]?.trim()) {
          meta('copyright.attribution', 'block', `copyright:missing-${field}`, `${origin.kind === 'repost' ? '转载' : '改编'}稿件缺少${label}`, { field: `origin.${field}` });
        }
      }
    }

    if (origin.kind === 'repost') {
      const byName = origin.sourceName?.trim() ? sourceByName(config.sources, origin.sourceName) : undefined;
      const host = origin.sourceUrl?.trim() ? hostOf(origin.sourceUrl) : undefined;
      const byHost = host ? sourceByHost(config.sources, host) : [];
      if (origin.sourceName?.trim() && !byName && byHost.length === 0) {
        meta('copyright.source', 'block', 'copyright:source-not-whitelisted', `来源「${origin.sourceName}」不在可转载稿源白名单内`, {
          field: 'origin.sourceName',
          sourceName: origin.sourceName,
          host,
        });
      } else if (host && byHost.length === 0) {
        meta('copyright.source', 'block', 'copyright:domain-not-whitelisted', `来源网址域名「${host}」不在可转载稿源白名单内`, { field: 'origin.sourceUrl', host });
      } else if (origin.sourceName?.trim() && !byName) {
        meta('copyright.source', 'block', 'copyright:source-not-whitelisted', `来源「${origin.sourceName}」不在可转载稿源白名单内`, {
          field: 'origin.sourceName',
          sourceName: origin.sourceName,
          host,
        });
      } else if (byName && host && !byHost.includes(byName)) {
        meta('copyright.source', 'review', 'copyright:source-domain-mismatch', `来源名称「${origin.sourceName}」与来源网址域名「${host}」不一致（应为 ${byName.domains.join(' / ')}）`, {
          field: 'origin.sourceUrl',
          sourceName: origin.sourceName,
          host,
          expectedDomains: byName.domains,
        });
      }
      if (!origin.originalTitle?.trim()) {
        meta('copyright.title', 'review', 'copyright:missing-original-title', '转载稿件未填写原标题，无法核对标题是否改动', { field: 'origin.originalTitle' });
      } else if (normaliseTitle(p.content.title) !== normaliseTitle(origin.originalTitle)) {
        meta(
          'copyright.title',
          'block',
          'copyright:title-altered',
          `转载稿件标题与原标题「${origin.originalTitle}」不一致：转载不得歪曲篡改标题原意`,
          {
            field: 'title',
            originalTitle: origin.originalTitle,
          },
          { start: 0, end: p.rt.titleLength },
        );
      }
    }

    // 转载稿件不得改动原文: with the original text pasted, the body may differ only in punctuation and format.
    if (origin.kind === 'repost' && origin.originalText?.trim()) {
      const original = extractPlainText(origin.originalText, 'text').text;
      const diff = repostDifference(p.rt.body.text, original);
      if (diff) {
        const start = p.rt.bodyOffset + diff.start;
        const end = Math.min(p.text.length, Math.max(start + 1, p.rt.bodyOffset + Math.min(diff.end, diff.start + 40)));
        out.push(
          makeFinding(COPYRIGHT_CHECK, p, env, {
            category: 'copyright.repost-altered',
            severity: 'review',
            start: Math.min(start, p.text.length),
            end,
            ruleId: 'copyright:repost-body-altered',
            message: `转载稿件正文与原文不一致（约 ${diff.differing} 字不同，标点与格式除外）：转载不得改动原文内容`,
            evidence: { field: 'body', bodyChars: diff.bodyChars, originalChars: diff.originalChars, differing: diff.differing },
          }),
        );
      }
    }

    p.content.assets.forEach((asset, index) => {
      const label = `${ASSET_LABEL[asset.kind] ?? asset.kind}「${asset.name}」`;
      const field = `assets[${index}]`;
      if (!asset.licence) {
        meta('copyright.asset', 'block', 'copyright:asset-unlicensed', `${label}未声明版权来源（自有/授权/公有领域/已购买许可）`, { field, asset: asset.name, kind: asset.kind });
      } else if ((asset.licence === 'authorized' || asset.licence === 'licensed') && !asset.holder?.trim()) {
        meta('copyright.asset', 'review', 'copyright:asset-holder-missing', `${label}声明为「${LICENCE_LABEL[asset.licence]}」，但未注明权利人`, { field, asset: asset.name, licence: asset.licence });
      }
      if (asset.kind === 'font' && !fonts.has(normaliseName(asset.name))) {
        meta('copyright.font', 'block', 'copyright:font-unlicensed', `字体「${asset.name}」不在学校已获授权字体清单内`, { field, asset: asset.name });
      }
    });

    const refs = ctx.referenceTexts ?? [];
    // Wire copy declared 原创: a 电头 (新华社北京12月3日电（记者…）) means the text is someone else's.
    if (origin.kind === 'original') {
      const m = WIRE_BYLINE.exec(p.folded);
      if (m) {
        meta(
          'copyright.wire-copy',
          'review',
          'copyright:wire-byline',
          `正文含通讯社/媒体电头「${p.text.slice(m.index, m.index + m[0].length)}」，却声明为原创：应按转载标注来源和作者`,
          { byline: m[0] },
          { start: m.index, end: m.index + m[0].length },
        );
      }
    }

    if (origin.kind === 'original' && refs.length > 0) {
      const body = p.rt.body.text;
      const sig = signature(body);
      if (sig) {
        let best: { id: string; label: string; similarity: number } | undefined;
        for (const ref of refs) {
          const key = `${ref.id}:${ref.text.length}:${fnv1a(ref.text)}`;
          let refSig = refCache.get(key);
          if (!refSig) {
            refSig = signature(ref.text);
            if (!refSig) continue;
            if (refCache.size > 1000) refCache.clear();
            refCache.set(key, refSig);
          }
          const similarity = minhashSimilarity(sig, refSig);
          if (!best || similarity > best.similarity) best = { id: ref.id, label: ref.label, similarity };
        }
        if (best && best.similarity >= config.copyright.nearDuplicateThreshold) {
          const pct = Math.round(best.similarity * 100);
          meta(
            'copyright.near-duplicate',
            'review',
            'copyright:near-duplicate',
            `声明为原创，但与「${best.label}」高度相似（相似度约 ${pct}%）：请核实是否为转载或改编`,
            {
              field: 'body',
              referenceId: best.id,
              referenceLabel: best.label,
              similarity: Math.round(best.similarity * 1000) / 1000,
              method: `minhash-${minhashSize}/char-${shingleSize}-grams`,
            },
            { start: p.rt.bodyOffset, end: p.text.length },
          );
        }
      }
    }
    return out;
  };
}
