import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTool } from './spawn';

export interface ProbedStream {
  durationMs?: number | undefined;
  codec?: string | undefined;
  width?: number | undefined;
  height?: number | undefined;
  hasVideo: boolean;
  hasAudio: boolean;
}

interface FfprobeOutput {
  format?: { duration?: string };
  streams?: Array<{ codec_type?: string; codec_name?: string; width?: number; height?: number; duration?: string }>;
}

/** Duration, codec and size of a video or audio file (ffprobe from Debian's ffmpeg). */
export async function probeStream(path: string, timeoutMs: number): Promise<ProbedStream> {
  const out = await runTool('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path], { timeoutMs, maxOutput: 1024 * 1024 });
  const parsed = JSON.parse(out.toString('utf8')) as FfprobeOutput;
  const video = parsed.streams?.find((s) => s.codec_type === 'video');
  const audio = parsed.streams?.find((s) => s.codec_type === 'audio');
  const seconds = Number(parsed.format?.duration ?? video?.duration ?? audio?.duration);
  return {
    durationMs: Number.isFinite(seconds) ? Math.round(seconds * 1000) : undefined,
    codec: (video ?? audio)?.codec_name,
    width: video?.width,
    height: video?.height,
    hasVideo: Boolean(video),
    hasAudio: Boolean(audio),
  };
}

/**
 * One PNG keyframe every `intervalMs`, at most `maxFrames`, from the first `maxMs` of the video, scaled so the longer
 * side is at most `maxSide`. Frame i is at i × intervalMs.
 */
export async function extractKeyframes(
  path: string,
  options: { intervalMs: number; maxFrames: number; maxMs: number; maxSide: number; timeoutMs: number },
): Promise<Array<{ timeMs: number; png: Buffer }>> {
  const dir = await mkdtemp(join(tmpdir(), 'sanshen-frames-'));
  try {
    const fps = `fps=1000/${options.intervalMs}`;
    const scale = `scale='if(gt(iw,ih),min(${options.maxSide},iw),-2)':'if(gt(iw,ih),-2,min(${options.maxSide},ih))'`;
    await runTool('ffmpeg', ['-v', 'error', '-nostdin', '-t', String(options.maxMs / 1000), '-i', path, '-vf', `${fps},${scale}`, '-frames:v', String(options.maxFrames), join(dir, 'f-%04d.png')], {
      timeoutMs: options.timeoutMs,
      env: { OMP_THREAD_LIMIT: '1' },
    });
    const names = (await readdir(dir)).filter((n) => n.endsWith('.png')).sort();
    return Promise.all(names.map(async (name, i) => ({ timeMs: i * options.intervalMs, png: await readFile(join(dir, name)) })));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes bytes to a temporary file for tools that need a path, and removes it afterwards. */
export async function withTempFile<T>(bytes: Buffer, use: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'sanshen-media-'));
  const path = join(dir, 'input');
  try {
    await writeFile(path, bytes);
    return await use(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** One frame of a video at `ms` as a PNG whose longer side is at most `maxSide`. */
export async function frameAt(path: string, ms: number, options: { maxSide: number; timeoutMs: number }): Promise<Buffer> {
  const scale = `scale='if(gt(iw,ih),min(${options.maxSide},iw),-2)':'if(gt(iw,ih),-2,min(${options.maxSide},ih))'`;
  return runTool('ffmpeg', ['-v', 'error', '-nostdin', '-ss', (ms / 1000).toFixed(3), '-i', path, '-frames:v', '1', '-vf', scale, '-f', 'image2pipe', '-vcodec', 'png', '-'], {
    timeoutMs: options.timeoutMs,
    maxOutput: 16 * 1024 * 1024,
    env: { OMP_THREAD_LIMIT: '1' },
  });
}
