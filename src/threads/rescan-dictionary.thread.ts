/**
 * One worker thread of a 回溯检查: scans one partition of the released drafts with an engine built from the
 * given dictionary files, keeping only findings of the newly added terms, and posts each page's result to the
 * parent (which records hits and the partition cursor together). Reads PostgreSQL itself, so reading, parsing
 * and scanning run in parallel across threads.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { DictionarySources } from '../checks/dictionary/dictionary';
import { createCheckEngine, type CheckEngine } from '../checks/engine';
import { releasedPage, type ReleasedText } from '../db/dictionary.repository';
import { createDatabase } from '../db/pool';
import type { Asset, BodyFormat, Origin, RevisionContent } from '../domain/content';
import type { Finding } from '../domain/findings';

export interface RescanThreadData {
  databaseUrl: string;
  sources: DictionarySources;
  terms: ReadonlyArray<{ list: string; term: string }>;
  partition: number;
  partitions: number;
  cursor: string | null;
  pageSize: number;
}

export type RescanThreadMessage =
  | { type: 'ready'; partition: number }
  | { type: 'batch'; partition: number; cursor: string; processed: number; hits: Array<{ draftId: string; revisionId: string; findings: Finding[] }> }
  | { type: 'done'; partition: number }
  | { type: 'error'; partition: number; message: string };

export interface RescanPlan {
  /** Checks that own the lists the terms were added to. */
  checks: string[];
  /** Rule ids the new terms produce; other findings of those checks are not news. */
  ruleIds: Set<string>;
}

/** Which checks to run and which of their rule ids count, for entries added to the given list files. */
export function rescanPlan(terms: ReadonlyArray<{ list: string; term: string }>): RescanPlan {
  const checks = new Set<string>();
  const ruleIds = new Set<string>();
  for (const { list, term } of terms) {
    if (list === 'proofreading/banned-names.txt') {
      checks.add('proofreading');
      ruleIds.add(`proofreading:banned-name:${term}`);
      continue;
    }
    if (list === 'cooccurrence.txt') {
      // The term of a co-occurrence row is the rule id.
      checks.add('sensitive');
      ruleIds.add(`cooccurrence:${term}`);
      continue;
    }
    const m = /^(sensitive|secrecy|escalation)\/([a-z0-9-]+)\.txt$/.exec(list);
    if (!m) continue;
    checks.add(m[1]!);
    ruleIds.add(`${m[1]}:${m[2]}:${term}`);
  }
  return { checks: [...checks], ruleIds };
}

/** Findings of the plan's new terms in one revision. */
export function scanForTerms(engine: Pick<CheckEngine, 'run'>, plan: RescanPlan, content: RevisionContent): Finding[] {
  const out: Finding[] = [];
  for (const check of plan.checks) {
    for (const f of engine.run(check, content).findings) if (plan.ruleIds.has(f.ruleId)) out.push(f);
  }
  return out;
}

const contentOf = (r: ReleasedText): RevisionContent => ({
  title: r.title,
  body: r.body,
  format: r.format as BodyFormat,
  origin: r.origin as Origin,
  assets: r.assets as Asset[],
});

async function main(port: NonNullable<typeof parentPort>, data: RescanThreadData): Promise<void> {
  const engine = createCheckEngine({ sources: data.sources });
  const plan = rescanPlan(data.terms);
  const database = createDatabase(data.databaseUrl, { max: 2 });
  port.postMessage({ type: 'ready', partition: data.partition } satisfies RescanThreadMessage);
  const page = (cursor: string | null) => releasedPage(database.db, { partition: data.partition, partitions: data.partitions, cursor, limit: data.pageSize });
  try {
    let next: Promise<ReleasedText[]> = page(data.cursor);
    for (;;) {
      const rows = await next;
      if (rows.length === 0) break;
      const cursor = rows[rows.length - 1]!.draftId;
      // Fetch the next page while this one is scanned: PostgreSQL and the matcher work at the same time.
      next = rows.length < data.pageSize ? Promise.resolve([]) : page(cursor);
      next.catch(() => undefined);
      const hits: Array<{ draftId: string; revisionId: string; findings: Finding[] }> = [];
      for (const row of rows) {
        const findings = scanForTerms(engine, plan, contentOf(row));
        if (findings.length > 0) hits.push({ draftId: row.draftId, revisionId: row.revisionId, findings });
      }
      port.postMessage({ type: 'batch', partition: data.partition, cursor, processed: rows.length, hits } satisfies RescanThreadMessage);
    }
    port.postMessage({ type: 'done', partition: data.partition } satisfies RescanThreadMessage);
  } finally {
    await database.close();
  }
}

if (parentPort && workerData && (workerData as { rescanThread?: unknown }).rescanThread) {
  const port = parentPort;
  const data = (workerData as { rescanThread: RescanThreadData }).rescanThread;
  main(port, data).catch((error: unknown) => {
    port.postMessage({ type: 'error', partition: data.partition, message: error instanceof Error ? error.message : String(error) } satisfies RescanThreadMessage);
  });
}
