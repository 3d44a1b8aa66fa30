/**
 * One check thread of a check pool: builds the check engine once from the dictionary sources it is given
 * (again on a `load` message, between runs), then runs one check per `run` message. The pool terminates the
 * thread if a run overruns its time limit, so nothing here needs to guard against a check that never returns.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { DictionarySources } from '../checks/dictionary/dictionary';
import { createCheckEngine, type CheckContext, type CheckEngine } from '../checks/engine';
import type { RevisionContent } from '../domain/content';
import type { CheckResult } from '../domain/findings';
import { remoteSegmenter, type SegmenterLink } from './segmenter-channel';

export interface CheckThreadData {
  sources: DictionarySources;
  link: SegmenterLink;
  /** Test-only fault injection: a module exporting `wrapCheckEngine(engine)` (see the pool's options). */
  wrapperModule?: string | undefined;
}

export type CheckThreadRequest = { type: 'run'; id: number; checkId: string; content: RevisionContent; context?: CheckContext | undefined } | { type: 'load'; sources: DictionarySources };

export type CheckThreadReply =
  | { type: 'ready'; version: string; checkIds: string[] }
  | { type: 'result'; id: number; result: CheckResult }
  | { type: 'error'; id: number; message: string }
  | { type: 'loaded'; version: string }
  | { type: 'load_failed'; message: string };

/** What a fault-injection module must export. */
export interface CheckEngineWrapper {
  wrapCheckEngine(engine: CheckEngine): CheckEngine;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

if (parentPort && workerData && (workerData as { checkThread?: unknown }).checkThread) {
  const port = parentPort;
  const data = (workerData as { checkThread: CheckThreadData }).checkThread;
  const segmenter = remoteSegmenter(data.link);
  // A wrapper module named at run time (tests wrap the engine to misbehave), loaded once before the first job.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const wrapper = data.wrapperModule ? (require(data.wrapperModule) as CheckEngineWrapper) : null;
  const build = (sources: DictionarySources): CheckEngine => {
    const engine = createCheckEngine({ sources, segmenter });
    return wrapper ? wrapper.wrapCheckEngine(engine) : engine;
  };
  let engine = build(data.sources);
  const reply = (message: CheckThreadReply) => port.postMessage(message);
  port.on('message', (message: CheckThreadRequest) => {
    if (message.type === 'run') {
      try {
        reply({ type: 'result', id: message.id, result: engine.run(message.checkId, message.content, message.context) });
      } catch (error) {
        reply({ type: 'error', id: message.id, message: messageOf(error) });
      }
      return;
    }
    try {
      // Messages are handled one at a time, so a run never sees a half-built engine.
      engine = build(message.sources);
      reply({ type: 'loaded', version: engine.version });
    } catch (error) {
      reply({ type: 'load_failed', message: messageOf(error) });
    }
  });
  reply({ type: 'ready', version: engine.version, checkIds: [...engine.checkIds] });
}
