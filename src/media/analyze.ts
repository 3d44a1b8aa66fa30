import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { MEDIA_CONFIG, type MediaConfig } from '../../config/media';
import type { DecodedCode, MediaAnalysis, MediaAnalysisKind, MediaProblem, OcrLine } from '../domain/media';
import { decodeCodes } from './codes';
import { differenceHash } from './dhash';
import { readMetadata } from './metadata';
import { recogniseText } from './ocr';
import { ToolTimeout } from './spawn';
import { mediaTools, type MediaTools } from './tools';
import { extractKeyframes, probeStream, withTempFile } from './video';

/** Bump when what the analysers extract changes: cached analyses of another version are redone. */
export const MEDIA_ANALYSER_VERSION = 'media-1';

// libvips: one thread per operation, a small cache — many small files, not one huge one.
sharp.concurrency(1);
sharp.cache({ memory: 64, files: 0, items: 50 });

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

interface FrameResult {
  lines: OcrLine[];
  codes: DecodedCode[];
  problems: MediaProblem[];
}

/** OCR and barcode decoding of one decoded picture (a photo, or a video keyframe at `timeMs`). */
async function readPicture(image: sharp.Sharp, width: number, height: number, config: MediaConfig, tools: MediaTools, timeMs?: number): Promise<FrameResult> {
  const problems: MediaProblem[] = [];
  const longer = Math.max(width, height);
  const ocrScale = longer > config.ocrMaxSide ? config.ocrMaxSide / longer : 1;
  const codeScale = longer > config.codeMaxSide ? config.codeMaxSide / longer : 1;
  const ocr = async (): Promise<OcrLine[]> => {
    if (!tools.ocr) return [];
    const copy = ocrScale < 1 ? image.clone().resize(Math.round(width * ocrScale), Math.round(height * ocrScale)) : image.clone();
    const png = await copy.png({ compressionLevel: 1 }).toBuffer();
    try {
      return await recogniseText(png, { languages: config.ocrLanguages, timeoutMs: config.ocrTimeoutMs, scale: ocrScale, minConfidence: config.minConfidence });
    } catch (error) {
      problems.push(
        error instanceof ToolTimeout
          ? { code: 'timeout', message: `图片文字识别超时（${config.ocrTimeoutMs / 1000} 秒），请人工核对图片文字` }
          : { code: 'ocr_failed', message: `图片文字识别失败，请人工核对：${messageOf(error).slice(0, 120)}` },
      );
      return [];
    }
  };
  const codes = async (): Promise<DecodedCode[]> => {
    const copy = codeScale < 1 ? image.clone().resize(Math.round(width * codeScale), Math.round(height * codeScale)) : image.clone();
    const { data, info } = await copy.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    try {
      return await decodeCodes(data, info.width, info.height, codeScale);
    } catch (error) {
      problems.push({ code: 'codes_failed', message: `二维码识别失败，请人工核对：${messageOf(error).slice(0, 120)}` });
      return [];
    }
  };
  const [lines, found] = await Promise.all([ocr(), codes()]);
  if (timeMs !== undefined) {
    for (const l of lines) l.timeMs = timeMs;
    for (const c of found) c.timeMs = timeMs;
  }
  return { lines, codes: found, problems };
}

async function analyzeImage(bytes: Buffer, base: MediaAnalysis, config: MediaConfig, tools: MediaTools): Promise<MediaAnalysis> {
  let header: sharp.Metadata;
  try {
    header = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    return { ...base, problems: [{ code: 'decode_failed', message: `图片无法解码：${messageOf(error).slice(0, 120)}` }] };
  }
  const width = header.autoOrient?.width ?? header.width ?? 0;
  const height = header.autoOrient?.height ?? header.height ?? 0;
  const pixels = (header.width ?? 0) * (header.height ?? 0) * Math.max(1, header.pages ?? 1);
  if (pixels > config.maxPixels) {
    return { ...base, width, height, problems: [{ code: 'too_large', message: `图片像素过多（${width}×${height}），未解码，请更换图片` }] };
  }
  const metadata = await readMetadata(bytes);
  let decoded: Buffer;
  let info: sharp.OutputInfo;
  try {
    // Decode once (auto-oriented, transparency on white, first frame of an animation), strictly: a truncated file fails.
    ({ data: decoded, info } = await sharp(bytes, { limitInputPixels: config.maxPixels, failOn: 'truncated' })
      .rotate()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true }));
  } catch (error) {
    return { ...base, width, height, metadata, problems: [{ code: 'decode_failed', message: `图片已损坏或不完整：${messageOf(error).slice(0, 120)}` }] };
  }
  const image = sharp(decoded, { raw: { width: info.width, height: info.height, channels: info.channels } });
  const [frame, dhash] = await Promise.all([readPicture(image, info.width, info.height, config, tools), differenceHash(image)]);
  const problems = [...frame.problems];
  if (!tools.ocr) problems.unshift({ code: 'ocr_unavailable', message: '图片文字未识别，请人工核对（本机未安装 tesseract 中文识别）' });
  return {
    ...base,
    width: info.width,
    height: info.height,
    ocr: tools.ocr && !problems.some((p) => p.code === 'ocr_failed' || p.code === 'timeout'),
    lines: frame.lines,
    codes: frame.codes,
    metadata,
    dhash,
    problems,
  };
}

async function analyzeTimed(bytes: Buffer, base: MediaAnalysis, config: MediaConfig, tools: MediaTools): Promise<MediaAnalysis> {
  if (!tools.video) {
    return { ...base, problems: [{ code: 'video_tools_unavailable', message: '音视频未检查（本机未安装 ffmpeg），请人工核对' }] };
  }
  return withTempFile(bytes, async (path) => {
    let probed;
    try {
      probed = await probeStream(path, config.videoTimeoutMs);
    } catch (error) {
      return { ...base, problems: [{ code: 'decode_failed', message: `音视频无法解码：${messageOf(error).slice(0, 120)}` }] };
    }
    const analysis: MediaAnalysis = { ...base, durationMs: probed.durationMs, codec: probed.codec, width: probed.width, height: probed.height };
    const problems: MediaProblem[] = [];
    if (probed.durationMs !== undefined && probed.durationMs > config.maxVideoMs) {
      problems.push({ code: 'too_long', message: `时长 ${Math.round(probed.durationMs / 60000)} 分钟，只检查了前 ${config.maxVideoMs / 60000} 分钟的画面，其余请人工核对` });
    }
    if (probed.hasAudio) problems.push({ code: 'not_transcribed', message: '声音内容未做机器识别，请人工收听核对' });
    if (base.kind !== 'video' || !probed.hasVideo) return { ...analysis, problems };
    let frames: Array<{ timeMs: number; png: Buffer }>;
    try {
      frames = await extractKeyframes(path, {
        intervalMs: config.keyframeIntervalMs,
        maxFrames: config.maxKeyframes,
        maxMs: config.maxVideoMs,
        maxSide: config.ocrMaxSide,
        timeoutMs: config.videoTimeoutMs,
      });
    } catch (error) {
      problems.push({ code: error instanceof ToolTimeout ? 'timeout' : 'decode_failed', message: `视频画面提取失败，请人工核对：${messageOf(error).slice(0, 120)}` });
      return { ...analysis, problems };
    }
    if (!tools.ocr) problems.unshift({ code: 'ocr_unavailable', message: '视频画面文字未识别，请人工核对（本机未安装 tesseract 中文识别）' });
    const lines: OcrLine[] = [];
    const codes: DecodedCode[] = [];
    let dhash: string | undefined;
    // One frame at a time: a video must not take every core from the drafts behind it.
    for (const frame of frames) {
      const image = sharp(frame.png, { limitInputPixels: config.maxPixels });
      const meta = await image.metadata();
      const read = await readPicture(image, meta.width ?? 0, meta.height ?? 0, config, tools, frame.timeMs);
      lines.push(...read.lines);
      codes.push(...read.codes.filter((c) => !codes.some((k) => k.text === c.text)));
      problems.push(...read.problems.filter((p) => !problems.some((q) => q.code === p.code)));
      dhash ??= await differenceHash(image);
    }
    return { ...analysis, ocr: tools.ocr, lines, codes, dhash, keyframes: frames.map((f) => f.timeMs), problems };
  });
}

/**
 * Looks inside one media file: text in the picture (tesseract), QR codes and barcodes (zxing), EXIF/XMP metadata,
 * a perceptual hash, and for video the same on keyframes. Never throws for a bad file: what could not be done is
 * listed in `problems`, each of which the checks turn into a visible finding.
 */
export async function analyzeMedia(bytes: Buffer, kind: MediaAnalysisKind, options: { config?: MediaConfig; tools?: MediaTools } = {}): Promise<MediaAnalysis> {
  const config = options.config ?? MEDIA_CONFIG;
  const tools = options.tools ?? (await mediaTools(config.ocrLanguages));
  const base: MediaAnalysis = {
    media: createHash('sha256').update(bytes).digest('hex'),
    kind,
    version: MEDIA_ANALYSER_VERSION,
    ocr: false,
    lines: [],
    codes: [],
    metadata: { present: false },
    problems: [],
  };
  if (bytes.length === 0) return { ...base, problems: [{ code: 'empty', message: '文件为空（0 字节）' }] };
  return kind === 'image' ? analyzeImage(bytes, base, config, tools) : analyzeTimed(bytes, base, config, tools);
}
