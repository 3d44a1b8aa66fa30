import type { Stage } from './app';

export interface ChaosOptions {
  quick: boolean;
  /** How long Redis stays down in the outage scenario. */
  redisOutageSeconds: number;
}

export type Figure = number | string | boolean | null | Figure[] | { [key: string]: Figure };

export interface ScenarioContext {
  stage: Stage;
  options: ChaosOptions;
  /** Aborted when the scenario's deadline passes: loops stop, the run moves on. */
  signal: AbortSignal;
  /** A figure printed with the verdict and written to bench/results/chaos.json. */
  figure(name: string, value: Figure): void;
  /** Records a failed expectation (the scenario goes on, so every figure is still collected). */
  expect(ok: boolean, message: string): void;
  log(line: string): void;
}

export interface Scenario {
  name: string;
  title: string;
  deadlineMs(options: ChaosOptions): number;
  run(ctx: ScenarioContext): Promise<void>;
}

export interface ScenarioResult {
  name: string;
  title: string;
  pass: boolean;
  seconds: number;
  figures: Record<string, Figure>;
  failures: string[];
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

export const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
