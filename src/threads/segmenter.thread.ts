/**
 * The segmenter thread of a check pool: loads nodejieba once for the whole worker process and answers the
 * check threads' synchronous calls (see segmenter-channel.ts). It is never terminated while the pool runs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { JIEBA_SEGMENTER, preloadSegmenter } from '../checks/segmenter';
import { serveSegmenter } from './segmenter-channel';

export interface SegmenterThreadData {
  bell: Int32Array;
}

if (parentPort && workerData && (workerData as { segmenterThread?: unknown }).segmenterThread) {
  const port = parentPort;
  const data = (workerData as { segmenterThread: SegmenterThreadData }).segmenterThread;
  preloadSegmenter();
  port.postMessage({ type: 'ready' });
  serveSegmenter(port, data.bell, JIEBA_SEGMENTER);
  port.close();
}
