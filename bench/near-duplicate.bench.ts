/**
 * npm run bench:near-duplicate — near-duplicate detection: MinHash signatures compared in process (over jieba
 * token shingles, the previous setting, and over character 3-grams, what the copyright check uses now) against
 * PostgreSQL pg_trgm (trigram similarity with a GIN index). Report, not assert.
 *
 * Material: campus-news-like texts (bench/lib/campus-news.ts, ~500–2,000 characters each). Stored texts stand
 * for released drafts and the reference corpus. Queries are near-duplicates of stored texts made the way a
 * copier makes them (sentences reordered; 10 / 20 / 30 % of the characters changed; paragraphs of another text
 * inserted; reorder + 10 % + insert) and unrelated texts of the same genre. For each approach it prints:
 *  - precision / recall against every stored text, at a reference threshold and at the operating point of
 *    a sweep, with recall per edit kind, for each store size;
 *  - query time against 10k and 100k stored texts, p50 / p95 (MinHash: features + brute-force search in
 *    process, and an LSH index over the signatures; pg_trgm: the `%` query in PostgreSQL, with the plan it
 *    picks and with its GIN index forced);
 *  - storage: what each approach keeps per text, and the table / index sizes PostgreSQL reports.
 * pg_trgm's precision / recall over a whole store comes from a re-implementation of its similarity() (same
 * trigram rules) with an inverted index, checked against PostgreSQL's own similarity() on sampled pairs: one
 * `%` query on long texts takes seconds in PostgreSQL, so thousands of them would take hours.
 * Writes the figures to bench/results/near-duplicate.json.
 *
 *   npm run bench:near-duplicate -- [--stored 10000,100000] [--bases 150] [--negatives 300] [--timing 30]
 *                                   [--pg-timing 4] [--pg-timeout-s 30] [--keep]
 *
 * --keep leaves the seeded database for the next run (seeding and indexing 100k texts takes minutes).
 * BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) must be able to create databases.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { CHECKS_CONFIG } from '../config/checks';
import { contentChars, contentTokens, minhash, shingleHashes } from '../src/checks/rules/similarity';
import { JIEBA_SEGMENTER, preloadSegmenter } from '../src/checks/segmenter';
import { campusNews, EDIT_KINDS, editedVariant, type EditKind } from './lib/campus-news';
import { percentile } from './lib/campus-text';
import { BENCH_ADMIN_URL, benchDatabaseUrl, withBenchClient } from './lib/database';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const STORES = arg('stored', '10000,100000')
  .split(',')
  .map(Number)
  .sort((a, b) => a - b);
const BASES = Number(arg('bases', '150'));
const NEGATIVES = Number(arg('negatives', '300'));
const TIMING = Number(arg('timing', '30'));
const PG_TIMING = Number(arg('pg-timing', '4'));
const PG_TIMEOUT_S = Number(arg('pg-timeout-s', '30'));
const KEEP = process.argv.includes('--keep');
const DB_NAME = `sanshen_bench_neardup_${STORES.join('_')}`;
const MAX = STORES[STORES.length - 1]!;
const SMALL = STORES[0]!;
const { minhashSize: K, nearDuplicateThreshold } = CHECKS_CONFIG.copyright;
/** pg_trgm's default similarity threshold; the sweep below shows what another one would give. */
const TRGM_DEFAULT = 0.3;

type Kind = EditKind | 'unrelated';
interface Query {
  text: string;
  kind: Kind;
  /** Index of the stored text it was made from (null: unrelated). */
  source: number | null;
}
interface Best {
  id: number;
  score: number;
}

// ---------- material ----------

function makeQueries(): Query[] {
  const out: Query[] = [];
  const step = Math.floor(SMALL / BASES);
  for (let b = 0; b < BASES; b++) {
    const source = b * step;
    const original = campusNews(source);
    EDIT_KINDS.forEach((kind, k) => out.push({ text: editedVariant(original, kind, b * 10 + k), kind, source }));
  }
  for (let n = 0; n < NEGATIVES; n++) out.push({ text: campusNews(50_000_000 + n), kind: 'unrelated', source: null });
  return out;
}

// ---------- MinHash over jieba shingles (the copyright check's features) ----------

interface Signatures {
  shingle: number;
  /** Signature length. */
  k: number;
  sig: Uint32Array; // n × k
  size: Uint32Array; // shingle-set size per text
  n: number;
}

type Score = 'jaccard' | 'containment';

/**
 * Locality-sensitive hashing over signatures: `bands` bands of `rows` values each; texts sharing a band's values
 * are candidates (probability 1 - (1 - J^rows)^bands), verified with the whole signature. Each band is a sorted
 * array of (hash, text) so 100k texts cost 8 bytes per band and text, not a Map entry.
 */
class LshIndex {
  private readonly hashes: Uint32Array[] = [];
  private readonly order: Int32Array[] = [];

  constructor(
    private readonly store: Signatures,
    limit: number,
    readonly bands: number,
    readonly rows: number,
  ) {
    for (let b = 0; b < bands; b++) {
      const h = new Uint32Array(limit);
      for (let i = 0; i < limit; i++) h[i] = this.bandHash(store.sig, i * store.k, b);
      const order = Int32Array.from({ length: limit }, (_, i) => i).sort((x, y) => h[x]! - h[y]!);
      this.hashes.push(Uint32Array.from(order, (i) => h[i]!));
      this.order.push(order);
    }
  }

  private bandHash(sig: Uint32Array, base: number, band: number): number {
    let h = 0x811c9dc5 ^ band;
    for (let r = 0; r < this.rows; r++) h = Math.imul(h ^ sig[base + band * this.rows + r]!, 0x01000193);
    return h >>> 0;
  }

  search(q: Uint32Array): { best: Best; candidates: number } {
    const seen = new Set<number>();
    for (let b = 0; b < this.bands; b++) {
      const h = this.bandHash(q, 0, b);
      const hs = this.hashes[b]!;
      let lo = 0;
      let hi = hs.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (hs[mid]! < h) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < hs.length && hs[i] === h; i++) seen.add(this.order[b]![i]!);
    }
    let best: Best = { id: -1, score: 0 };
    const { sig, k } = this.store;
    for (const i of seen) {
      let same = 0;
      for (let j = 0; j < k; j++) if (sig[i * k + j] === q[j]) same++;
      if (same / k > best.score) best = { id: i, score: same / k };
    }
    return { best, candidates: seen.size };
  }
}

/** Best stored text for one signature, by brute force over `limit` stored signatures. */
function minhashSearch(store: Signatures, limit: number, q: Uint32Array, qSize: number, score: Score): Best {
  let best: Best = { id: -1, score: -1 };
  const { sig, k } = store;
  for (let i = 0; i < limit; i++) {
    let same = 0;
    const base = i * k;
    for (let j = 0; j < k; j++) if (sig[base + j] === q[j]) same++;
    const jac = same / k;
    let s = jac;
    if (score === 'containment') {
      // |A∩B| = J/(1+J)·(|A|+|B|): the share of the smaller text found in the other one.
      const inter = (jac / (1 + jac)) * (store.size[i]! + qSize);
      s = Math.min(1, inter / Math.max(1, Math.min(store.size[i]!, qSize)));
    }
    if (s > best.score) best = { id: i, score: s };
  }
  return best;
}

// ---------- quality ----------

interface Quality {
  threshold: number;
  /** Flagged queries whose best match is their source / all flagged queries. */
  precision: number;
  /** Near-duplicates flagged with their source / all near-duplicates. */
  recall: number;
  /** Unrelated texts flagged / unrelated texts: the false alarms a draft declared original would get. */
  falseAlarmRate: number;
  falseAlarms: number;
  /** Near-duplicates flagged, but with another stored text as the best match. */
  misattributed: number;
  recallByKind: Record<string, number>;
}

function quality(queries: readonly Query[], best: readonly Best[], threshold: number): Quality {
  let tp = 0;
  let falseAlarms = 0;
  let misattributed = 0;
  const byKind: Record<string, { hit: number; n: number }> = {};
  queries.forEach((q, i) => {
    const b = best[i]!;
    const flagged = b.score >= threshold;
    if (q.source === null) {
      if (flagged) falseAlarms++;
      return;
    }
    const k = (byKind[q.kind] ??= { hit: 0, n: 0 });
    k.n++;
    if (flagged && b.id === q.source) {
      tp++;
      k.hit++;
    } else if (flagged) misattributed++;
  });
  const positives = queries.filter((q) => q.source !== null).length;
  const negatives = queries.length - positives;
  const flagged = tp + falseAlarms + misattributed;
  return {
    threshold,
    precision: flagged === 0 ? 1 : tp / flagged,
    recall: tp / positives,
    falseAlarmRate: negatives === 0 ? 0 : falseAlarms / negatives,
    falseAlarms,
    misattributed,
    recallByKind: Object.fromEntries(Object.entries(byKind).map(([k, v]) => [k, v.hit / v.n])),
  };
}

function sweep(queries: readonly Query[], best: readonly Best[], thresholds: readonly number[]): Quality[] {
  return thresholds.map((t) => quality(queries, best, t));
}

/**
 * The operating point: the most recall with at most 1 % of unrelated texts flagged (a false alarm costs a
 * reviewer's time on every original draft); among equal recall, the highest threshold (the widest margin).
 */
function operatingPoint(qs: readonly Quality[]): Quality {
  const ok = qs.filter((q) => q.falseAlarmRate <= 0.01);
  if (ok.length === 0) return qs[qs.length - 1]!;
  return ok.reduce((a, b) => (b.recall > a.recall || (b.recall === a.recall && b.threshold > a.threshold) ? b : a));
}

/** Best-match scores: unrelated texts' (how high chance similarity goes) and near-duplicates' by edit kind. */
function scoreSpread(queries: readonly Query[], best: readonly Best[]): Record<string, { p5: number; p50: number; p95: number; max: number }> {
  const groups: Record<string, number[]> = {};
  queries.forEach((q, i) => (groups[q.kind] ??= []).push(best[i]!.score));
  return Object.fromEntries(Object.entries(groups).map(([k, xs]) => [k, { p5: percentile(xs, 5), p50: percentile(xs, 50), p95: percentile(xs, 95), max: Math.max(...xs) }]));
}

function spreadLine(name: string, spread: ReturnType<typeof scoreSpread>): string {
  const u = spread.unrelated!;
  const kinds = [...EDIT_KINDS].map((k) => `${k} ${f2(spread[k]?.p5 ?? 0)}/${f2(spread[k]?.p50 ?? 0)}`).join(', ');
  return `${''.padEnd(62)}scores: unrelated p50 ${f2(u.p50)} p95 ${f2(u.p95)} max ${f2(u.max)} | near-duplicates p5/p50: ${kinds}`;
}

const grid = (from: number, to: number, step: number) => Array.from({ length: Math.round((to - from) / step) + 1 }, (_, i) => Math.round((from + i * step) * 100) / 100);

// ---------- pg_trgm's similarity, re-implemented for whole-store precision / recall ----------

/**
 * pg_trgm's trigram set of a text: lower-cased, split into words of letters and digits, each word padded with
 * two spaces in front and one behind, every three consecutive characters. similarity = shared / union.
 * (PostgreSQL hashes multi-byte trigrams into 3 bytes, so rare collisions may differ: checked below.)
 */
function trigramSet(text: string): Set<string> {
  const out = new Set<string>();
  for (const word of text.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
    if (word === '') continue;
    const chars = [...`  ${word} `];
    for (let i = 0; i + 3 <= chars.length; i++) out.add(chars[i]! + chars[i + 1]! + chars[i + 2]!);
  }
  return out;
}

/** An inverted index of trigram ids (CSR) over the stored texts, with each text's trigram count. */
class TrigramIndex {
  private readonly ids = new Map<string, number>();
  private offsets = new Int32Array(0);
  private postings = new Int32Array(0);
  readonly sizes: Int32Array;
  private readonly counts: Int32Array;

  constructor(texts: readonly string[]) {
    const n = texts.length;
    this.sizes = new Int32Array(n);
    this.counts = new Int32Array(n);
    const docs: Int32Array[] = [];
    let total = 0;
    for (let d = 0; d < n; d++) {
      const tri = [...trigramSet(texts[d]!)].map((t) => this.id(t));
      docs.push(Int32Array.from(tri));
      this.sizes[d] = tri.length;
      total += tri.length;
    }
    const df = new Int32Array(this.ids.size + 1);
    for (const doc of docs) for (const t of doc) df[t + 1]!++;
    for (let t = 0; t < this.ids.size; t++) df[t + 1]! += df[t]!;
    this.offsets = df;
    this.postings = new Int32Array(total);
    const fill = df.slice();
    docs.forEach((doc, d) => doc.forEach((t) => (this.postings[fill[t]!++] = d)));
  }

  private id(t: string): number {
    let id = this.ids.get(t);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(t, id);
    }
    return id;
  }

  /** The stored text with the highest similarity() to `text`, among the first `limit` (ids are in order). */
  best(text: string, limit: number): Best {
    const tri = trigramSet(text);
    const touched: number[] = [];
    for (const t of tri) {
      const id = this.ids.get(t);
      if (id === undefined) continue;
      for (let p = this.offsets[id]!, end = this.offsets[id + 1]!; p < end; p++) {
        const d = this.postings[p]!;
        if (d >= limit) break;
        if (this.counts[d] === 0) touched.push(d);
        this.counts[d]!++;
      }
    }
    let best: Best = { id: -1, score: 0 };
    for (const d of touched) {
      const c = this.counts[d]!;
      const s = c / (tri.size + this.sizes[d]! - c);
      if (s > best.score) best = { id: d, score: s };
      this.counts[d] = 0;
    }
    return best;
  }
}

function jsSimilarity(a: string, b: string): number {
  const x = trigramSet(a);
  const y = trigramSet(b);
  let c = 0;
  for (const t of x) if (y.has(t)) c++;
  return c / (x.size + y.size - c);
}

// ---------- PostgreSQL ----------

const table = (n: number) => `ref_${n}`;

async function seedPostgres(url: string, texts: (i: number) => string, store: Signatures): Promise<Record<string, unknown>> {
  return withBenchClient(url, async (c) => {
    const info: Record<string, unknown> = {};
    await c.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
    for (const n of STORES) {
      const t = table(n);
      const have = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_tables WHERE tablename = $1`, [t]);
      const rows = have.rows[0]!.n === 1 ? (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`)).rows[0]!.n : 0;
      const batches = (fn: (ids: number[]) => Promise<void>) => async () => {
        for (let from = 0; from < n; from += 1_000) await fn(Array.from({ length: Math.min(1_000, n - from) }, (_, k) => from + k));
      };
      // The MinHash signatures as the app would keep them: one bytea (k × uint32) and the shingle count per text.
      await c.query(`DROP TABLE IF EXISTS sig_${n}`);
      await c.query(`CREATE TABLE sig_${n} (id int PRIMARY KEY, shingles int NOT NULL, sig bytea NOT NULL)`);
      await batches(async (ids) => {
        const sigs = ids.map((i) => Buffer.from(store.sig.buffer, store.sig.byteOffset + i * store.k * 4, store.k * 4));
        await c.query(`INSERT INTO sig_${n} SELECT * FROM unnest($1::int[], $2::int[], $3::bytea[])`, [ids, ids.map((i) => store.size[i]!), sigs]);
      })();
      await c.query(`VACUUM ANALYZE sig_${n}`);
      if (rows === n) {
        console.log(`reusing ${t} (${n} texts)`);
        continue;
      }
      await c.query(`DROP TABLE IF EXISTS ${t}`);
      await c.query(`CREATE TABLE ${t} (id int PRIMARY KEY, body text NOT NULL)`);
      const started = performance.now();
      await batches(async (ids) => {
        await c.query(`INSERT INTO ${t} SELECT * FROM unnest($1::int[], $2::text[])`, [ids, ids.map(texts)]);
      })();
      const loaded = performance.now();
      await c.query(`SET maintenance_work_mem = '256MB'`);
      await c.query(`CREATE INDEX ${t}_trgm ON ${t} USING gin (body gin_trgm_ops)`);
      await c.query(`VACUUM ANALYZE ${t}`);
      info[`${n}`] = { loadSeconds: (loaded - started) / 1000, ginBuildSeconds: (performance.now() - loaded) / 1000 };
      console.log(`seeded ${t}: load ${((loaded - started) / 1000).toFixed(1)} s, GIN build ${((performance.now() - loaded) / 1000).toFixed(1)} s`);
    }
    return info;
  });
}

async function pgSizes(url: string): Promise<Record<string, Record<string, number>>> {
  return withBenchClient(url, async (c) => {
    const out: Record<string, Record<string, number>> = {};
    for (const n of STORES) {
      const t = table(n);
      const r = await c.query<{ heap: string; total: string; index: string; sig: string; text_bytes: string }>(
        `SELECT pg_table_size('${t}') AS heap, pg_total_relation_size('${t}') AS total, pg_relation_size('${t}_trgm') AS index,
                pg_total_relation_size('sig_${n}') AS sig, (SELECT sum(octet_length(body)) FROM ${t}) AS text_bytes`,
      );
      const row = r.rows[0]!;
      out[n] = { textBytes: Number(row.text_bytes), tableBytes: Number(row.heap), trgmIndexBytes: Number(row.index), minhashTableBytes: Number(row.sig) };
    }
    return out;
  });
}

/** pg_trgm's best match for one query text at the session's threshold (the GIN index serves the % operator). */
async function trgmSearch(c: Client, n: number, text: string): Promise<Best> {
  const r = await c.query<{ id: number; s: number }>(`SELECT id, similarity(body, $1) AS s FROM ${table(n)} WHERE body % $1 ORDER BY s DESC LIMIT 1`, [text]);
  const row = r.rows[0];
  return row ? { id: row.id, score: Number(row.s) } : { id: -1, score: 0 };
}

/** The plan PostgreSQL picks for the % query (whether it uses the GIN index at all). */
async function trgmPlan(c: Client, n: number, text: string): Promise<string> {
  const r = await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN SELECT id, similarity(body, $1) AS s FROM ${table(n)} WHERE body % $1 ORDER BY s DESC LIMIT 1`, [text]);
  return r.rows
    .map((x) => x['QUERY PLAN'])
    .filter((l) => /Scan/.test(l))
    .map((l) =>
      l
        .trim()
        .replace(/\s+\(cost.*$/, '')
        .replace(/^->\s*/, ''),
    )
    .join(' / ');
}

// ---------- report ----------

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const f2 = (x: number) => x.toFixed(2);
const f3 = (x: number) => x.toFixed(3);
const ms = (x: number) => x.toFixed(x < 10 ? 2 : 1);

function qualityLine(name: string, q: Quality): string {
  const kinds = [...EDIT_KINDS].map((k) => `${k} ${f2(q.recallByKind[k] ?? 0)}`).join(', ');
  return `${name.padEnd(62)}t=${q.threshold.toFixed(2)}  P ${f3(q.precision)}  R ${f3(q.recall)}  false alarms ${(q.falseAlarmRate * 100).toFixed(1)}% | recall ${kinds}`;
}

async function main(): Promise<void> {
  console.log(`near-duplicate benchmark: stores ${STORES.join(' / ')} texts, ${BASES} originals × ${EDIT_KINDS.length} edits + ${NEGATIVES} unrelated queries`);
  const t0 = performance.now();
  const texts = Array.from({ length: MAX }, (_, i) => campusNews(i));
  const queries = makeQueries();
  const avgChars = texts.reduce((n, t) => n + t.length, 0) / texts.length;
  console.log(`generated in ${((performance.now() - t0) / 1000).toFixed(1)} s; stored texts average ${avgChars.toFixed(0)} characters`);

  preloadSegmenter();
  const queryJieba = queries.map((q) => contentTokens(JIEBA_SEGMENTER, q.text));
  const queryChars = queries.map((q) => contentChars(q.text));

  type Features = 'jieba' | 'chars';
  // MinHash variants: the previous setting (jieba 3-token shingles, k=128, 0.5), the one in config/checks.ts now
  // (character 3-grams, k and threshold from the config) and the alternatives worth knowing. Character 3-grams are
  // pg_trgm's features, estimated by MinHash instead of computed exactly in the database.
  interface Variant {
    name: string;
    features: Features;
    shingle: number;
    k: number;
    score: Score;
    /** Threshold the variant is shown at besides its operating point. */
    threshold: number;
    /** Evaluated against every store size (the others: the smaller store only). */
    everyStore: boolean;
  }
  const variants: Variant[] = [
    { name: 'jieba 3-shingles k=128 jaccard (previous)', features: 'jieba', shingle: 3, k: 128, score: 'jaccard', threshold: 0.5, everyStore: true },
    { name: 'jieba 2-shingles k=128 jaccard', features: 'jieba', shingle: 2, k: 128, score: 'jaccard', threshold: nearDuplicateThreshold, everyStore: false },
    { name: 'jieba 3-shingles k=128 containment', features: 'jieba', shingle: 3, k: 128, score: 'containment', threshold: nearDuplicateThreshold, everyStore: false },
    { name: 'char 3-grams k=128 jaccard', features: 'chars', shingle: 3, k: 128, score: 'jaccard', threshold: nearDuplicateThreshold, everyStore: true },
    {
      name: `char ${CHECKS_CONFIG.copyright.shingleSize}-grams k=${K} jaccard (config)`,
      features: 'chars',
      shingle: CHECKS_CONFIG.copyright.shingleSize,
      k: K,
      score: 'jaccard',
      threshold: nearDuplicateThreshold,
      everyStore: true,
    },
    { name: 'char 3-grams k=128 containment', features: 'chars', shingle: 3, k: 128, score: 'containment', threshold: nearDuplicateThreshold, everyStore: false },
  ];
  const production = variants[4]!;
  const featureKey = (f: Features, shingle: number, k: number) => `${f}-${shingle}-k${k}`;
  const stores = new Map<string, Signatures>();
  const querySigs = new Map<string, { sig: Uint32Array[]; size: number[] }>();
  for (const { features, shingle, k } of variants) {
    const key = featureKey(features, shingle, k);
    if (stores.has(key)) continue;
    stores.set(key, { shingle, k, sig: new Uint32Array(MAX * k), size: new Uint32Array(MAX), n: MAX });
    const sets = (features === 'jieba' ? queryJieba : queryChars).map((tk) => shingleHashes(tk, shingle));
    querySigs.set(key, { sig: sets.map((x) => minhash(x, k)), size: sets.map((x) => x.size) });
  }
  // One pass over the stored texts, keeping only the signatures (100k texts' tokens would not fit in the heap).
  let jiebaMs = 0;
  let minhashMs = 0;
  for (let i = 0; i < MAX; i++) {
    const t = performance.now();
    const tokens: Record<Features, string[]> = { jieba: contentTokens(JIEBA_SEGMENTER, texts[i]!), chars: contentChars(texts[i]!) };
    const t1 = performance.now();
    jiebaMs += t1 - t;
    for (const [key, store] of stores) {
      const features = key.split('-')[0] as Features;
      const set = shingleHashes(tokens[features], store.shingle);
      store.sig.set(minhash(set, store.k), i * store.k);
      store.size[i] = set.size;
    }
    minhashMs += performance.now() - t1;
    if (i % 10_000 === 9_999) process.stdout.write(`\rsignatures ${i + 1}/${MAX}`);
  }
  console.log(
    `\rsegmentation: ${MAX} texts in ${(jiebaMs / 1000).toFixed(1)} s (jieba ${((avgChars * MAX) / (jiebaMs / 1000) / 1e6).toFixed(2)} M chars/s); ${stores.size} signature sets in ${(minhashMs / 1000).toFixed(1)} s`,
  );

  const result: Record<string, unknown> = {
    machine: { node: process.version, cpus: (await import('node:os')).cpus().length },
    material: { stores: STORES, avgChars: Math.round(avgChars), originals: BASES, edits: EDIT_KINDS, unrelated: NEGATIVES, queries: queries.length },
    minhash: { configuredK: K, configuredThreshold: nearDuplicateThreshold, variants: {} as Record<string, unknown> },
    pgTrgm: {} as Record<string, unknown>,
  };
  const mhResults = (result.minhash as { variants: Record<string, unknown> }).variants;

  console.log('\n=== quality: precision, recall, share of unrelated texts flagged; recall per edit kind; best-match scores ===');
  for (const v of variants) {
    const store = stores.get(featureKey(v.features, v.shingle, v.k))!;
    const qs = querySigs.get(featureKey(v.features, v.shingle, v.k))!;
    const perStore: Record<string, unknown> = {};
    for (const n of v.everyStore ? STORES : [SMALL]) {
      const best = queries.map((_, i) => minhashSearch(store, n, qs.sig[i]!, qs.size[i]!, v.score));
      const configured = quality(queries, best, v.threshold);
      const swept = sweep(queries, best, grid(0.05, 0.95, 0.05));
      const op = operatingPoint(swept);
      const spread = scoreSpread(queries, best);
      console.log(qualityLine(`${v.name} @${n}`, configured));
      console.log(qualityLine(`${v.name} @${n} operating point`, op));
      console.log(spreadLine(v.name, spread));
      perStore[n] = { atThreshold: configured, operatingPoint: op, scores: spread, sweep: swept };
    }
    mhResults[v.name] = { features: v.features, shingle: v.shingle, k: v.k, score: v.score, quality: perStore };
  }

  // pg_trgm quality over whole stores, with the re-implemented similarity() (checked against PostgreSQL below).
  const tIdx = performance.now();
  const trigrams = new TrigramIndex(texts);
  console.log(`trigram index over ${MAX} texts in ${((performance.now() - tIdx) / 1000).toFixed(1)} s`);
  const pg = result.pgTrgm as Record<string, unknown>;
  const trgmQuality: Record<string, unknown> = {};
  let trgmTop: Quality | undefined;
  for (const n of STORES) {
    const best = queries.map((q) => trigrams.best(q.text, n));
    const atDefault = quality(queries, best, TRGM_DEFAULT);
    const swept = sweep(queries, best, grid(0.05, 0.95, 0.05));
    const op = operatingPoint(swept);
    const spread = scoreSpread(queries, best);
    if (n === SMALL) trgmTop = op;
    console.log(qualityLine(`pg_trgm similarity @${n} default 0.3`, atDefault));
    console.log(qualityLine(`pg_trgm similarity @${n} operating point`, op));
    console.log(spreadLine('pg_trgm', spread));
    trgmQuality[n] = { defaultThreshold: atDefault, operatingPoint: op, scores: spread, sweep: swept };
  }
  pg.quality = trgmQuality;

  // PostgreSQL: seed (or reuse) the stores.
  const exists = await withBenchClient(BENCH_ADMIN_URL, (c) => c.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB_NAME]).then((r) => r.rowCount === 1));
  if (exists && !KEEP) await withBenchClient(BENCH_ADMIN_URL, (c) => c.query(`DROP DATABASE "${DB_NAME}" WITH (FORCE)`));
  if (!exists || !KEEP) await withBenchClient(BENCH_ADMIN_URL, (c) => c.query(`CREATE DATABASE "${DB_NAME}"`));
  const url = benchDatabaseUrl(DB_NAME);
  const seedInfo = await seedPostgres(url, (i) => texts[i]!, stores.get(featureKey(production.features, production.shingle, production.k))!);
  const sizes = await pgSizes(url);
  pg.seed = seedInfo;
  pg.sizes = sizes;

  // The re-implementation against PostgreSQL's similarity(): each query with its source and with a random text.
  const check = await withBenchClient(url, async (c) => {
    let maxDiff = 0;
    let pairs = 0;
    for (let i = 0; i < queries.length; i += Math.max(1, Math.floor(queries.length / 100))) {
      const q = queries[i]!;
      for (const other of [q.source ?? 0, (i * 7919) % SMALL]) {
        const r = await c.query<{ s: number }>(`SELECT similarity(body, $1) AS s FROM ${table(SMALL)} WHERE id = $2`, [q.text, other]);
        maxDiff = Math.max(maxDiff, Math.abs(Number(r.rows[0]!.s) - jsSimilarity(texts[other]!, q.text)));
        pairs++;
      }
    }
    return { pairs, maxDiff };
  });
  console.log(`re-implemented similarity() vs PostgreSQL on ${check.pairs} pairs: max |difference| ${check.maxDiff.toExponential(2)}`);
  pg.reimplementationCheck = check;

  // ---------- query time ----------
  console.log('\n=== query time per draft, p50 / p95 ms ===');
  const sample = Array.from({ length: TIMING }, (_, i) => queries[Math.floor((i * queries.length) / TIMING)]!);
  const timing: Record<string, unknown> = {};
  for (const v of variants.filter((x) => x.everyStore)) {
    const key = featureKey(v.features, v.shingle, v.k);
    for (const n of STORES) {
      const store = stores.get(key)!;
      const feat: number[] = [];
      const search: number[] = [];
      for (const q of sample.slice(0, 3)) minhashSearch(store, n, querySigs.get(key)!.sig[queries.indexOf(q)]!, 1, v.score);
      for (const q of sample) {
        const t = performance.now();
        const set = shingleHashes(v.features === 'jieba' ? contentTokens(JIEBA_SEGMENTER, q.text) : contentChars(q.text), v.shingle);
        const sig = minhash(set, v.k);
        const t1 = performance.now();
        minhashSearch(store, n, sig, set.size, v.score);
        feat.push(t1 - t);
        search.push(performance.now() - t1);
      }
      const total = feat.map((f, i) => f + search[i]!);
      console.log(
        `${v.name} (brute force in process) @${String(n).padEnd(7)} features p50 ${ms(percentile(feat, 50))} | search p50 ${ms(percentile(search, 50))} p95 ${ms(percentile(search, 95))} | total p50 ${ms(percentile(total, 50))} p95 ${ms(percentile(total, 95))}`,
      );
      timing[`${v.name}@${n}`] = {
        featuresP50: percentile(feat, 50),
        searchP50: percentile(search, 50),
        searchP95: percentile(search, 95),
        totalP50: percentile(total, 50),
        totalP95: percentile(total, 95),
      };
    }
  }
  // The way to search 100k signatures per draft: LSH candidates, verified. Recall relative to brute force.
  {
    const v = production;
    const key = featureKey(v.features, v.shingle, v.k);
    const store = stores.get(key)!;
    const qs = querySigs.get(key)!;
    const threshold = nearDuplicateThreshold;
    for (const n of STORES) {
      const t0 = performance.now();
      const lsh = new LshIndex(store, n, 64, 4);
      const buildSeconds = (performance.now() - t0) / 1000;
      const times: number[] = [];
      const cands: number[] = [];
      let agree = 0;
      let flaggedBrute = 0;
      queries.forEach((q, i) => {
        const t = performance.now();
        const { best, candidates } = lsh.search(qs.sig[i]!);
        times.push(performance.now() - t);
        cands.push(candidates);
        const brute = minhashSearch(store, n, qs.sig[i]!, qs.size[i]!, 'jaccard');
        if (brute.score >= threshold) {
          flaggedBrute++;
          if (best.score >= threshold && best.id === brute.id) agree++;
        }
      });
      console.log(
        `${v.name} + LSH 64×4 @${String(n).padEnd(7)} search p50 ${ms(percentile(times, 50))} p95 ${ms(percentile(times, 95))} | candidates p50 ${percentile(cands, 50)} | finds ${agree}/${flaggedBrute} of brute force's matches ≥ ${threshold} | index built in ${buildSeconds.toFixed(1)} s`,
      );
      timing[`${v.name}+lsh@${n}`] = {
        bands: 64,
        rows: 4,
        searchP50: percentile(times, 50),
        searchP95: percentile(times, 95),
        candidatesP50: percentile(cands, 50),
        found: agree,
        bruteForceMatches: flaggedBrute,
        buildSeconds,
      };
    }
  }

  // pg_trgm in PostgreSQL at its default threshold and at its operating point, with the plan PostgreSQL picks and
  // with the GIN index forced. A query that hits the timeout ends that measurement (the rest would too).
  const pgSample = Array.from({ length: PG_TIMING }, (_, i) => queries[Math.floor((i * queries.length) / PG_TIMING)]!);
  for (const threshold of [...new Set([TRGM_DEFAULT, trgmTop!.threshold])]) {
    for (const n of STORES) {
      for (const mode of ['planner', 'gin'] as const) {
        const times: number[] = [];
        let timedOut = false;
        const plan = await withBenchClient(url, async (c) => {
          await c.query(`SET pg_trgm.similarity_threshold = ${threshold}`);
          await c.query(`SET statement_timeout = '${PG_TIMEOUT_S}s'`);
          if (mode === 'gin') await c.query('SET enable_seqscan = off');
          for (const q of pgSample) {
            const t = performance.now();
            try {
              await trgmSearch(c, n, q.text);
              times.push(performance.now() - t);
            } catch {
              timedOut = true;
              break;
            }
          }
          return trgmPlan(c, n, pgSample[0]!.text);
        });
        const label = `pg_trgm % in PostgreSQL t=${threshold.toFixed(2)} ${mode === 'gin' ? 'GIN forced' : 'planner   '} @${String(n).padEnd(7)}`;
        if (timedOut) {
          console.log(`${label} ≥ ${PG_TIMEOUT_S} s (statement timeout after ${times.length} of ${pgSample.length} queries)  plan: ${plan}`);
          timing[`pg_trgm@${n}@${threshold}@${mode}`] = { threshold, mode, timedOutAfterSeconds: PG_TIMEOUT_S, completed: times.length, completedMs: times, plan };
        } else {
          console.log(`${label} p50 ${ms(percentile(times, 50))} p95 ${ms(percentile(times, 95))}  plan: ${plan}`);
          timing[`pg_trgm@${n}@${threshold}@${mode}`] = { threshold, mode, queries: times.length, p50: percentile(times, 50), p95: percentile(times, 95), plan };
        }
      }
    }
  }
  result.timing = timing;

  // ---------- storage ----------
  console.log('\n=== storage ===');
  for (const n of STORES) {
    const s = sizes[n]!;
    console.log(
      `@${String(n).padEnd(7)} texts ${mb(s.textBytes!)} (table ${mb(s.tableBytes!)}) | pg_trgm GIN index ${mb(s.trgmIndexBytes!)} | MinHash signatures (k=${K}) ${mb(n * (K * 4 + 4))} raw, ${mb(s.minhashTableBytes!)} as a PostgreSQL table`,
    );
  }
  result.storage = Object.fromEntries(STORES.map((n) => [n, { ...sizes[n], minhashRawBytes: n * (K * 4 + 4) }]));

  mkdirSync(join(__dirname, 'results'), { recursive: true });
  const out = join(__dirname, 'results', 'near-duplicate.json');
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwrote ${out}`);
  if (!KEEP) await withBenchClient(BENCH_ADMIN_URL, (c) => c.query(`DROP DATABASE "${DB_NAME}" WITH (FORCE)`));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
