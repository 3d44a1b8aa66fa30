import { CHECKS_CONFIG, type ChecksConfig } from '../../config/checks';
import { canonicalJson, sha256Hex, type RevisionContent } from '../domain/content';
import type { CheckResult, Finding } from '../domain/findings';
import { parseDictionaries, type Dictionaries, type DictionarySources } from './dictionary/dictionary';
import { readDictionaryDir } from './dictionary/load';
import { createAdvertisingCheck } from './rules/advertising.check';
import { sortFindings, type CheckContext, type CheckEnv, type CheckFn, type PreparedRevision } from './rules/common';
import { createCopyrightCheck } from './rules/copyright.check';
import { documentLinkFindings, documentNoteFindings, mediaDeclarationFindings } from './rules/document.findings';
import { createEscalationCheck } from './rules/escalation.check';
import { createProofreadingCheck } from './rules/proofreading.check';
import { createSecrecyCheck } from './rules/secrecy.check';
import { createSensitiveCheck } from './rules/sensitive.check';
import { mediaFindings } from './media/media-findings';
import { JIEBA_SEGMENTER, preloadSegmenter, type Segmenter } from './segmenter';
import { DEFAULT_WAIVER_POLICY, WAIVER_RULES } from '../../config/waivers';
import { waiverPolicyFor } from '../domain/waivers';
import { boundFindings } from './bound';
import { contactView } from './text/digits';
import { foldText } from './text/fold';
import { buildRevisionText } from './text/extract';

export type { CheckContext };

export interface CheckEngine {
  /** Registered check ids, in run order; every revision owes one run of each. */
  readonly checkIds: readonly string[];
  /** Content hash of all rule/dictionary files currently loaded. */
  readonly version: string;
  /** Runs one check on one revision. Pure given the loaded rule sets. @throws Error for an unknown check id */
  run(checkId: string, content: RevisionContent, context?: CheckContext): CheckResult;
}

export interface CheckEngineOptions {
  dictionaryDir: string;
  /** Checks configuration (default: config/checks.ts). */
  config?: ChecksConfig | undefined;
  /** Word segmenter (default: nodejieba, loaded once per process on first use). */
  segmenter?: Segmenter | undefined;
  /** Load nodejieba now (workers: yes, off the request path; tests: no). */
  preloadSegmenter?: boolean | undefined;
}

/** Building from in-memory dictionary files (unit tests; the admin API after editing a list). */
export interface CheckEngineSourceOptions {
  /** Relative path → content, same layout as the dictionaries directory. */
  sources: DictionarySources;
  config?: ChecksConfig | undefined;
  segmenter?: Segmenter | undefined;
}

const WAIVER_STRICTNESS: Record<string, number> = { stage: 0, propaganda: 1, never: 2 };
/** How hard a finding is to waive under config/waivers.ts (a summary of omitted findings inherits the hardest). */
const waiverStrictness = (f: Finding): number => WAIVER_STRICTNESS[waiverPolicyFor({ rules: WAIVER_RULES, defaults: DEFAULT_WAIVER_POLICY }, f).policy] ?? 0;

/** Check ids in run order. */
export const CHECK_IDS = ['sensitive', 'advertising', 'secrecy', 'copyright', 'proofreading', 'escalation'] as const;
export type CheckId = (typeof CHECK_IDS)[number];

/** Bump when rule code (patterns, scoring) changes, so findings record which rules produced them. */
export const RULES_CODE_VERSION = 'checks-4';

/** The rule-set version: dictionary content hash + config + rule code version. */
export function rulesetVersion(dicts: Pick<Dictionaries, 'contentHash'>, config: ChecksConfig): string {
  return sha256Hex(`${RULES_CODE_VERSION}\0${dicts.contentHash}\0${canonicalJson(config)}`).slice(0, 16);
}

/**
 * Builds an engine from parsed dictionaries. Synchronous and self-contained: rebuilding after a dictionary
 * change makes a new object, and the caller swaps its reference (atomic; in-flight runs finish on the old one).
 */
export function buildCheckEngine(dicts: Dictionaries, options: { config?: ChecksConfig | undefined; segmenter?: Segmenter | undefined } = {}): CheckEngine {
  const config = options.config ?? CHECKS_CONFIG;
  const segmenter = options.segmenter ?? JIEBA_SEGMENTER;
  const version = rulesetVersion(dicts, config);
  const env: CheckEnv = { version, config, segmenter: () => segmenter };
  const checks: Record<CheckId, CheckFn> = {
    sensitive: createSensitiveCheck(dicts, env),
    advertising: createAdvertisingCheck(dicts, env),
    secrecy: createSecrecyCheck(dicts, env),
    copyright: createCopyrightCheck(config, env),
    proofreading: createProofreadingCheck(dicts, env),
    escalation: createEscalationCheck(dicts, env),
  };

  // The pipeline runs every check on the same revision in a row: prepare its text once.
  let last: PreparedRevision | undefined;
  let lastWithGenre: { base: PreparedRevision; prepared: PreparedRevision } | undefined;
  const prepare = (content: RevisionContent): PreparedRevision => {
    if (last && last.content.title === content.title && last.content.body === content.body && last.content.format === content.format) {
      return last.content === content ? last : { ...last, content };
    }
    const rt = buildRevisionText(content);
    last = { content, rt, text: rt.text, folded: foldText(rt.text, 'width'), contact: contactView(rt.text) };
    return last;
  };

  return {
    checkIds: CHECK_IDS,
    version,
    run(checkId, content, context = {}) {
      const check = checks[checkId as CheckId];
      if (!check) throw new Error(`unknown check ${checkId}`);
      const base = prepare(content);
      // The genre rides on the prepared text (a new object when it is set, so the cached sentence context of the
      // same text without a genre is not reused for it).
      let prepared = base;
      if (context.genre && config.context.genreCue) {
        if (lastWithGenre?.base !== base || lastWithGenre.prepared.genre !== context.genre) lastWithGenre = { base, prepared: { ...base, genre: context.genre } };
        prepared = lastWithGenre.prepared;
      }
      const findings = check(prepared, context);
      // Issue 9: what the canonicaliser removed and external links (proofreading), undeclared media files (copyright).
      if (checkId === 'proofreading') findings.push(...documentNoteFindings(checkId, prepared, env), ...documentLinkFindings(checkId, prepared, env));
      if (checkId === 'copyright') findings.push(...mediaDeclarationFindings(checkId, prepared, env));
      if (context.media?.length || context.mediaMatches?.length) {
        // Text in pictures is read by the same check, each field prepared on its own (not through `last`).
        const runText = (field: RevisionContent) => {
          const rt = buildRevisionText(field);
          return check({ content: field, rt, text: rt.text, folded: foldText(rt.text, 'width'), contact: contactView(rt.text) }, {});
        };
        findings.push(...mediaFindings(checkId, content, context, env, runText));
      }
      return { findings: sortFindings(boundFindings(checkId, sortFindings(findings), config.limits.findingsPerCheck, version, waiverStrictness)), rulesetVersion: version };
    },
  };
}

/**
 * Builds an engine from dictionary files held in memory.
 * @throws DictionaryError listing every bad line
 */
export function createCheckEngine(options: CheckEngineSourceOptions): CheckEngine {
  return buildCheckEngine(parseDictionaries(options.sources), options);
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
