/**
 * `npx tsx scripts/chaos/pool-costs.ts [drafts]` — what running checks on the thread pool costs: all six checks on
 * 20k-character drafts in process vs on the pool (latency per draft, drafts/s), and resident memory while threads
 * are cut off and replaced — with nodejieba in one shared segmenter thread (the pool) and, for comparison, with
 * nodejieba loaded in each thread that is then terminated. Prints numbers, asserts nothing. Needs no database.
 */
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import pino from 'pino';
import { createCheckEngine } from '../../src/checks/engine';
import { loadBaseline, composeEffective } from '../../src/services/effective-dictionary.service';
import type { RevisionContent } from '../../src/domain/content';
import { CheckPool } from '../../src/threads/check-pool';
import { poisonTitle } from '../../test/fixtures/poison-checks';

const rssMb = () => Math.round(process.memoryUsage().rss / 1024 / 1024);

/** RSS growth when a thread that loaded nodejieba is terminated, `times` times (what per-thread jieba would cost). */
async function perThreadJieba(times: number): Promise<number> {
  const before = rssMb();
  const jieba = require.resolve('nodejieba');
  for (let i = 0; i < times; i++) {
    const thread = new Worker(`const j = require(${JSON.stringify(jieba)}); j.load(); require('node:worker_threads').parentPort.postMessage(1); for (;;) {}`, { eval: true });
    await new Promise((r) => thread.once('message', r));
    await thread.terminate();
  }
  return rssMb() - before;
}

const PARAGRAPH =
  '11月20日，学校第五十届秋季田径运动会在东区体育场开幕。校党委书记出席开幕式并讲话，全校三十个学院的两千余名运动员参加比赛。本届运动会设置田径、趣味运动和教职工项目，旨在展示青春风采、弘扬体育精神。';
const DRAFTS = Number(process.argv[2] ?? 200);

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

function draft(i: number): RevisionContent {
  const body = `${PARAGRAPH.repeat(Math.ceil(20_000 / PARAGRAPH.length))}（第${i}篇）`.slice(0, 20_000);
  return { title: `压测稿件 ${i}`, body, format: 'text', origin: { kind: 'original' }, assets: [] };
}

async function main(): Promise<void> {
  const effective = composeEffective(await loadBaseline(), [], 0);
  const engine = createCheckEngine({ sources: effective.sources });
  const contents = Array.from({ length: DRAFTS }, (_, i) => draft(i));
  const runAll = async (run: (checkId: string, c: RevisionContent) => unknown, c: RevisionContent) => {
    for (const checkId of engine.checkIds) await run(checkId, c);
  };

  // Warm up the segmenter and the JIT on both sides before measuring.
  for (const c of contents.slice(0, 5)) await runAll((id, x) => engine.run(id, x), c);
  const inProcess: number[] = [];
  let started = performance.now();
  for (const c of contents) {
    const t = performance.now();
    await runAll((id, x) => engine.run(id, x), c);
    inProcess.push(performance.now() - t);
  }
  const inProcessRate = DRAFTS / ((performance.now() - started) / 1000);

  const pool = await CheckPool.start({ threads: 2, timeoutMs: 15_000, dictionary: effective, logger: pino({ level: 'silent' }), waitForSegmenter: true });
  try {
    for (const c of contents.slice(0, 5)) await runAll((id, x) => pool.run(id, x), c);
    const serial: number[] = [];
    for (const c of contents) {
      const t = performance.now();
      await runAll((id, x) => pool.run(id, x), c);
      serial.push(performance.now() - t);
    }
    // Four jobs in flight, as the worker's default concurrency.
    let next = 0;
    started = performance.now();
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < contents.length) await runAll((id, x) => pool.run(id, x), contents[next++]!);
      }),
    );
    const concurrentRate = DRAFTS / ((performance.now() - started) / 1000);
    inProcess.sort((a, b) => a - b);
    serial.sort((a, b) => a - b);
    console.log(`\nall six checks on ${DRAFTS} drafts of 20,000 characters`);
    console.log(`  in process:            p50 ${pct(inProcess, 50).toFixed(1)} ms, p95 ${pct(inProcess, 95).toFixed(1)} ms per draft, ${inProcessRate.toFixed(0)} drafts/s`);
    console.log(`  pool, one at a time:   p50 ${pct(serial, 50).toFixed(1)} ms, p95 ${pct(serial, 95).toFixed(1)} ms per draft`);
    console.log(`  pool, 2 threads, 4 in flight: ${concurrentRate.toFixed(0)} drafts/s`);
  } finally {
    await pool.close();
  }

  // Memory while hanging checks get their threads replaced.
  const overruns = 10;
  const poisoned = await CheckPool.start({
    threads: 2,
    timeoutMs: 300,
    dictionary: effective,
    logger: pino({ level: 'silent' }),
    waitForSegmenter: true,
    wrapperModule: resolve(__dirname, '../../test/fixtures/poison-checks.ts'),
  });
  try {
    const hang = { ...contents[0]!, title: poisonTitle('hang', 'poolcosts') };
    const before = rssMb();
    for (let i = 0; i < overruns; i++) {
      await poisoned.run('sensitive', hang).catch(() => undefined);
      await poisoned.run('copyright', contents[1]!, { referenceTexts: [{ id: 'r', label: 'r', text: contents[2]!.body }] });
    }
    console.log(`  pool: ${overruns} overruns cut off and threads replaced → RSS ${before} → ${rssMb()} MB (${poisoned.stats().replaced} threads replaced)`);
  } finally {
    await poisoned.close();
  }
  console.log(`  for comparison, nodejieba in each thread: 3 threads terminated → RSS +${await perThreadJieba(3)} MB\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
