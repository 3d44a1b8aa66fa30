import type { ChecksConfig } from '../../../config/checks';
import type { Severity } from '../../domain/findings';
import type { FindingDraft, PreparedRevision } from './common';

/**
 * Context for rules that act on sentences and on the document, not on a keyword alone (issue 11):
 *  - genre cues (禁毒 / 反邪教 / 保密 / 安全教育 / 演练 / 讲座 / 科普 / 案例 / 近年来 / 历史 …) in the sentence of a
 *    hit lower it to `info`, with the reason in the finding;
 *  - a document whose title declares an education genre (禁毒日, 反邪教讲座, 保密教育月 …) lowers the terms of
 *    that genre in sentences that do not also carry an act (出售, 兜售, 散发, 邀请, 下注 …);
 *  - events: a 突发事件 keyword escalates only with a consequence or a present-time marker in its sentence;
 *  - the document's kind (招生 copy, 公示 list, menu) for the advertising and personal-data rules.
 * Sentences end at 。！？；!?; and line breaks. Everything is computed once per revision and cached.
 */

const SENTENCE_ENDS = new Set([...'。！？；!?;\n…'].map((c) => c.charCodeAt(0)));
/** Characters either side of a hit searched for cues within its sentence. */
const WINDOW = 80;

/** Cues that make a term a subject of education, history or science rather than an act. */
export const EDUCATION_CUES = [
  '禁毒', '毒品的危害', '远离毒品', '拒绝毒品', '反邪教', '抵制邪教', '邪教组织的本质', '揭露', '警示', '警惕', '谨防',
  '防范', '预防', '提醒', '识别', '保密教育', '保密知识', '安全教育', '安全知识', '演练', '模拟', '讲座', '主讲', '科普',
  '案例', '近年来', '历史上', '历史', '据统计', '每年', '高发', '危害', '常见', '知识', '培训', '宣传教育', '宣传周',
  '宣传月', '违纪', '严肃处理', '严禁', '禁止', '不得', '切勿', '不要', '如何', '一旦', '如遇', '分为', '是指',
  '属于国家管制', '法律法规', '歪理邪说', '骗局', '诈骗', '套路', '如有', '危险',
  // Denials: 未发生食物中毒, 网传…不实.
  '未发生', '没有发生', '并未', '不实', '谣言',
];

/**
 * 体裁 the editor chose that make the whole draft an education piece, like a title naming one (issue 11; used only
 * when config `context.genreCue` is on). A 情况通报 is the opposite (news of an event) and is not here.
 */
const GENRE_CUES: Record<string, { label: string; categories: string[] }> = {
  '安全教育/科普': { label: '安全教育/科普（体裁）', categories: ['drugs', 'religion', 'secrecy.marking', 'secrecy.internal', 'illegal-services', 'gambling', 'secrecy.exam', 'violence-terror'] },
};

/**
 * A title naming one of these genres makes the whole draft an education piece for the categories listed.
 * `quotedMentions`: a quoted term is a mention of what the scam says, even next to an act word.
 */
const DOCUMENT_GENRES: Array<{ cues: string[]; label: string; categories: string[]; quotedMentions?: boolean }> = [
  { cues: ['禁毒', '毒品', '无毒'], label: '禁毒宣传教育', categories: ['drugs'] },
  { cues: ['邪教'], label: '反邪教宣传教育', categories: ['religion'] },
  { cues: ['保密'], label: '保密教育', categories: ['secrecy.marking', 'secrecy.internal'] },
  { cues: ['诈骗', '反诈', '防骗', '骗局', '当心', '谨防', '警惕', '防范', '远离'], label: '防诈骗宣传', categories: ['illegal-services', 'gambling', 'secrecy.exam'], quotedMentions: true },
  { cues: ['国家安全'], label: '国家安全教育', categories: ['violence-terror'] },
  { cues: ['消防', '防溺水', '溺水', '安全教育', '安全提醒', '安全知识', '食品安全', '演练', '科普', '讲座', '知识'], label: '安全教育/科普', categories: ['escalation'] },
];

/** Words of an act: a sentence with one is about doing the thing, whatever the genre. */
const ACT_WORDS = [
  '出售', '兜售', '有货', '购买', '代购', '散发', '发放', '宣扬', '邀请', '入会', '下注', '投注', '平台', '代理', '急招',
  '私聊', '联系', '加微信', '微信', 'qq', '价格', '面议', '传阅', '附件', '以下为', '附：',
];

const PROHIBITIONS = ['不得', '严禁', '禁止', '不要', '切勿', '谨防'];
/**
 * The legal or disciplinary consequence of an act (购买冰毒将受到处罚, 组织作弊可处三年以下有期徒刑): a sentence that
 * names the act with what it costs warns of it, as a prohibition does.
 */
export const LEGAL_CONSEQUENCES = [
  '追究刑事责任', '追究法律责任', '承担法律责任', '法律责任', '刑事责任', '将受到', '将被', '将承担', '一经查实', '一经发现',
  '可处', '有期徒刑', '拘役', '罚款', '处罚', '处分', '查处', '违法行为', '违法犯罪', '属于违法', '触犯法律', '触犯刑法',
  '学术不端', '取消', '依法',
];

/** Consequences of an event (a sentence naming one with the event is news of an event). */
export const CONSEQUENCE_WORDS = [
  '造成', '导致', '受伤', '重伤', '轻伤', '烧伤', '烫伤', '骨折', '晕倒', '昏迷', '送医', '就医', '抢救', '死亡', '身亡',
  '离世', '遇难', '丧生', '伤亡', '中毒', '失联', '被困', '聚集', '诉求', '围堵', '损失',
];
/** Present-time markers: this happened now, not in a case study. */
const TIME_MARKERS = /昨日|昨天|昨晚|今天|今日|今晨|今早|凌晨|当晚|当天|当日|日前|刚刚|(?:\d{1,2}|[一二三四五六七八九十]{1,3})月(?:\d{1,2}|[一二三四五六七八九十]{1,3})日/;

const alternation = (words: readonly string[]) => new RegExp([...words].sort((a, b) => b.length - a.length).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'));
// Longest first, so the cue reported is the longest one at the first position that has one.
const EDUCATION_RE = alternation(EDUCATION_CUES);
const ACT_RE = alternation(ACT_WORDS);
const PROHIBITION_RE = alternation([...PROHIBITIONS, ...LEGAL_CONSEQUENCES]);
const CONSEQUENCE_RE = alternation(CONSEQUENCE_WORDS);

export interface Span {
  start: number;
  end: number;
}

export interface RevisionContext {
  /** Sentence around [start, end) of the revision text. */
  sentence(start: number, end?: number): Span;
  /** An education cue in the sentence of the hit, outside the hit itself. */
  sentenceCue(start: number, end: number): string | undefined;
  /** One of `words` in the sentence of the hit, outside the hit. */
  sentenceHas(start: number, end: number, words: readonly string[]): string | undefined;
  /** The document genre (from the title) that covers `category`, if the hit's sentence has no act word. */
  documentGenre(category: string, start: number, end: number): string | undefined;
  /** True if the sentence of the hit reads as news of an event: a consequence or a present-time marker. */
  eventNews(start: number, end: number): { consequence?: string | undefined; time?: string | undefined };
  /** The title and the whole text contain one of `words`. */
  titleHas(words: readonly string[]): string | undefined;
  textHas(words: readonly string[]): string | undefined;
}

const cache = new WeakMap<PreparedRevision, RevisionContext>();

export function revisionContext(p: PreparedRevision): RevisionContext {
  const hit = cache.get(p);
  if (hit) return hit;
  const text = p.folded;
  // Sentence ends: indexes of delimiters, ascending.
  const ends: number[] = [];
  for (let i = 0; i < text.length; i++) if (SENTENCE_ENDS.has(text.charCodeAt(i))) ends.push(i);
  const title = p.content.title;
  const sentence = (start: number, end = start + 1): Span => {
    // First delimiter at or after `end - 1`... the sentence containing [start, end).
    let lo = 0;
    let hi = ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ends[mid]! < start) lo = mid + 1;
      else hi = mid;
    }
    const s = lo > 0 ? ends[lo - 1]! + 1 : 0;
    let k = lo;
    while (k < ends.length && ends[k]! < end - 1) k++;
    const e = k < ends.length ? ends[k]! + 1 : text.length;
    return { start: s, end: e };
  };
  // At most WINDOW characters either side of the hit: a text without sentence ends stays linear in its hits.
  const outside = (s: Span, start: number, end: number) =>
    text.slice(Math.max(s.start, start - WINDOW), start) + '\u0000' + text.slice(end, Math.min(s.end, end + WINDOW));
  const find = (re: RegExp, around: string) => re.exec(around)?.[0];
  // Inside “…” on the same sentence: the nearest “ before the hit is not closed before it, and a ” follows it.
  const quoted = (start: number, end: number) => {
    const s = sentence(start, end);
    const open = text.lastIndexOf('“', start);
    if (open < s.start || open < Math.max(s.start, start - WINDOW)) return false;
    const closeBefore = text.lastIndexOf('”', start);
    if (closeBefore > open) return false;
    const close = text.indexOf('”', end);
    return close >= 0 && close < Math.min(s.end, end + WINDOW);
  };
  const ctx: RevisionContext = {
    sentence,
    sentenceCue(start, end) {
      return find(EDUCATION_RE, outside(sentence(start, end), start, end));
    },
    sentenceHas(start, end, words) {
      const around = outside(sentence(start, end), start, end);
      return words.find((c) => around.includes(c));
    },
    documentGenre(category, start, end) {
      const chosen = p.genre ? GENRE_CUES[p.genre] : undefined;
      const g =
        DOCUMENT_GENRES.find((d) => d.categories.includes(category) && d.cues.some((c) => title.includes(c))) ??
        (chosen?.categories.includes(category) ? { ...chosen, cues: [], quotedMentions: true } : undefined);
      if (!g) return undefined;
      const around = outside(sentence(start, end), start, end);
      // An act word makes it an act — unless the sentence forbids it (不得通过微信传递涉密文件) or states what it
      // costs (购买冰毒将受到处罚), or the term is quoted, a mention of what the scam says (出现兜售“四六级答案”的广告).
      if (ACT_RE.test(around) && !PROHIBITION_RE.test(around) && !(g.quotedMentions && quoted(start, end))) return undefined;
      return g.label;
    },
    eventNews(start, end) {
      const around = outside(sentence(start, end), start, end);
      return { consequence: find(CONSEQUENCE_RE, around), time: TIME_MARKERS.exec(around)?.[0] };
    },
    titleHas: (words) => words.find((w) => title.includes(w)),
    textHas: (words) => words.find((w) => text.includes(w)),
  };
  cache.set(p, ctx);
  return ctx;
}

/** The lowest severity context may give a finding of `category` first judged `from` (config `context.floor`). */
export function contextFloor(config: ChecksConfig, category: string, from: Severity): { floor: Severity; liftOnStance: boolean } {
  const f = config.context.floor;
  const floored = f.categories.some((c) => c.category === category && (c.severity === undefined || c.severity === from));
  return { floor: floored ? f.to : 'info', liftOnStance: f.liftOnStance };
}

/**
 * Lowers a draft finding to `info` when its sentence or document makes the term a subject of education, history
 * or science — to `floor` at most (never/absolute categories stay `review`). The reason goes into the message and
 * `evidence.context`; escalation is dropped with it.
 */
export function lowerInContext(
  p: PreparedRevision,
  d: FindingDraft,
  category: string,
  options: { sentence?: boolean; document?: boolean; floor?: { floor: Severity; liftOnStance: boolean } } = {},
): FindingDraft {
  if (d.severity === 'info') return d;
  const ctx = revisionContext(p);
  const cue = options.sentence === false ? undefined : ctx.sentenceCue(d.start, d.end);
  const genre = cue || options.document === false ? undefined : ctx.documentGenre(category, d.start, d.end);
  if (!cue && !genre) return d;
  const why = cue ? { scope: 'sentence' as const, cue, reason: `所在句含语境词「${cue}」` } : { scope: 'document' as const, cue: genre!, reason: `全文为${genre}` };
  const floor = options.floor?.floor ?? 'info';
  if (floor !== 'info' && options.floor?.liftOnStance) {
    // Below the floor only when the sentence itself takes the stance (揭露…邪教组织的本质, 密级分为…): a cue word
    // alone (讲座, 警惕, 历史) says the sentence is about the term, not which side it is on.
    const stance = ctx.sentenceHas(d.start, d.end, category === 'secrecy.marking' ? SECRECY_EXPLAINED : STANCE_AGAINST);
    const s = ctx.sentence(d.start, d.end);
    if (stance && !STANCE_DENIED.test(p.folded.slice(s.start, s.end))) return lowered(d, { scope: 'sentence', cue: stance, reason: `${why.reason}，且所在句表明立场「${stance}」` });
  }
  return lowered(d, why, floor);
}

/** Words by which a sentence takes a stance against a cult, a separatist or terrorist name (issue 11 safety floor). */
const STANCE_AGAINST = ['揭露', '邪教组织', '邪教', '危害', '抵制', '反对', '反邪教', '歪理邪说', '打击', '取缔', '惩治', '欺骗', '蛊惑', '敛财', '残害'];
/** A stance word denied (不是邪教, 并没有危害) is the opposite stance: the floor holds. */
const STANCE_DENIED = /(?:不是|并非|并不是|不属于|不算|没有|并无|毫无|无任何)[^。！？\n]{0,4}?(?:邪教|危害|欺骗)|反对(?:取缔|打击)/;
/** Words of a sentence that explains the 密级 rather than marks a document. */
const SECRECY_EXPLAINED = ['分为', '三级', '级国家秘密', '是指', '依次', '保守国家秘密法', '保密法', '标注', '写作', '定密'];

const RANK: Record<Severity, number> = { info: 0, review: 1, block: 2 };

export function lowered(d: FindingDraft, context: { scope: 'sentence' | 'document' | 'event'; cue: string; reason: string }, to: Severity = 'info'): FindingDraft {
  if (RANK[to] >= RANK[d.severity]) {
    // At the floor already: the context is noted, the severity stays.
    return { ...d, message: `${d.message}（${context.reason}，但此类内容不因语境降级，须人工核实）`, evidence: { ...d.evidence, context: { ...context, from: d.severity, floor: to } } };
  }
  return {
    ...d,
    severity: to,
    escalate: d.escalate === undefined ? undefined : false,
    message: to === 'info' ? `${d.message}（${context.reason}，降为提示）` : `${d.message}（${context.reason}，此类内容不因语境免审，降为人工核实）`,
    evidence: { ...d.evidence, context: { ...context, from: d.severity, ...(to === 'info' ? {} : { floor: to }) } },
  };
}
