/**
 * npm run bench:pinyin — what terms marked `py` (pinyin / mixed pinyin spellings) cost to build: 1,000 and 2,000
 * eight-character terms (the issue-10 import that took 17 s and +850 MB when every 2ⁿ−1 mixed spelling was a key),
 * plus a 100k-term list without `py` for scale. Prints build time, keys, retained heap and a scan check.
 */
import { pinyin } from 'pinyin-pro';
import { TermMatcher, type MatcherTerm } from '../src/checks/matcher/term-matcher';

const HANZI = '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可也你对能而子那得于着下自之年过发后作里';
function terms(count: number, length: number, seed: number): string[] {
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) >>> 0) % HANZI.length;
  const out = new Set<string>();
  while (out.size < count) {
    let t = '';
    for (let i = 0; i < length; i++) t += HANZI[next()];
    out.add(t);
  }
  return [...out];
}

const gc = (globalThis as { gc?: () => void }).gc;
const heap = () => {
  gc?.();
  return process.memoryUsage().heapUsed;
};

for (const [count, length] of [
  [1_000, 8],
  [2_000, 8],
  [1_000, 4],
] as const) {
  const list = terms(count, length, count + length);
  const input: MatcherTerm[] = list.map((term) => ({ term, pinyin: true }));
  const before = heap();
  const started = process.hrtime.bigint();
  const matcher = TermMatcher.build(input);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const kept = heap() - before;
  // A mixed spelling of a term must still be found: first half in pinyin, second half as written.
  const sample = list[7]!;
  const syllables = pinyin(sample, { toneType: 'none', type: 'array', v: true });
  const half = Math.floor(length / 2);
  const mixed = syllables.slice(0, half).join('') + sample.slice(half);
  const found = matcher.match(`这里有${mixed}。`).some((h) => h.term === 7);
  console.log(
    `${count} × ${length}-char py terms: build ${seconds.toFixed(3)} s, ${matcher.stateCount()} states, ${(matcher.byteSize() / 1e6).toFixed(1)} MB automaton, ` +
      `${(kept / 1e6).toFixed(1)} MB heap kept${gc ? '' : ' (run with --expose-gc for heap)'}; mixed spelling found: ${found}`,
  );
}
