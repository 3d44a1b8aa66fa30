/**
 * npm run bench:checks — the checks engine's speed and memory (report, not assert).
 *
 * Builds 10k- and 100k-term synthetic dictionaries (plus the shipped starter lists), scans realistic Chinese
 * drafts of 1k / 10k / 20k / 100k characters through the matcher and through all checks, and runs raw
 * sensitive-word-tool `match` on the same inputs for comparison. Run with --expose-gc for heap numbers.
 */
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import SensitiveWordTool from 'sensitive-word-tool';
import { createCheckEngine, type CheckEngine } from '../src/checks/engine';
import { readDictionaryDir } from '../src/checks/dictionary/load';
import { parseDictionaries } from '../src/checks/dictionary/dictionary';
import { TermMatcher } from '../src/checks/matcher/term-matcher';
import { preloadSegmenter } from '../src/checks/segmenter';
import type { RevisionContent } from '../src/domain/content';

const gc = (globalThis as { gc?: () => void }).gc;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

// Campus-regulation style sentences (fictional school) as the draft material.
const SENTENCES = [
  '为进一步加强学校学生管理工作，维护正常的教育教学秩序，根据《普通高等学校学生管理规定》，结合我校实际，制定本办法。',
  '学生应当遵守宪法和法律法规，遵守学校管理制度，努力学习专业知识，积极参加社会实践和志愿服务活动。',
  '各学院要高度重视本科教学质量，严格执行课程考核制度，认真做好期末考试的组织、监考和阅卷工作。',
  '学校设立国家奖学金、国家励志奖学金和学业奖学金，奖励品学兼优的学生，评审工作坚持公开、公平、公正的原则。',
  '研究生院负责研究生招生、培养、学位授予等工作，联系电话：0571-88981234，办公地点：行政楼三楼。',
  '图书馆开放时间为每天早上七点至晚上十点，读者应当遵守借阅规则，爱护图书资料和公共设施。',
  '学生宿舍实行统一管理，严禁使用大功率电器，严禁私拉乱接电线，确保消防通道畅通。',
  '校团委组织开展“青春心向党”主题团日活动，引导广大青年学生坚定理想信念，厚植爱国主义情怀。',
  '本次学术报告会邀请国内知名专家作专题报告，围绕人工智能与教育融合发展展开深入交流。',
  '学校后勤保障部门对食堂开展食品安全专项检查，督促落实食材采购、储存、加工等环节的管理制度。',
  '新学期开学以来，各学院认真落实学校工作部署，扎实推进课堂教学改革，教学秩序井然。',
  '学生因病或者其他特殊原因不能参加考试的，应当在考试前办理缓考手续，经学院审核、教务处批准后方可缓考。',
  '学校鼓励学生参加创新创业训练计划项目，对取得优异成绩的团队给予表彰和经费支持。',
  '校医院提醒广大师生注意季节性传染病防控，保持良好的个人卫生习惯，出现发热等症状及时就医。',
  '全校教职工要强化安全意识，落实安全责任，定期开展安全隐患排查，切实保障师生生命财产安全。',
];

function draft(chars: number, seed: number): string {
  const r = rng(seed);
  const parts: string[] = [];
  let n = 0;
  while (n < chars) {
    const s = SENTENCES[Math.floor(r() * SENTENCES.length)]!;
    parts.push(s);
    n += s.length;
    if (r() < 0.2) {
      parts.push('\n');
      n++;
    }
  }
  return parts.join('').slice(0, chars);
}

function syntheticTerms(count: number, seed: number): string[] {
  const pool = [...new Set(SENTENCES.join('').replace(/[^\u4e00-\u9fa5]/g, ''))];
  // Widen the alphabet with common CJK code points so the dictionary is not all draft characters.
  for (let c = 0x4e00; pool.length < 3000; c += 7) pool.push(String.fromCharCode(c));
  const r = rng(seed);
  const out = new Set<string>();
  while (out.size < count) {
    const len = 2 + Math.floor(r() * 5);
    let t = '';
    for (let k = 0; k < len; k++) t += pool[Math.floor(r() ** 1.5 * pool.length)]!;
    out.add(t);
  }
  return [...out];
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

const fmt = (n: number, d = 1) => n.toFixed(d);
const mchars = (chars: number, ms: number) => fmt(chars / ms / 1000, 2);
const mb = (bytes: number) => fmt(bytes / 1e6, 1);

function timeIt(iterations: number, fn: () => void): number[] {
  const out: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    fn();
    out.push(performance.now() - t);
  }
  return out;
}

function heapAfterGc(): number {
  gc?.();
  gc?.();
  // Typed-array backing stores live outside the JS heap: count them too.
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

async function main(): Promise<void> {
  const starter = await readDictionaryDir(join(__dirname, '../dictionaries'));
  preloadSegmenter();
  const drafts = [1_000, 10_000, 20_000, 100_000].map((n, i) => ({ n, text: draft(n, 100 + i) }));
  console.log(`node ${process.version}, gc ${gc ? 'exposed' : 'NOT exposed (heap numbers approximate)'}`);
  console.log('');

  for (const size of [10_000, 100_000]) {
    const terms = syntheticTerms(size, size);
    const lines = terms.map((t) => `${t}\treview`).join('\n');
    const sources = { ...starter, 'sensitive/synthetic.txt': lines };
    const allTerms = [...parseDictionaries(sources).sensitive.flatMap((l) => l.entries.map((e) => ({ term: e.term, pinyin: e.flags.pinyin, segment: e.flags.segment })))];
    const whitelist = parseDictionaries(sources).whitelist.map((w) => w.term);

    // Matcher build time and retained heap.
    TermMatcher.build(allTerms.slice(0, 100), whitelist); // warm OpenCC / pinyin tables
    const heap0 = heapAfterGc();
    const tb = performance.now();
    const matcher = TermMatcher.build(allTerms, whitelist);
    const buildMs = performance.now() - tb;
    const heap1 = heapAfterGc();
    const te = performance.now();
    let engine: CheckEngine | undefined = createCheckEngine({ sources });
    const engineMs = performance.now() - te;
    const heap2 = heapAfterGc();

    // sensitive-word-tool on the same terms.
    const ts = performance.now();
    const swt = new SensitiveWordTool({ useDefaultWords: false });
    swt.addWords(allTerms.map((t) => t.term));
    const swtMs = performance.now() - ts;
    const heap3 = heapAfterGc();

    console.log(`=== ${size.toLocaleString()} synthetic terms (+ starter lists: ${allTerms.length.toLocaleString()} sensitive terms) ===`);
    console.log(
      `build: matcher ${fmt(buildMs, 0)} ms (${matcher.stateCount().toLocaleString()} states, typed arrays ${mb(matcher.byteSize())} MB, retained heap+buffers ${mb(heap1 - heap0)} MB); ` +
        `whole engine ${fmt(engineMs, 0)} ms (retained ${mb(heap2 - heap1)} MB); sensitive-word-tool ${fmt(swtMs, 0)} ms (retained ${mb(heap3 - heap2)} MB)`,
    );
    console.log('draft chars | matcher raw M/s | matcher+filters M/s | swt match M/s | all checks p50 ms | p99 ms | all checks M chars/s');
    for (const { n, text } of drafts) {
      const iterations = n >= 100_000 ? 10 : n >= 20_000 ? 40 : 100;
      for (let w = 0; w < 3; w++) {
        matcher.scanRaw(text);
        matcher.match(text);
        swt.match(text);
      }
      const raw = timeIt(iterations, () => matcher.scanRaw(text));
      const filtered = timeIt(iterations, () => matcher.match(text));
      const base = timeIt(Math.max(3, iterations / 4), () => swt.match(text));
      const content = (k: number): RevisionContent => ({ title: `测试稿件${k}`, body: text, format: 'text', origin: { kind: 'original' }, assets: [] });
      let k = 0;
      const e = engine;
      for (let w = 0; w < 2; w++) for (const id of e.checkIds) e.run(id, content(k++));
      const all = timeIt(iterations, () => {
        const c = content(k++);
        for (const id of e.checkIds) e.run(id, c);
      });
      const p50 = pct(all, 50);
      console.log(
        `${String(n).padStart(11)} | ${mchars(n, pct(raw, 50)).padStart(15)} | ${mchars(n, pct(filtered, 50)).padStart(19)} | ${mchars(n, pct(base, 50)).padStart(13)} | ${fmt(p50, 2).padStart(17)} | ${fmt(pct(all, 99), 2).padStart(6)} | ${mchars(n, p50).padStart(20)}`,
      );
      if (n === 20_000) console.log(`${' '.repeat(11)}   20k-char draft, all checks: p50 ${fmt(p50, 2)} ms, p95 ${fmt(pct(all, 95), 2)} ms`);
    }
    engine = undefined;
    console.log(`RSS ${mb(process.memoryUsage().rss)} MB (includes nodejieba ~250 MB)`);
    console.log('');
  }
}

void main();
