/**
 * A synchronous line from a check thread to the one segmenter thread of a worker process.
 *
 * nodejieba is a native addon that keeps ~250 MB per instance and frees none of it when its thread ends
 * (measured: +240 MB RSS per terminated thread). Check threads are terminated when a check overruns its time
 * limit, so they must not own jieba: one long-lived segmenter thread does, and check threads call it through
 * this channel. The checks call the segmenter synchronously, so a call posts its request on a MessagePort, rings
 * a shared doorbell, and blocks on a shared flag until the reply is there (Atomics.wait / receiveMessageOnPort).
 * Nothing here loads jieba.
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { Segmenter } from '../checks/segmenter';

/** What a check thread holds to reach the segmenter thread. */
export interface SegmenterLink {
  /** Shared by every client and the segmenter thread: bumped after each request or control message. */
  bell: Int32Array;
  /** This client's reply flag: 0 while waiting, set to 1 by the segmenter thread after it posted the reply. */
  flag: Int32Array;
  port: MessagePort;
}

export type SegmenterRequest = { op: 'cut'; text: string } | { op: 'keywords'; text: string; topN: number };
export type SegmenterReply = { ok: true; value: unknown } | { ok: false; message: string };

/** Control messages from the pool to the segmenter thread (read synchronously, it never idles in its event loop). */
export type SegmenterControl = { type: 'client'; id: number; port: MessagePort; flag: Int32Array } | { type: 'drop'; id: number } | { type: 'stop' };

export const newSharedInt = (): Int32Array => new Int32Array(new SharedArrayBuffer(4));

export function ring(bell: Int32Array): void {
  Atomics.add(bell, 0, 1);
  Atomics.notify(bell, 0);
}

/** The segmenter as seen from a check thread; each call blocks until the segmenter thread answers. */
export function remoteSegmenter(link: SegmenterLink): Required<Segmenter> {
  const call = (request: SegmenterRequest): unknown => {
    Atomics.store(link.flag, 0, 0);
    link.port.postMessage(request);
    ring(link.bell);
    for (;;) {
      const got = receiveMessageOnPort(link.port);
      if (got) {
        const reply = got.message as SegmenterReply;
        if (!reply.ok) throw new Error(`segmenter: ${reply.message}`);
        return reply.value;
      }
      // The reply is posted before the flag is set, so after waking it is there. A check that waits too long
      // here is cut off by the pool's time limit like any other overrun.
      Atomics.wait(link.flag, 0, 0);
      Atomics.store(link.flag, 0, 0);
    }
  };
  return {
    cut: (text) => call({ op: 'cut', text }) as string[],
    keywords: (text, topN) => call({ op: 'keywords', text, topN }) as Array<{ word: string; weight: number }>,
  };
}

/**
 * The segmenter thread's loop: serves every client's requests in turn and sleeps on the doorbell when there is
 * nothing to do. Returns when told to stop.
 */
export function serveSegmenter(control: MessagePort, bell: Int32Array, segmenter: Segmenter): void {
  const clients = new Map<number, { port: MessagePort; flag: Int32Array }>();
  for (;;) {
    const seen = Atomics.load(bell, 0);
    for (let m = receiveMessageOnPort(control); m; m = receiveMessageOnPort(control)) {
      const message = m.message as SegmenterControl;
      if (message.type === 'stop') return;
      if (message.type === 'client') clients.set(message.id, { port: message.port, flag: message.flag });
      else {
        clients.get(message.id)?.port.close();
        clients.delete(message.id);
      }
    }
    for (const client of clients.values()) {
      for (let r = receiveMessageOnPort(client.port); r; r = receiveMessageOnPort(client.port)) {
        const request = r.message as SegmenterRequest;
        let reply: SegmenterReply;
        try {
          const value = request.op === 'cut' ? segmenter.cut(request.text) : (segmenter.keywords?.(request.text, request.topN) ?? []);
          reply = { ok: true, value };
        } catch (error) {
          reply = { ok: false, message: error instanceof Error ? error.message : String(error) };
        }
        // A client terminated mid-call has a closed port: the reply is dropped, nothing else happens.
        client.port.postMessage(reply);
        Atomics.store(client.flag, 0, 1);
        Atomics.notify(client.flag, 0);
      }
    }
    // Sleep only if nothing arrived since `seen`; the timeout is a backstop, every request rings.
    if (Atomics.load(bell, 0) === seen) Atomics.wait(bell, 0, seen, 1_000);
  }
}
