/**
 * npm run chaos [-- --quick] [-- --only <scenario>[,<scenario>]] [-- --redis-outage-seconds <n>]
 *
 * Proof under faults (issue 5): starts its own PostgreSQL and Redis on free loopback ports, runs the API and the
 * check worker as real child processes, and in each scenario kills, stops and restarts them while clients submit,
 * decide and release over HTTP. Each scenario has a deadline and prints PASS/FAIL with its figures; the results
 * are also written to bench/results/chaos.json. Exits non-zero on any FAIL. Everything it starts is stopped at the
 * end, on failure and on Ctrl-C.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { prepareTemplate, Stage } from './app';
import { PrivatePostgres, PrivateRedis, removeDir, stopEverything } from './infra';
import type { ChaosOptions, Figure, Scenario, ScenarioResult } from './scenario';
import { apiAndDatabaseFaults } from './scenarios/api-pg-faults';
import { gracefulRestart } from './scenarios/graceful';
import { outages } from './scenarios/outages';
import { poison } from './scenarios/poison';
import { races } from './scenarios/races';
import { workerKills } from './scenarios/worker-kills';

const SCENARIOS: readonly Scenario[] = [workerKills, apiAndDatabaseFaults, outages, poison, races, gracefulRestart];
const RESULTS_DIR = resolve(__dirname, '..', '..', 'bench', 'results');

const USAGE = `usage: npm run chaos [-- --quick] [-- --only <name>[,<name>…]] [-- --redis-outage-seconds <n>]
scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}`;

function parseArgs(argv: string[]): { options: ChaosOptions; only: string[] | null } {
  let quick = false;
  let only: string[] | null = null;
  let outage: number | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') quick = true;
    else if (arg === '--only') only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (arg.startsWith('--only=')) only = arg.slice(7).split(',').filter(Boolean);
    else if (arg === '--redis-outage-seconds') outage = Number(argv[++i]);
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  const unknown = (only ?? []).filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}\n${USAGE}`);
  if (outage !== null && !(outage > 0 && outage <= 600)) throw new Error('--redis-outage-seconds must be in (0, 600]');
  return { options: { quick, redisOutageSeconds: outage ?? (quick ? 10 : 60) }, only };
}

const clock = (started: number) => `${((performance.now() - started) / 1000).toFixed(1)}s`;

function formatFigure(value: Figure): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

async function runScenario(scenario: Scenario, options: ChaosOptions, pg: PrivatePostgres, redis: PrivateRedis, logDir: string): Promise<ScenarioResult> {
  const started = performance.now();
  const figures: Record<string, Figure> = {};
  const failures: string[] = [];
  const controller = new AbortController();
  const stage = new Stage(scenario.name, pg, redis, logDir);
  const log = (line: string) => console.log(`  [${scenario.name} ${clock(started)}] ${line}`);
  console.log(`\n▶ ${scenario.name}: ${scenario.title}`);
  const deadlineMs = scenario.deadlineMs(options);
  let timer: NodeJS.Timeout | undefined;
  try {
    // A previous scenario that failed half-way may have left a server stopped.
    if (!pg.running) await pg.start();
    if (!redis.running) await redis.start();
    await stage.setup();
    const deadline = new Promise<never>((_, fail) => {
      timer = setTimeout(() => {
        controller.abort();
        fail(new Error(`deadline of ${deadlineMs / 1000} s exceeded`));
      }, deadlineMs);
    });
    await Promise.race([
      scenario.run({
        stage,
        options,
        signal: controller.signal,
        figure: (name, value) => (figures[name] = value),
        expect: (ok, message) => {
          if (!ok) failures.push(message);
        },
        log,
      }),
      deadline,
    ]);
  } catch (error) {
    failures.push(error instanceof Error ? error.message : String(error));
  } finally {
    clearTimeout(timer);
    controller.abort();
    await stage.cleanup().catch((error: unknown) => failures.push(`cleanup: ${String(error)}`));
  }
  const result: ScenarioResult = { name: scenario.name, title: scenario.title, pass: failures.length === 0, seconds: Math.round((performance.now() - started) / 100) / 10, figures, failures };
  console.log(`${result.pass ? 'PASS' : 'FAIL'} ${scenario.name} (${result.seconds} s)`);
  for (const [name, value] of Object.entries(figures)) console.log(`    ${name}: ${formatFigure(value)}`);
  for (const failure of failures) console.log(`    ✗ ${failure}`);
  return result;
}

async function main(): Promise<void> {
  const { options, only } = parseArgs(process.argv.slice(2));
  const selected = SCENARIOS.filter((s) => !only || only.includes(s.name));
  const started = performance.now();
  const root = mkdtempSync(join(tmpdir(), 'sanshen-chaos-'));
  const logDir = join(RESULTS_DIR, 'chaos-logs');
  mkdirSync(logDir, { recursive: true });
  const cleanup = () => {
    stopEverything();
    removeDir(root);
  };
  process.on('exit', cleanup);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      console.error(`\n${signal}: stopping everything the chaos run started`);
      cleanup();
      process.exit(130);
    });
  }
  // A scenario cut off by its deadline may leave promises that fail later; they must not end the run.
  process.on('unhandledRejection', (error) => console.error(`  (late failure ignored: ${error instanceof Error ? error.message : String(error)})`));

  console.log(`sanshen chaos${options.quick ? ' --quick' : ''}: ${selected.map((s) => s.name).join(', ')}`);
  console.log(`  private servers under ${root}; process logs in ${logDir}`);
  const pg = await PrivatePostgres.create(root);
  await pg.start();
  const redis = await PrivateRedis.create(root);
  await redis.start();
  console.log(`  PostgreSQL on 127.0.0.1:${pg.port}, Redis on 127.0.0.1:${redis.port}`);
  await prepareTemplate(pg);

  const results: ScenarioResult[] = [];
  for (const scenario of selected) results.push(await runScenario(scenario, options, pg, redis, logDir));

  const seconds = Math.round((performance.now() - started) / 1000);
  const failed = results.filter((r) => !r.pass);
  console.log(`\nchaos: ${results.length - failed.length}/${results.length} scenarios passed in ${seconds} s${failed.length ? `; FAILED: ${failed.map((r) => r.name).join(', ')}` : ''}`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const report = {
    startedAt: new Date(Date.now() - seconds * 1000).toISOString(),
    quick: options.quick,
    options,
    machine: { cores: availableParallelism(), node: process.version },
    seconds,
    pass: failed.length === 0,
    scenarios: results,
  };
  writeFileSync(join(RESULTS_DIR, 'chaos.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`results written to bench/results/chaos.json`);
  cleanup();
  process.exit(failed.length === 0 ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(error);
  stopEverything();
  process.exit(1);
});
