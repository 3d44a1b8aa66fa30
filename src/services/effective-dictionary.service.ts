import { resolve } from 'node:path';
import { CHECKS_CONFIG } from '../../config/checks';
import { parseDictionaries, type Dictionaries, type DictionarySources } from '../checks/dictionary/dictionary';
import { composeSources, type OverlayTerm } from '../checks/dictionary/overlay';
import { rulesetVersion } from '../checks/engine';
import { latestChangeId, listOverlay } from '../db/dictionary.repository';
import type { Executor } from '../db/pool';
import { readDictionaryDir } from './load-check-engine';

/** The shipped dictionary files: the baseline every admin change is layered on. */
export const DEFAULT_DICTIONARY_DIR = resolve(__dirname, '..', '..', 'dictionaries');

/** The dictionary in force: shipped files + the database overlay, parsed, with the version findings record. */
export interface EffectiveDictionary {
  sources: DictionarySources;
  dicts: Dictionaries;
  /** The rule-set version an engine built from `sources` reports (dictionary content hash + config + code). */
  version: string;
  overlay: OverlayTerm[];
  /** Newest dictionary change included (0 = as shipped). */
  changeId: number;
}

const baselines = new Map<string, Promise<DictionarySources>>();

/** Reads the shipped files once per process (they change only with a deployment). */
export function loadBaseline(dir: string = DEFAULT_DICTIONARY_DIR): Promise<DictionarySources> {
  let cached = baselines.get(dir);
  if (!cached) {
    cached = readDictionaryDir(dir).then((all) => Object.fromEntries(Object.entries(all).filter(([path]) => !path.endsWith('.md'))));
    cached.catch(() => baselines.delete(dir));
    baselines.set(dir, cached);
  }
  return cached;
}

/**
 * Composes and parses baseline + overlay.
 * @throws DictionaryError when the composition has bad lines (the admin services validate before writing)
 */
export function composeEffective(baseline: DictionarySources, overlay: OverlayTerm[], changeId: number): EffectiveDictionary {
  const sources = composeSources(baseline, overlay);
  const dicts = parseDictionaries(sources);
  return { sources, dicts, version: rulesetVersion(dicts, CHECKS_CONFIG), overlay, changeId };
}

const cache = new WeakMap<object, EffectiveDictionary>();

/**
 * Loads the effective dictionary from PostgreSQL (cached per database handle until the change log moves).
 * @throws DictionaryError when the stored overlay no longer composes (e.g. a new baseline conflicts with it)
 */
export async function loadEffectiveDictionary(db: Executor, dir: string = DEFAULT_DICTIONARY_DIR): Promise<EffectiveDictionary> {
  // The change id is read before the overlay: a change landing in between makes the next load re-read, never skip.
  const changeId = await latestChangeId(db);
  const hit = cache.get(db);
  if (hit && hit.changeId === changeId && dir === DEFAULT_DICTIONARY_DIR) return hit;
  const effective = composeEffective(await loadBaseline(dir), await listOverlay(db), changeId);
  if (dir === DEFAULT_DICTIONARY_DIR) cache.set(db, effective);
  return effective;
}
