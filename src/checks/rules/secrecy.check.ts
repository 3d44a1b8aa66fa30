import type { Finding } from '../../domain/findings';
import type { Dictionaries } from '../dictionary/dictionary';
import { hasWordNear, makeFinding, mask, matchAll, type CheckEnv, type CheckFn } from './common';
import { contextFloor, lowered, lowerInContext, revisionContext } from './context';
import { compileTermLists } from './term-lists';
import { contactMatches } from '../text/digits';
import { isValidIdCard, luhnValid } from './validators';

export const SECRECY_CHECK = 'secrecy';

/**
 * 涉密信息不上网，上网信息不涉密. Patterns run on the width/case-folded text (same offsets as the plain text).
 * 密级 markings and valid ID / bank card numbers are `block`; the rest asks a human (`review`).
 */

// One alternation, so markings never produce overlapping findings; longest forms first. `\s*(?::\s*)?` rather
// than `\s*:?\s*`: adjacent quantifiers over the same characters backtrack quadratically on a whitespace run.
const MARKING =
  /(?:密级\s*(?::\s*)?)?(?:绝密|机密|秘密)\s*[★☆]\s*(?:(?:\d+|[一二三四五六七八九十]+)\s*(?:年|个月|月|天)|长期)?|[★☆]\s*(?:绝密|机密|秘密)|密级\s*(?::\s*)?(?:绝密|机密|秘密)|保密期限\s*(?::\s*)?(?:(?:\d+|[一二三四五六七八九十]+)\s*(?:年|个月|月|天)|长期)?|(?:机密|秘密)级|机密(?:文件|材料|资料|件)|绝密/g;

const DOC_NUMBER = /[\u4e00-\u9fa5]{1,10}[〔\[【(]\s*(?:19|20)\d{2}\s*[〕\]】)]\s*(?:第\s*)?\d{1,4}\s*号/g;
const ID_CARD = /(?<![0-9a-z])\d{17}[0-9x](?![0-9a-z])/g;
const BANK_CARD = /(?<![0-9a-z])(?:\d[ -]?){15,18}\d(?![0-9a-z])/g;
const MOBILE = /(?<![0-9a-z])(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?![0-9a-z])/g;
const EXAM =
  /(?:期末|期中|补考|重修|统考|考试|测验|四六级|研究生入学考试)[^。！？\n]{0,12}?(?:试题|试卷|考题|答案|原题|押题)/g;
const ID_CUES = ['身份证', '证件号', '公民身份号码', '身份号码'];
const PERSON_LIST_WORDS = ['公示', '名单'];
const CONTACT_CUES = ['联系人', '联系电话', '咨询', '详询', '热线', '报名电话', '老师', '办公室', '电话：', '电话:'];
const BANK_CUES = ['银行卡', '卡号', '账号', '帐号', '账户', '开户', '银行', '工资卡', '转账', '汇款'];

export function createSecrecyCheck(dicts: Dictionaries, env: CheckEnv): CheckFn {
  const compiled = compileTermLists(dicts.secrecy, dicts.whitelist, env);
  const cfg = env.config.secrecy;
  const studentNumber = new RegExp(`(?<![0-9a-z])${cfg.studentNumber.pattern}(?![0-9a-z])`, 'g');

  return (p) => {
    const text = p.folded;
    const out: Finding[] = [];
    const markings: Array<[number, number]> = [];
    for (const m of matchAll(MARKING, text)) {
      const start = m.index;
      const end = start + m[0].trimEnd().length;
      const draft = {
        category: 'secrecy.marking',
        severity: 'block' as const,
        start,
        end,
        ruleId: 'secrecy:marking',
        message: `出现密级标志「${p.text.slice(start, end)}」：涉密信息不上网，不得公开发布`,
      };
      // Without the star, a 密级 word (绝密, 机密级, 密级：绝密 in quotes) where the 密级 are explained is a subject,
      // not a marking; a starred marking (绝密★, ★机密) always is one.
      const bare = !/[★☆]/.test(m[0]);
      const judged = bare ? lowerInContext(p, draft, 'secrecy.marking', { floor: contextFloor(env.config, 'secrecy.marking', 'block') }) : draft;
      if (judged.severity === 'block') markings.push([start, end]);
      out.push(makeFinding(SECRECY_CHECK, p, env, judged));
    }

    const ctx = revisionContext(p);
    const phraseHits = compiled.match(p.text);
    let internalContext = markings.length > 0;
    for (const h of phraseHits) {
      const e = h.entry;
      // Personnel language (拟任, 拟提拔) is what a 任前公示 must say; only unpublished use is a leak. Per
      // sentence: a 拟提拔 elsewhere in a text that mentions 公示 is still a leak.
      if (e.category === 'personnel') {
        const s = ctx.sentence(h.start, h.end);
        if (cfg.publicNoticeWords.some((w) => text.slice(s.start, s.end).includes(w))) continue;
      }
      let d = {
        category: `secrecy.${e.category}`,
        severity: e.severity,
        start: h.start,
        end: h.end,
        ruleId: `secrecy:${e.category}:${e.term}`,
        message: `${compiled.labels.get(e.category) ?? e.category}「${e.term}」${e.note ? `：${e.note}` : ''}`,
        evidence: { term: e.term, variant: h.variant, list: `${e.file}:${e.line}` } as Record<string, unknown>,
      };
      // 涉密 in a 保密教育 piece (涉密信息不上网) is the lesson, not a leak.
      if (e.category === 'internal') {
        const genre = ctx.documentGenre('secrecy.internal', h.start, h.end);
        if (genre) d = lowered(d, { scope: 'document', cue: genre, reason: `全文为${genre}` }) as typeof d;
        else internalContext = true;
      }
      out.push(makeFinding(SECRECY_CHECK, p, env, d));
    }

    for (const m of matchAll(DOC_NUMBER, text)) {
      const start = m.index;
      const end = start + m[0].length;
      const cue = hasWordNear(text, start - 30, end + 30, cfg.internalContextWords);
      if (!internalContext && !cue) continue;
      out.push(
        makeFinding(SECRECY_CHECK, p, env, {
          category: 'secrecy.document-number',
          severity: markings.length > 0 ? 'block' : 'review',
          start,
          end,
          ruleId: 'secrecy:document-number',
          message: `内部文件文号「${p.text.slice(start, end)}」出现在内部语境中：请确认该文件已公开`,
          evidence: { context: cue ?? 'internal-phrase' },
        }),
      );
    }

    for (const m of matchAll(EXAM, text)) {
      // 出售考试答案 in an anti-scam piece is the scam described, not exam material; a sentence cue alone (不要外传)
      // is not enough, a leak says such things.
      const d = lowerInContext(p, {
        category: 'secrecy.exam',
        severity: 'review',
        start: m.index,
        end: m.index + m[0].length,
        ruleId: 'secrecy:exam',
        message: `疑似考试材料「${p.text.slice(m.index, m.index + m[0].length)}」：考试结束前不得公开`,
      }, 'secrecy.exam', { sentence: false });
      out.push(makeFinding(SECRECY_CHECK, p, env, d));
    }

    // Characters inside a valid ID number (a map, not a span list: one lookup per later match, not one per ID).
    // Numbers are read on the contact view too (text/digits.ts): digits of every script, numerals, separators.
    const numbers = (re: RegExp) => contactMatches(re, text, p.contact);
    const inId = new Uint8Array(text.length + 1);
    for (const m of numbers(ID_CARD)) {
      if (!isValidIdCard(m.value)) continue;
      inId.fill(1, m.start, m.end);
      out.push(
        makeFinding(SECRECY_CHECK, p, env, {
          category: 'personal.id-card',
          severity: 'block',
          start: m.start,
          end: m.end,
          ruleId: 'personal:id-card',
          message: `出现公民身份号码（校验位有效）${mask(m.value.toUpperCase(), 6, 4)}：个人信息不得公开`,
          suggestion: mask(m.value.toUpperCase(), 6, 4),
        }),
      );
    }
    // An 18-digit number right after 身份证号 whose check digit is wrong is still someone's ID number, mistyped.
    for (const m of numbers(ID_CARD)) {
      if (inId[m.start] === 1 || !hasWordNear(text, m.start - 10, m.start, ID_CUES)) continue;
      inId.fill(1, m.start, m.end);
      out.push(
        makeFinding(SECRECY_CHECK, p, env, {
          category: 'personal.id-card',
          severity: 'review',
          start: m.start,
          end: m.end,
          ruleId: 'personal:id-card-context',
          message: `身份证号码语境中出现18位号码 ${mask(m.value.toUpperCase(), 6, 4)}（校验位不符，可能录入有误）：个人信息不得公开`,
          suggestion: mask(m.value.toUpperCase(), 6, 4),
        }),
      );
    }
    const overlapsId = (s: number, e: number) => {
      for (let i = s; i < e; i++) if (inId[i] === 1) return true;
      return false;
    };

    for (const m of numbers(BANK_CARD)) {
      const { start, end } = m;
      const digits = m.value.replace(/[ -]/g, '');
      if (digits.length < 16 || digits.length > 19 || overlapsId(start, end) || !luhnValid(digits)) continue;
      const cue = hasWordNear(text, start - 12, start, BANK_CUES);
      if (!digits.startsWith('62') && !cue) continue;
      out.push(
        makeFinding(SECRECY_CHECK, p, env, {
          category: 'personal.bank-card',
          severity: 'block',
          start,
          end,
          ruleId: 'personal:bank-card',
          message: `出现银行卡号（Luhn 校验有效）${mask(digits, 4, 4)}：个人金融信息不得公开`,
          suggestion: mask(digits, 4, 4),
        }),
      );
    }

    // A mobile given as a contact channel (联系人、咨询、详询 …) is the sender's choice (`info`); in a 公示 /
    // 名单 of people it is their personal data (`review`).
    const list = ctx.titleHas(PERSON_LIST_WORDS) ?? ctx.textHas(PERSON_LIST_WORDS);
    for (const m of numbers(MOBILE)) {
      const contact = !list && hasWordNear(text, m.start - 12, m.start, CONTACT_CUES);
      out.push(
        makeFinding(SECRECY_CHECK, p, env, {
          category: 'personal.phone',
          severity: contact ? 'info' : 'review',
          start: m.start,
          end: m.end,
          ruleId: 'personal:phone',
          message: `出现个人手机号码 ${mask(m.value.replace(/\D/g, ''), 3, 4)}：请确认本人同意公开，或改用办公电话`,
        }),
      );
    }

    for (const m of numbers(studentNumber)) {
      const cue = hasWordNear(text, m.start - cfg.studentNumber.window, m.start, cfg.studentNumber.cueWords);
      if (!cue || overlapsId(m.start, m.end)) continue;
      out.push(
        makeFinding(SECRECY_CHECK, p, env, {
          category: 'personal.student-number',
          severity: 'review',
          start: m.start,
          end: m.end,
          ruleId: 'personal:student-number',
          message: `出现学号 ${mask(m.value, 4, 2)}：公开名单一般不应包含学号`,
          suggestion: mask(m.value, 4, 2),
        }),
      );
    }
    return out;
  };
}
