/**
 * npm run bench — the load figures of the README's "Guarantees", in one go on this machine with the real
 * PostgreSQL and Redis: sustained drafts/s of 5,000 characters through every check (submit → in_review), API
 * latency with 200 board clients refetching on every push, trail verification of 100k events, and the resident
 * memory of the API and the worker under load. Each part is its own script (run one alone to dig in); this one runs
 * them in turn, prints one table and writes bench/results/bench.json. Asserts nothing.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';

const RESULTS = resolve(__dirname, 'results');
const RATE = Number(process.env.BENCH_RATE ?? 100);

interface Part {
  script: string;
  result: string;
  env: Record<string, string>;
}

const PARTS: Record<'pipeline' | 'board' | 'trail', Part> = {
  pipeline: {
    script: 'pipeline.bench.ts',
    result: 'bench-pipeline.json',
    env: { BENCH_CHARS: '5000', BENCH_RATE: String(RATE), BENCH_SECONDS: process.env.BENCH_SECONDS ?? '30', BENCH_BURST: '1000' },
  },
  board: { script: 'board.bench.ts', result: 'bench-board.json', env: { BENCH_CLIENTS: '200', BENCH_REFETCH: '1', BENCH_DRAFTS: '20' } },
  trail: { script: 'trail.bench.ts', result: 'bench-trail.json', env: { BENCH_EVENTS: '100000' } },
};

function run(part: Part): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, part.script)], {
      stdio: 'inherit',
      env: { ...process.env, ...part.env, BENCH_RESULT_NAME: part.result },
    });
    child.on('error', fail);
    child.on('exit', (code) => (code === 0 ? done() : fail(new Error(`${part.script} exited with ${code}`))));
  });
}

const read = (name: string): any => JSON.parse(readFileSync(join(RESULTS, name), 'utf8'));

async function main(): Promise<void> {
  mkdirSync(RESULTS, { recursive: true });
  for (const part of Object.values(PARTS)) await run(part);
  const pipeline = read(PARTS.pipeline.result);
  const board = read(PARTS.board.result);
  const trail = read(PARTS.trail.result);

  const rows: Array<[string, string, string]> = [
    [
      `sustained ${pipeline.steady.rate} drafts/s of ${pipeline.draftChars} chars, all checks, ${pipeline.steady.seconds} s`,
      `${pipeline.steady.reachedInReview}/${pipeline.steady.drafts} in review; submit → in_review p50 ${pipeline.steady.submitToInReviewP50Ms} ms, p99 ${pipeline.steady.submitToInReviewP99Ms} ms`,
      '≥ 100/s, p99 < 1 s',
    ],
    ['intake burst, 32 clients (worker idle / checking)', `${pipeline.intake.acceptedPerSecond}/s / ${pipeline.burst.acceptedPerSecond}/s accepted`, '≥ 200/s'],
    [
      `API under ${board.clients} board clients refetching on every push`,
      `GET /api/board p50 ${board.ms.boardRefetch.p50} ms, p99 ${board.ms.boardRefetch.p99} ms; decision p99 ${board.ms.decisionHttp.p99} ms; push to all p99 ${board.ms.http200ToAllClients.p99} ms`,
      'p99 reported',
    ],
    [`trail verification, ${trail.events} events`, `${trail.verifySeconds} s (${trail.eventsPerSecond} events/s); tampering named: ${trail.tamperedEventNamed}`, '< 30 s'],
    ['peak resident memory under load', `API ${pipeline.peakRssMb.api} MB, worker ${pipeline.peakRssMb.worker} MB`, 'reported'],
  ];
  const width = [Math.max(...rows.map((r) => r[0].length)), Math.max(...rows.map((r) => r[1].length))];
  console.log(
    `\nsanshen npm run bench — ${cpus().length} cores, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  for (const [what, measured, target] of rows) console.log(`  ${what.padEnd(width[0]!)}  ${measured.padEnd(width[1]!)}  ${target}`);
  const summary = { when: new Date().toISOString(), cores: cpus().length, rows: rows.map(([what, measured, target]) => ({ what, measured, target })), pipeline, board, trail };
  writeFileSync(join(RESULTS, 'bench.json'), `${JSON.stringify(summary, null, 2)}\n`);
  console.log(`\nwritten to ${join(RESULTS, 'bench.json')}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
