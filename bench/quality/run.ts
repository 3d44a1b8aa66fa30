/**
 * bench:quality — scores the checks against the labelled corpus (bench/quality/corpus.json, written by
 * ./generate.ts), per split, and the same labels scored against sensitive-word-tool as a keyword baseline.
 *
 * A finding counts when its severity is `review` or `block` (what a reviewer must act on). It is a true positive
 * when a label of the same check overlaps it (metadata labels: same check, rule id prefix). Per check: precision,
 * recall, and "severity ≥ expected" (of the labels found, the share whose best finding is at least as severe as the
 * label). Per draft: clean drafts with a review-level finding, clean drafts blocked, clean drafts escalated, problem
 * drafts with no review-level finding, and escalation precision (escalated drafts that carry an escalation label).
 *
 * Flags: --split tuning|heldout (default both), --verbose (list false alarms and misses; use on tuning only),
 * --floor info|review (the context rules' safety floor for never/absolute categories; default: config/checks.ts),
 * --stance stance|strict|off (how the floor is lifted), --genre-cue on|off (the draft's 体裁 as a context cue; each
 * corpus genre maps to a catalog 体裁 below, as an editor would pick it).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import SensitiveWordTool from 'sensitive-word-tool';
import { CHECKS_CONFIG } from '../../config/checks';
import { CHECK_IDS, loadCheckEngine, readDictionaryDir, parseDictionaries } from '../../src/checks';
import type { Finding, Severity } from '../../src/domain/findings';
import type { CorpusDraft, CorpusLabel } from './corpus';

const RANK: Record<Severity, number> = { block: 3, review: 2, info: 1 };
const DICT_DIR = join(__dirname, '../../dictionaries');

interface Scored {
  findings: Array<Pick<Finding, 'check' | 'severity' | 'start' | 'end' | 'ruleId' | 'matched' | 'message'> & { escalate?: boolean | undefined }>;
}

function overlaps(l: CorpusLabel, f: Scored['findings'][number]): boolean {
  if (l.check !== f.check) return false;
  if (l.rule !== undefined) return f.ruleId.startsWith(l.rule);
  return f.start < l.end! && l.start! < f.end || (f.start === f.end && f.start >= l.start! && f.start <= l.end!);
}

interface Row {
  tp: number;
  fp: number;
  labels: number;
  found: number;
  severityOk: number;
}

function score(drafts: CorpusDraft[], results: Map<string, Scored>, verbose: boolean) {
  const perCheck = new Map<string, Row>();
  const row = (c: string) => {
    let r = perCheck.get(c);
    if (!r) perCheck.set(c, (r = { tp: 0, fp: 0, labels: 0, found: 0, severityOk: 0 }));
    return r;
  };
  let cleanN = 0, cleanReview = 0, cleanBlock = 0, cleanEscalated = 0, problemN = 0, problemNothing = 0, escalated = 0, escalatedRight = 0;
  const notes: string[] = [];
  for (const d of drafts) {
    const fs = results.get(d.id)!.findings.filter((f) => RANK[f.severity] >= RANK.review);
    for (const f of fs) {
      const hit = d.labels.some((l) => overlaps(l, f));
      if (hit) row(f.check).tp++;
      else {
        row(f.check).fp++;
        if (verbose) notes.push(`FP ${d.id} ${d.genre} ${f.check}/${f.severity} ${f.ruleId} «${f.matched}»`);
      }
    }
    for (const l of d.labels) {
      const r = row(l.check);
      r.labels++;
      const matching = fs.filter((f) => overlaps(l, f));
      if (matching.length > 0) {
        r.found++;
        if (Math.max(...matching.map((f) => RANK[f.severity])) >= RANK[l.severity]) r.severityOk++;
        else if (verbose) notes.push(`SEV ${d.id} ${d.genre} ${l.check} expected ${l.severity} «${l.text ?? l.rule}»`);
      } else if (verbose) notes.push(`MISS ${d.id} ${d.genre} ${l.check}/${l.severity} «${l.text ?? l.rule}»`);
    }
    const isEscalated = fs.some((f) => f.escalate);
    if (isEscalated) {
      escalated++;
      if (d.labels.some((l) => l.check === 'escalation')) escalatedRight++;
    }
    if (d.clean) {
      cleanN++;
      if (fs.length > 0) cleanReview++;
      if (fs.some((f) => f.severity === 'block')) cleanBlock++;
      if (isEscalated) cleanEscalated++;
    } else {
      problemN++;
      if (fs.length === 0) problemNothing++;
    }
  }
  const all: Row = { tp: 0, fp: 0, labels: 0, found: 0, severityOk: 0 };
  for (const r of perCheck.values()) for (const k of Object.keys(all) as Array<keyof Row>) all[k] += r[k];
  return { perCheck, all, cleanN, cleanReview, cleanBlock, cleanEscalated, problemN, problemNothing, escalated, escalatedRight, notes };
}

const pct = (a: number, b: number) => (b === 0 ? '—' : `${a}/${b} (${((100 * a) / b).toFixed(1)} %)`);
const ratio = (a: number, b: number) => (b === 0 ? '—' : (a / b).toFixed(2));

function print(title: string, s: ReturnType<typeof score>) {
  console.log(`\n### ${title}`);
  console.log('| check | findings ≥ review | precision | labels | recall | severity ≥ expected |');
  console.log('|---|---:|---:|---:|---:|---:|');
  const checks = [...CHECK_IDS].filter((c) => s.perCheck.has(c));
  for (const c of [...checks, 'all']) {
    const r = c === 'all' ? s.all : s.perCheck.get(c)!;
    console.log(`| ${c} | ${r.tp + r.fp} | ${ratio(r.tp, r.tp + r.fp)} | ${r.labels} | ${ratio(r.found, r.labels)} | ${ratio(r.severityOk, r.found)} |`);
  }
  console.log('');
  console.log('| per draft | value | target |');
  console.log('|---|---:|---:|');
  console.log(`| clean drafts with a review-level finding | ${pct(s.cleanReview, s.cleanN)} | ≤ 10 % |`);
  console.log(`| clean drafts blocked | ${pct(s.cleanBlock, s.cleanN)} | ≤ 1 % |`);
  console.log(`| clean drafts escalated (宣传部) | ${pct(s.cleanEscalated, s.cleanN)} | ≤ 5 % |`);
  console.log(`| problem drafts with nothing at review level | ${pct(s.problemNothing, s.problemN)} | — |`);
  console.log(`| recall of labelled problems | ${ratio(s.all.found, s.all.labels)} | ≥ 0.9 |`);
  console.log(`| escalation precision (escalated drafts with an escalation label) | ${ratio(s.escalatedRight, s.escalated)} (${s.escalatedRight}/${s.escalated}) | ≥ 0.8 |`);
  for (const n of s.notes) console.log(`  ${n}`);
}

/** The keyword baseline: every list term is a finding of its check at the list's severity; escalation terms escalate. */
async function baseline(drafts: CorpusDraft[]): Promise<Map<string, Scored>> {
  const dicts = parseDictionaries(await readDictionaryDir(DICT_DIR));
  const byTerm = new Map<string, { check: string; severity: Severity }>();
  const lists: Array<[string, typeof dicts.sensitive]> = [
    ['sensitive', dicts.sensitive],
    ['advertising', dicts.advertising],
    ['secrecy', dicts.secrecy],
    ['escalation', dicts.escalation],
  ];
  for (const [check, ls] of lists) for (const l of ls) for (let i = 0; i < l.size; i++) byTerm.set(l.terms[i]!, { check, severity: l.severity(i) });
  for (const p of dicts.proofreadingPairs) byTerm.set(p.wrong, { check: 'proofreading', severity: p.severity });
  const swt = new SensitiveWordTool({ useDefaultWords: false });
  swt.addWords([...byTerm.keys()]);
  const out = new Map<string, Scored>();
  for (const d of drafts) {
    const text = `${d.content.title}\n${d.content.body}`;
    const findings: Scored['findings'] = [];
    for (const word of new Set(swt.match(text))) {
      const meta = byTerm.get(word);
      if (!meta) continue;
      for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
        findings.push({ check: meta.check, severity: meta.severity, start: at, end: at + word.length, ruleId: `swt:${word}`, matched: word, message: '', escalate: meta.check === 'escalation' });
      }
    }
    out.set(d.id, { findings });
  }
  return out;
}

/** The 体裁 an editor would pick for a corpus genre (src/shared/genres.ts). */
function catalogGenre(genre: string): string {
  if (['禁毒', '反邪教', '保密教育', '消防', '防溺水', '国家安全', '食品安全', '防诈骗'].includes(genre)) return '安全教育/科普';
  if (genre === '招生' || genre === '招聘') return '招生/招聘';
  if (genre.startsWith('转载')) return '转载';
  if (genre === '食堂菜单' || genre === '公示') return '通知公告';
  if (['活动报道', '讲座预告', '通知公告', '喜报', '社团招新', '校友故事', '节日推文', '情况通报'].includes(genre)) return genre;
  return '其他';
}

async function main() {
  const args = process.argv.slice(2);
  const verbose = args.includes('--verbose');
  const only = args.includes('--split') ? args[args.indexOf('--split') + 1] : undefined;
  const corpus = JSON.parse(readFileSync(join(__dirname, 'corpus.json'), 'utf8')) as { drafts: CorpusDraft[] };
  const flag = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  // --stance: `stance` (config default) lifts the floor where the sentence takes a stance, `strict` never, `off` no floor.
  const stance = flag('--stance') ?? 'stance';
  const floor = stance === 'off' ? 'info' : ((flag('--floor') as 'info' | 'review' | undefined) ?? CHECKS_CONFIG.context.floor.to);
  const genreCue = flag('--genre-cue') === 'on' ? true : flag('--genre-cue') === 'off' ? false : CHECKS_CONFIG.context.genreCue;
  const config = { ...CHECKS_CONFIG, context: { floor: { ...CHECKS_CONFIG.context.floor, to: floor, liftOnStance: stance !== 'strict' }, genreCue } };
  const engine = await loadCheckEngine({ dictionaryDir: DICT_DIR, preloadSegmenter: true, config });
  const results = new Map<string, Scored>();
  const t0 = performance.now();
  for (const d of corpus.drafts) {
    const context = { genre: catalogGenre(d.genre) };
    const findings = engine.checkIds.flatMap((c) => engine.run(c, d.content, context).findings);
    results.set(d.id, { findings });
  }
  const ms = performance.now() - t0;
  const swt = await baseline(corpus.drafts);
  const splits = (['tuning', 'heldout'] as const).filter((s) => !only || s === only);
  console.log(`bench:quality — ${corpus.drafts.length} labelled drafts, rule set ${engine.version}, context floor ${floor}${floor !== 'info' ? ` (${stance})` : ''}, 体裁 cue ${genreCue ? 'on' : 'off'}; all checks on all drafts in ${ms.toFixed(0)} ms`);
  for (const split of splits) {
    const drafts = corpus.drafts.filter((d) => d.split === split);
    const labels = drafts.reduce((n, d) => n + d.labels.length, 0);
    const name = split === 'tuning' ? 'tuning split' : 'held-out split (never tuned on)';
    print(`sanshen checks — ${name}: ${drafts.length} drafts (${drafts.filter((d) => d.clean).length} clean), ${labels} labels`, score(drafts, results, verbose && split === 'tuning'));
    print(`sensitive-word-tool keyword baseline — ${name}, same labels and lists`, score(drafts, swt, false));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
