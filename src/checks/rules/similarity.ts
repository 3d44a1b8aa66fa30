import type { Segmenter } from '../segmenter';
import { foldText } from '../text/fold';

/**
 * Near-duplicate features: MinHash over shingles of content characters (the copyright check) or of jieba tokens
 * (kept for comparison in bench:near-duplicate). Punctuation and spaces are dropped. A Jaccard estimate from k
 * hash functions has standard error ≈ sqrt(J(1-J)/k) (≈ 0.031 at J = 0.4, k = 256); the signature is k uint32,
 * so released drafts could store it and be compared without their text.
 */

const PRIME = 4294967291; // largest prime < 2^32

export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function mix(x: number, seed: number): number {
  // Cheap 32-bit universal-ish hash family (murmur3 finaliser over x ^ seed).
  let h = (x ^ seed) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const SEEDS: number[] = [];
function seeds(k: number): number[] {
  while (SEEDS.length < k) SEEDS.push(fnv1a(`seed-${SEEDS.length}`) % PRIME);
  return SEEDS;
}

/** Content tokens of a text: jieba tokens over the folded text, without whitespace and punctuation. */
export function contentTokens(segmenter: Segmenter, text: string): string[] {
  return segmenter.cut(foldText(text, 'full')).filter((t) => /[\p{L}\p{N}]/u.test(t));
}

/** Content characters of a text: folded (width, case, traditional → simplified), letters and digits only. */
export function contentChars(text: string): string[] {
  return [...foldText(text, 'full')].filter((c) => /[\p{L}\p{N}]/u.test(c));
}

/** Hashes of the k-token shingles (a set). */
export function shingleHashes(tokens: readonly string[], size: number): Set<number> {
  const out = new Set<number>();
  if (tokens.length < size) {
    if (tokens.length > 0) out.add(fnv1a(tokens.join('\u0001')));
    return out;
  }
  for (let i = 0; i + size <= tokens.length; i++) out.add(fnv1a(tokens.slice(i, i + size).join('\u0001')));
  return out;
}

export function minhash(shingles: ReadonlySet<number>, k: number): Uint32Array {
  const sig = new Uint32Array(k).fill(0xffffffff);
  const s = seeds(k);
  for (const x of shingles) {
    for (let j = 0; j < k; j++) {
      const v = mix(x, s[j]!);
      if (v < sig[j]!) sig[j] = v;
    }
  }
  return sig;
}

/** Estimated Jaccard similarity of two signatures of equal length. */
export function minhashSimilarity(a: Uint32Array, b: Uint32Array): number {
  let same = 0;
  for (let j = 0; j < a.length; j++) if (a[j] === b[j]) same++;
  return a.length === 0 ? 0 : same / a.length;
}

/** 64-bit SimHash (as a hex string) of token features — a compact fingerprint for storage and bucketing. */
export function simhash(tokens: readonly string[]): string {
  const v = new Float64Array(64);
  for (const t of tokens) {
    const lo = fnv1a(t);
    const hi = fnv1a(`${t}\u0002`);
    for (let b = 0; b < 32; b++) {
      v[b]! += (lo >>> b) & 1 ? 1 : -1;
      v[b + 32]! += (hi >>> b) & 1 ? 1 : -1;
    }
  }
  let lo = 0;
  let hi = 0;
  for (let b = 0; b < 32; b++) {
    if (v[b]! > 0) lo |= 1 << b;
    if (v[b + 32]! > 0) hi |= 1 << b;
  }
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}
