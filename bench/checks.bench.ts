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
import { parseDictionaries } from '../src/checks/dictionary/dictionary';
import { TermMatcher } from '../src/checks/matcher/term-matcher';
import { preloadSegmenter } from '../src/checks/segmenter';
import type { RevisionContent } from '../src/domain/content';
import { canonicalise } from '../src/shared/document/canonicalise';
import { percentile, REGULATION_SENTENCES, regulationDraft, rng } from './lib/campus-text';
import { readDictionaryDir } from '../src/services/load-check-engine';

const gc = (globalThis as { gc?: () => void }).gc;

const draft = (chars: number, seed: number): string => regulationDraft(chars, rng(seed));

/** The text as an official-account style HTML post: paragraphs with bold and colour, `images` images spread through it. */
function htmlDraft(text: string, images: number): string {
  const paras = text.split(/(?<=。)/).reduce<string[]>((acc, s) => {
    if (acc.length === 0 || acc[acc.length - 1]!.length > 300) acc.push(s);
    else acc[acc.length - 1] += s;
    return acc;
  }, []);
  const every = Math.max(1, Math.floor(paras.length / images));
  let n = 0;
  return paras
    .map((p, i) => {
      const img = i % every === 0 && n < images ? `<p style="text-align:center"><img src="media:${(n++).toString(16).padStart(64, '0')}" alt="配图${n}"></p>` : '';
      return `<section style="margin:0 8px"><p><span style="color:#333333;font-size:16px">${p.slice(0, 20)}<strong>${p.slice(20, 30)}</strong>${p.slice(30)}</span></p></section>${img}`;
    })
    .join('\n');
}

function syntheticTerms(count: number, seed: number): string[] {
  const pool = [...new Set(REGULATION_SENTENCES.join('').replace(/[^\u4e00-\u9fa5]/g, ''))];
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

async function heapAfterGc(): Promise<number> {
  // Typed-array backing stores live outside the JS heap (count them too) and are freed by a sweeper that runs
  // after the collection: give it time, or the build's temporary arrays are billed to what it keeps.
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

async function main(): Promise<void> {
  const starter = await readDictionaryDir(join(__dirname, '../dictionaries'));
  preloadSegmenter();
  const drafts: Array<{ n: number; text: string; label?: string }> = [1_000, 10_000, 20_000, 100_000].map((n, i) => ({ n, text: draft(n, 100 + i) }));
  // The same 20k draft with an astral or invisible character every ~50 characters (emoji, 𝐕, a tag, U+2800,
  // a combining mark): every scan then takes the folded view's slow path (text/fold.ts foldView).
  const disguised = [...draft(20_000, 102)]
    .map((c, i) => (i % 50 === 49 ? `${c}${['😀', '𝐕', '\u{E0020}', '\u2800', '\u0332'][((i / 50) % 5) | 0]}` : c))
    .join('')
    .slice(0, 20_000);
  drafts.splice(3, 0, { n: 20_000, text: disguised, label: '20k (disguised)' });
  console.log(`node ${process.version}, gc ${gc ? 'exposed' : 'NOT exposed (heap numbers approximate)'}`);
  console.log('');

  for (const size of [10_000, 100_000]) {
    const terms = syntheticTerms(size, size);
    const lines = terms.map((t) => `${t}\treview`).join('\n');
    const sources = { ...starter, 'sensitive/synthetic.txt': lines };
    const allTerms = [...parseDictionaries(sources).sensitive.flatMap((l) => l.toEntries().map((e) => ({ term: e.term, pinyin: e.flags.pinyin, segment: e.flags.segment })))];
    const whitelist = parseDictionaries(sources).whitelist.map((w) => w.term);

    // Matcher build time and retained heap.
    // Warm the process-wide tables (fold, OpenCC, pinyin) so the first build is not billed for them.
    createCheckEngine({
      sources: {
        ...starter,
        'sensitive/synthetic.txt': terms
          .slice(0, 1_000)
          .map((t) => `${t}\treview`)
          .join('\n'),
      },
    });
    const heap0 = await heapAfterGc();
    const tb = performance.now();
    const matcher = TermMatcher.build(allTerms, whitelist);
    const buildMs = performance.now() - tb;
    const heap1 = await heapAfterGc();
    const te = performance.now();
    let engine: CheckEngine | undefined = createCheckEngine({ sources });
    const engineMs = performance.now() - te;
    const heap2 = await heapAfterGc();

    // sensitive-word-tool on the same terms.
    const ts = performance.now();
    const swt = new SensitiveWordTool({ useDefaultWords: false });
    swt.addWords(allTerms.map((t) => t.term));
    const swtMs = performance.now() - ts;
    const heap3 = await heapAfterGc();

    console.log(`=== ${size.toLocaleString()} synthetic terms (+ starter lists: ${allTerms.length.toLocaleString()} sensitive terms) ===`);
    console.log(
      `build: matcher ${fmt(buildMs, 0)} ms (${matcher.stateCount().toLocaleString()} states, typed arrays ${mb(matcher.byteSize())} MB, retained heap+buffers ${mb(heap1 - heap0)} MB); ` +
        `whole engine ${fmt(engineMs, 0)} ms (retained ${mb(heap2 - heap1)} MB); sensitive-word-tool ${fmt(swtMs, 0)} ms (retained ${mb(heap3 - heap2)} MB)`,
    );
    console.log('draft chars | matcher raw M/s | matcher+filters M/s | swt match M/s | all checks p50 ms | p99 ms | all checks M chars/s');
    for (const { n, text, label } of drafts) {
      // Every scanner is measured warm, as in a worker that has checked many drafts: small drafts get enough warm-up
      // calls for the JIT to optimise the scan loop, and enough timed calls (≈1M characters) for a stable median.
      const iterations = Math.max(10, Math.round(1_000_000 / n));
      for (let w = 0; w < Math.max(3, Math.round(200_000 / n)); w++) {
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
      const p50 = percentile(all, 50);
      console.log(
        `${(label ?? String(n)).padStart(11)} | ${mchars(n, percentile(raw, 50)).padStart(15)} | ${mchars(n, percentile(filtered, 50)).padStart(19)} | ${mchars(n, percentile(base, 50)).padStart(13)} | ${fmt(p50, 2).padStart(17)} | ${fmt(percentile(all, 99), 2).padStart(6)} | ${mchars(n, p50).padStart(20)}`,
      );
      if (n === 20_000) console.log(`${' '.repeat(11)}   ${label ?? '20k-char draft'}, all checks: p50 ${fmt(p50, 2)} ms, p95 ${fmt(percentile(all, 95), 2)} ms`);
      if (n === 20_000 && !label) {
        // Issue 9: the same 20k characters as an HTML draft with 20 images, parsed once at submission into the
        // canonical document (parse5), then every check reading the canonical form (which parses it again).
        const html = htmlDraft(text, 20);
        const stored = canonicalise(html, 'html').body;
        const hc = (k2: number): RevisionContent => ({ title: `图文稿件${k2}`, body: stored, format: 'html', origin: { kind: 'original' }, assets: [] });
        for (let w = 0; w < 3; w++) {
          canonicalise(html, 'html');
          for (const id of e.checkIds) e.run(id, hc(k++));
        }
        const parse = timeIt(iterations, () => canonicalise(html, 'html'));
        const checks = timeIt(iterations, () => {
          const c = hc(k++);
          for (const id of e.checkIds) e.run(id, c);
        });
        const both = timeIt(iterations, () => {
          canonicalise(html, 'html');
          const c = hc(k++);
          for (const id of e.checkIds) e.run(id, c);
        });
        const line = (what: string, xs: number[]) => `${what} p50 ${fmt(percentile(xs, 50), 2)} ms, p95 ${fmt(percentile(xs, 95), 2)} ms`;
        console.log(
          `${' '.repeat(11)}   20k-char HTML draft, 20 images (${html.length.toLocaleString()} chars of markup): ${line('submission parse', parse)}; ${line('all checks on the canonical form', checks)}; ${line('parse + all checks', both)} (text draft above: p50 ${fmt(p50, 2)} ms)`,
        );
      }
    }
    engine = undefined;
    console.log(`RSS ${mb(process.memoryUsage().rss)} MB (includes nodejieba ~250 MB)`);
    console.log('');
  }
}

void main();
