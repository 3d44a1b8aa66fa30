/**
 * Limits and rules for what the media analysers look at inside pictures, video and audio. Everything runs on this
 * server (tesseract, ffmpeg from Debian; sharp, zxing-wasm, exifr from npm): no file or text leaves it.
 */
export const MEDIA_CONFIG = {
  /** Pictures above this many pixels are refused as decompression bombs before decoding. */
  maxPixels: 50_000_000,
  /** OCR reads a copy downscaled so its longer side is at most this (boxes are mapped back to the original). */
  ocrMaxSide: 2400,
  /** Barcode decoding reads a copy downscaled to at most this. */
  codeMaxSide: 2000,
  /** tesseract languages (Debian: tesseract-ocr-chi-sim, tesseract-ocr-eng). */
  ocrLanguages: 'chi_sim+eng',
  /** Per file and step: a step that overruns is killed and reported as a finding. */
  ocrTimeoutMs: 20_000,
  videoTimeoutMs: 60_000,
  /** Video: one keyframe every this many ms, at most this many, from at most this much of the video. */
  keyframeIntervalMs: 5_000,
  maxKeyframes: 24,
  maxVideoMs: 10 * 60_000,
  /** OCR lines below this confidence are not proofread (错别字 in a badly read line are the reader's, not the author's). */
  proofreadMinConfidence: 85,
  /** OCR lines below this confidence are ignored altogether. */
  minConfidence: 40,
  /** Two pictures whose difference hashes differ in at most this many of 64 bits are the same picture. */
  nearDuplicateBits: 10,
  /** QR codes that lead to a personal WeChat account or a WeChat group (引流). */
  wechatQrPatterns: [/^https?:\/\/u\.wechat\.com\//i, /^https?:\/\/weixin\.qq\.com\/(?:g|r|q)\//i, /^https?:\/\/work\.weixin\.qq\.com\/(?:u|gm)\//i],
} as const;

export type MediaConfig = typeof MEDIA_CONFIG;
