import type { Finding } from '../../domain/findings';
import type { Dictionaries } from '../dictionary/dictionary';
import { TermMatcher } from '../matcher/term-matcher';
import { isCjk } from '../text/fold';
import { makeFinding, matchAll, type CheckEnv, type CheckFn } from './common';
import { compileTermLists } from './term-lists';

export const PROOFREADING_CHECK = 'proofreading';

/**
 * 校对: wrong → right pairs (错别字, 规范表述) from dictionaries/proofreading/pairs.txt, half-width punctuation
 * inside Chinese text, unbalanced 《》“”（）【】‘’, a wrong title next to a listed person's name
 * (dictionaries/proofreading/titles.txt; the title words recognised come from config), and names that must not
 * appear. Every finding that has a fix carries it in `suggestion`.
 */

const HALF_TO_FULL: Record<string, string> = { ',': '，', ';': '；', ':': '：', '?': '？', '!': '！', '(': '（', ')': '）', '.': '。' };
const PAIRS: Record<string, string> = { '《': '》', '“': '”', '（': '）', '【': '】', '‘': '’', '〔': '〕' };
const CLOSERS: Record<string, string> = Object.fromEntries(Object.entries(PAIRS).map(([o, c]) => [c, o]));
const CJK_PUNCT = /[，。；：？！、“”‘’（）《》【】…—]/;

/** The text without quotation marks and brackets, and for each kept character its offset in the text. */
const QUOTE_RE = /[“”"‘’'「」『』《》【】〔〕()（）[\]]/g;

function stripQuotes(text: string): { stripped: string; origin: Int32Array } {
  QUOTE_RE.lastIndex = 0;
  if (!QUOTE_RE.test(text)) return { stripped: text, origin: new Int32Array(0) };
  const origin = new Int32Array(text.length);
  const parts: string[] = [];
  let n = 0;
  let from = 0;
  QUOTE_RE.lastIndex = 0;
  for (let m = QUOTE_RE.exec(text); ; m = QUOTE_RE.exec(text)) {
    const to = m ? m.index : text.length;
    if (to > from) {
      parts.push(text.slice(from, to));
      for (let i = from; i < to; i++) origin[n++] = i;
    }
    if (!m) break;
    from = m.index + 1;
  }
  return { stripped: parts.join(''), origin: origin.subarray(0, n) };
}

const NORM_PATTERNS: Array<[RegExp, (m: RegExpExecArray) => string, string]> = [
  [/建国\s*((?<![\d])\d{1,3}|[一二三四五六七八九十百]{1,5})\s*周年/g, (m) => `新中国成立${m[1]}周年`, '建国N周年'],
  [/(?<![十\d])(?:八|8)\s*年抗战/g, () => '十四年抗战', '八年抗战'],
];

function isChineseChar(ch: string | undefined): boolean {
  return ch !== undefined && (isCjk(ch.charCodeAt(0)) || CJK_PUNCT.test(ch));
}

export function createProofreadingCheck(dicts: Dictionaries, env: CheckEnv): CheckFn {
  const pairs = dicts.proofreadingPairs;
  const pairMatcher = TermMatcher.build(
    pairs.map((p) => ({ term: stripQuotes(p.wrong).stripped || p.wrong })),
    dicts.whitelist.map((w) => w.term),
    { automaton: { fold: 'width', noise: false, maxGap: 0, collapseRepeats: false }, phraseVariants: false },
  );
  const banned = compileTermLists([dicts.bannedNames], [], env, {
    automaton: { fold: 'full', noise: true, maxGap: 1, collapseRepeats: false },
  });
  const people = dicts.nameTitles;
  const titleWords = [...env.config.proofreading.titleWords].sort((a, b) => b.length - a.length);

  return (p) => {
    const text = p.text;
    const out: Finding[] = [];

    // Pairs match the text with quotation marks and brackets taken out (“一带一路”战略 is 一带一路战略), in one
    // scan: every match in the text itself is a match there too (the wrong forms carry no quotes either).
    const { stripped, origin } = stripQuotes(text);
    const pairHits = stripped.length === text.length ? pairMatcher.match(text) : pairMatcher.match(stripped).map((h) => ({ ...h, start: origin[h.start]!, end: origin[h.end - 1]! + 1 }));
    for (const h of pairHits) {
      const pair = pairs[h.term]!;
      out.push(
        makeFinding(PROOFREADING_CHECK, p, env, {
          category: 'proofreading.wording',
          severity: pair.severity,
          start: h.start,
          end: h.end,
          ruleId: `proofreading:pair:${pair.wrong}`,
          message: `「${pair.wrong}」应为「${pair.right}」${pair.note ? `：${pair.note}` : ''}`,
          suggestion: pair.right,
        }),
      );
    }

    // 规范表述 with any numeral: 建国77周年 → 新中国成立77周年, 8年抗战 → 十四年抗战.
    for (const [re, fix, note] of NORM_PATTERNS) {
      for (const m of matchAll(re, text)) {
        const start = m.index;
        const end = start + m[0].length;
        if (out.some((f) => f.category === 'proofreading.wording' && f.start < end && start < f.end)) continue;
        const right = fix(m);
        out.push(
          makeFinding(PROOFREADING_CHECK, p, env, {
            category: 'proofreading.wording',
            severity: 'review',
            start,
            end,
            ruleId: `proofreading:norm:${note}`,
            message: `「${m[0]}」应为「${right}」：规范表述`,
            suggestion: right,
          }),
        );
      }
    }

    // Half-width punctuation inside Chinese text.
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      const full = HALF_TO_FULL[ch];
      if (!full) continue;
      const prev = text[i - 1];
      const next = text[i + 1];
      const chineseBefore = isChineseChar(prev);
      const chineseAfter = isChineseChar(next);
      const flag = ch === '(' ? chineseBefore || chineseAfter : ch === '.' ? chineseBefore && (next === undefined || next === '\n' || isCjk(next.charCodeAt(0))) : chineseBefore;
      if (!flag) continue;
      out.push(
        makeFinding(PROOFREADING_CHECK, p, env, {
          category: 'proofreading.punctuation',
          severity: 'info',
          start: i,
          end: i + 1,
          ruleId: 'proofreading:half-width-punctuation',
          message: `中文语境中使用了半角标点「${ch}」，应为全角「${full}」`,
          suggestion: full,
        }),
      );
    }

    // Unbalanced paired punctuation, per line (paragraph).
    let lineStart = 0;
    for (let i = 0; i <= text.length; i++) {
      if (i < text.length && text[i] !== '\n') continue;
      const stack: Array<{ ch: string; at: number }> = [];
      const unmatched: Array<{ ch: string; at: number; missing: string }> = [];
      // How many of each opener are on the stack: a closer with none open is settled at once, instead of
      // searching the whole stack for it (quadratic on 《《《…）））).
      const open = new Map<string, number>();
      for (let k = lineStart; k < i; k++) {
        const ch = text[k]!;
        if (PAIRS[ch]) {
          stack.push({ ch, at: k });
          open.set(ch, (open.get(ch) ?? 0) + 1);
        } else if (CLOSERS[ch]) {
          const opener = CLOSERS[ch]!;
          if (!open.get(opener)) {
            unmatched.push({ ch, at: k, missing: opener });
            continue;
          }
          let j = stack.length - 1;
          while (stack[j]!.ch !== opener) j--;
          // Openers above the match were never closed; each leaves the stack once.
          const closed = stack.splice(j);
          for (const s of closed) open.set(s.ch, open.get(s.ch)! - 1);
          for (const s of closed.slice(1)) unmatched.push({ ...s, missing: PAIRS[s.ch]! });
        }
      }
      for (const s of stack) unmatched.push({ ...s, missing: PAIRS[s.ch]! });
      for (const u of unmatched.sort((a, b) => a.at - b.at)) {
        out.push(
          makeFinding(PROOFREADING_CHECK, p, env, {
            category: 'proofreading.brackets',
            severity: 'info',
            start: u.at,
            end: u.at + 1,
            ruleId: 'proofreading:unbalanced',
            message: `「${u.ch}」缺少配对的「${u.missing}」`,
          }),
        );
      }
      lineStart = i + 1;
    }

    // Name → title pairs.
    for (const person of people) {
      for (let at = text.indexOf(person.name); at >= 0; at = text.indexOf(person.name, at + person.name.length)) {
        const end = at + person.name.length;
        const before = titleWords.find((t) => text.endsWith(t, at));
        const after = titleWords.find((t) => text.startsWith(t, end));
        const found = before ? { title: before, start: at - before.length, end: at } : after ? { title: after, start: end, end: end + after.length } : undefined;
        if (!found) continue;
        const ok = person.titles.some((t) => t === found.title || (t.endsWith(found.title) && !t.slice(0, t.length - found.title.length).includes('副')));
        if (ok) continue;
        out.push(
          makeFinding(PROOFREADING_CHECK, p, env, {
            category: 'proofreading.title',
            severity: 'review',
            start: found.start,
            end: found.end,
            ruleId: `proofreading:title:${person.name}`,
            message: `「${person.name}」的职务为「${person.titles.join('、')}」，此处写作「${found.title}」`,
            suggestion: person.titles[0],
            evidence: { person: person.name, written: found.title, titles: person.titles, list: `${person.file}:${person.line}` },
          }),
        );
      }
    }

    for (const h of banned.match(text)) {
      const e = h.entry;
      out.push(
        makeFinding(PROOFREADING_CHECK, p, env, {
          category: 'proofreading.banned-name',
          severity: e.severity,
          start: h.start,
          end: h.end,
          ruleId: `proofreading:banned-name:${e.term}`,
          message: `「${e.term}」在禁用人名名单中${e.note ? `：${e.note}` : ''}`,
          evidence: { term: e.term, variant: h.variant, list: `${e.file}:${e.line}` },
        }),
      );
    }
    return out;
  };
}
