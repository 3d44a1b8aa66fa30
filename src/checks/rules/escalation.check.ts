import type { Finding } from '../../domain/findings';
import type { Dictionaries } from '../dictionary/dictionary';
import { makeFinding, matchAll, type CheckEnv, type CheckFn, type FindingDraft } from './common';
import { lowered, revisionContext } from './context';
import { compileTermLists } from './term-lists';

export const ESCALATION_CHECK = 'escalation';

/**
 * 重大事项/突发事件: keyword lists (dictionaries/escalation: emergency, accident, casualty, mass-incident, hot-topic,
 * major-event) and casualty-count patterns. Every finding has `escalate: true` — the draft then needs the 宣传部
 * stage — and the first one carries the draft's top keywords (jieba TF-IDF) as evidence for the reviewer.
 */

// A number starts where no longer number could (lookbehind), and `\s*(?:(?:余|多)\s*)?` cannot split one whitespace
// run two ways: both keep a failed attempt from rescanning long digit, numeral or whitespace runs (ReDoS).
const NUM = '(?:(?<!\\d)\\d+|(?<![一二两三四五六七八九十百千几多数])[一二两三四五六七八九十百千几多数]+)';
const CASUALTY = new RegExp(`${NUM}\\s*(?:(?:余|多)\\s*)?(?:名|人|位|个)[\\u4e00-\\u9fa5]{0,6}?(?:死亡|身亡|遇难|罹难|丧生|受伤|重伤|轻伤|失联|失踪|伤亡|中毒|送医)`, 'g');
const CAUSED = /造成[^。！？\n]{0,12}?(?:死亡|身亡|遇难|受伤|伤亡|中毒|失联)/g;

/** Keyword categories that name an event: they escalate only as news of one (a consequence or a present time). */
/** A hypothetical is not news (购买代写服务还会被认定为学术不端). */
/** A consequence still to come is a warning, not news (一经查实…将承担法律责任). */
const HYPOTHETICAL = ['会被', '可能', '如果', '若是', '假如', '万一', '一经查实', '一经发现', '将被', '将受到', '将承担', '可处'];
const EVENT_CATEGORIES = new Set(['emergency', 'accident', 'casualty']);
/** Mass-incident words that are ordinary without an event (人才聚集, 依法维权); 罢课, 集体上访 are events themselves. */
const EVENT_TERMS = new Set(['聚集', '请愿', '维权', '冲突', '围堵', '聚众']);

/**
 * Context, not keywords: a term in a sentence with an education cue (演练, 案例, 近年来, 科普, 提醒 …) is `info`;
 * an event keyword escalates only with a consequence (受伤, 送医, 聚集, 诉求 …) or a present-time marker (昨日,
 * 今天, 12月3日 …) in its sentence; otherwise it is `info` with the reason.
 */
function judge(p: Parameters<CheckFn>[0], d: FindingDraft, gated: boolean): FindingDraft {
  const ctx = revisionContext(p);
  const cue = ctx.sentenceCue(d.start, d.end) ?? ctx.sentenceHas(d.start, d.end, HYPOTHETICAL);
  if (cue) return lowered(d, { scope: 'sentence', cue, reason: `所在句含语境词「${cue}」，不属突发事件报道` });
  if (!gated) return d;
  const ev = ctx.eventNews(d.start, d.end);
  if (ev.consequence || ev.time) return { ...d, evidence: { ...d.evidence, context: { scope: 'event', consequence: ev.consequence, time: ev.time } } };
  return lowered(d, { scope: 'event', cue: '', reason: '所在句未见后果（受伤、送医、聚集等）或时间（昨日、今天、某月某日）' });
}

export function createEscalationCheck(dicts: Dictionaries, env: CheckEnv): CheckFn {
  const compiled = compileTermLists(dicts.escalation, dicts.whitelist, env, {
    automaton: { fold: 'full', noise: true, maxGap: 1, collapseRepeats: false },
  });
  return (p) => {
    const out: Finding[] = [];
    // Which casualty finding (1-based) each character belongs to: one lookup per later match, where a list of
    // spans made many findings quadratic.
    const takenBy = new Int32Array(p.folded.length + 1);
    let findingsSoFar = 0;
    for (const m of [...matchAll(CASUALTY, p.folded), ...matchAll(CAUSED, p.folded)]) {
      const start = m.index;
      const end = start + m[0].length;
      if (takenBy.subarray(start, end).some((t) => t !== 0)) continue;
      takenBy.fill(++findingsSoFar, start, end);
      out.push(
        makeFinding(
          ESCALATION_CHECK,
          p,
          env,
          judge(p, {
            category: 'escalation.casualty',
            severity: 'review',
            start,
            end,
            ruleId: 'escalation:casualty-count',
            message: `涉及人员伤亡「${p.text.slice(start, end)}」：属突发事件报道，须经宣传部审核`,
            escalate: true,
          }, false),
        ),
      );
    }
    for (const h of compiled.match(p.text)) {
      // Inside one casualty finding (spans are contiguous: first and last character in the same one).
      if (takenBy[h.start] !== 0 && takenBy[h.start] === takenBy[h.end - 1]) continue;
      const e = h.entry;
      const label = compiled.labels.get(e.category) ?? e.category;
      out.push(
        makeFinding(
          ESCALATION_CHECK,
          p,
          env,
          judge(p, {
            category: `escalation.${e.category}`,
            severity: e.severity,
            start: h.start,
            end: h.end,
            ruleId: `escalation:${e.category}:${e.term}`,
            message: `${label}「${e.term}」${e.note ? `：${e.note}` : ''}：须经宣传部审核`,
            escalate: true,
            evidence: { term: e.term, variant: h.variant, list: `${e.file}:${e.line}` },
          }, EVENT_CATEGORIES.has(e.category) || EVENT_TERMS.has(e.term)),
        ),
      );
    }
    if (out.length > 0) {
      const seg = env.segmenter();
      if (seg.keywords) {
        const keywords = seg.keywords(p.text, env.config.escalation.keywordCount).map((k) => k.word);
        out.sort((a, b) => a.start - b.start);
        out[0]!.evidence = { ...out[0]!.evidence, keywords };
      }
    }
    return out;
  };
}
