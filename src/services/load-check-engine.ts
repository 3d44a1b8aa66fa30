import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { DictionarySources } from '../checks/dictionary/dictionary';
import { createCheckEngine, type CheckEngine } from '../checks/engine';
import { preloadSegmenter } from '../checks/segmenter';
import type { ChecksConfig } from '../../config/checks';
import type { Segmenter } from '../checks/segmenter';

/*
 * The file side of the checks: src/checks are pure and take dictionary sources as data; this reads them from a
 * directory (dictionaries/ or a test's fixture) and builds the engine.
 */

export interface CheckEngineOptions {
  dictionaryDir: string;
  /** Checks configuration (default: config/checks.ts). */
  config?: ChecksConfig | undefined;
  /** Word segmenter (default: nodejieba, loaded once per process on first use). */
  segmenter?: Segmenter | undefined;
  /** Load nodejieba now (workers: yes, off the request path; tests: no). */
  preloadSegmenter?: boolean | undefined;
}

/** Reads every file under `dir` (recursively) into relative path → content. */
export async function readDictionaryDir(dir: string): Promise<DictionarySources> {
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && !entry.name.startsWith('.')) out[relative(dir, full).split(sep).join('/')] = await readFile(full, 'utf8');
    }
  };
  await walk(dir);
  return out;
}

/**
 * Loads dictionaries from disk and builds the checks.
 * @throws DictionaryError listing every bad line
 */
export async function loadCheckEngine(options: CheckEngineOptions): Promise<CheckEngine> {
  const sources = await readDictionaryDir(options.dictionaryDir);
  if (options.preloadSegmenter && !options.segmenter) preloadSegmenter();
  return createCheckEngine({ sources, config: options.config, segmenter: options.segmenter });
}
