/**
 * Media as located fields of the document: the text recognised in each picture or keyframe, and the text of each
 * decoded QR code, are read by the same text checks as the title and body; metadata, look-alike pictures and what the
 * analysers could not do become findings of their own. Pure: the analyses are facts the service gathered.
 */
import { MEDIA_CONFIG, type MediaConfig } from '../../../config/media';
import type { RevisionContent } from '../../domain/content';
import type { Finding, MediaSourceSpan, Severity } from '../../domain/findings';
import type { MediaAnalysis, MediaBox } from '../../domain/media';
import { formatTimecode } from '../../shared/labels';
import { linkHostClassifier } from '../rules/advertising.check';
import type { CheckContext, CheckEnv, MediaMatch } from '../rules/common';

/** One located text field inside a media file. */
export interface MediaField {
  media: string;
  via: 'ocr' | 'qr';
  text: string;
  /** Spans of `text` and where each sits in the picture. */
  spans: Array<{ start: number; end: number; box: MediaBox; confidence?: number | undefined; timeMs?: number | undefined }>;
}

/**
 * Same-length repairs of what OCR typically misreads in the marks that matter: the ★ of a 密级 marking comes back as
 * 文, 妇, 大, ☆, * or anything else. Only a single character between 绝密/机密/秘密 and a 保密期限 (N年/个月/天, 长期),
 * or one of the usual look-alikes right after the level, is replaced, so ordinary text is untouched.
 */
export function repairOcrText(text: string): string {
  return text.replace(/([绝机秘]密)[^\s★](?=\s*(?:(?:\d+|[一二三四五六七八九十]+)\s*(?:年|个月|月|天)|长期))/gu, '$1★').replace(/([绝机秘]密)[文大女太妇☆*＊⋆✩]/gu, '$1★');
}

/** The text fields of one analysis: the OCR lines of each picture or keyframe (one field each), and each code. */
export function mediaFields(analysis: MediaAnalysis): MediaField[] {
  const fields: MediaField[] = [];
  const byTime = new Map<number, MediaField>();
  for (const line of analysis.lines) {
    const key = line.timeMs ?? -1;
    let field = byTime.get(key);
    if (!field) {
      field = { media: analysis.media, via: 'ocr', text: '', spans: [] };
      byTime.set(key, field);
      fields.push(field);
    }
    if (field.text) field.text += '\n';
    const start = field.text.length;
    field.text += repairOcrText(line.text);
    field.spans.push({ start, end: field.text.length, box: line.box, confidence: line.confidence, timeMs: line.timeMs });
  }
  for (const code of analysis.codes) {
    fields.push({ media: analysis.media, via: 'qr', text: code.text, spans: [{ start: 0, end: code.text.length, box: code.box, timeMs: code.timeMs }] });
  }
  return fields;
}

/** Where a span of a field sits: the union of the boxes of the lines it touches, and their lowest confidence. */
export function locate(field: MediaField, start: number, end: number): Pick<MediaSourceSpan, 'box' | 'timeMs'> & { confidence?: number | undefined } {
  const touched = field.spans.filter((s) => s.start < Math.max(end, start + 1) && s.end > start);
  if (touched.length === 0) return {};
  const x0 = Math.min(...touched.map((s) => s.box.x));
  const y0 = Math.min(...touched.map((s) => s.box.y));
  const x1 = Math.max(...touched.map((s) => s.box.x + s.box.width));
  const y1 = Math.max(...touched.map((s) => s.box.y + s.box.height));
  const confidences = touched.map((s) => s.confidence).filter((c): c is number => c !== undefined);
  return {
    box: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 },
    timeMs: touched[0]?.timeMs,
    confidence: confidences.length ? Math.min(...confidences) : undefined,
  };
}

/** Which text checks read which media fields. Copyright is about origin and licences, not words in pictures. */
const READS: Record<MediaField['via'], ReadonlySet<string>> = {
  ocr: new Set(['sensitive', 'advertising', 'secrecy', 'escalation', 'proofreading']),
  qr: new Set(['sensitive', 'advertising', 'secrecy']),
};

/** Runs one text check over a plain text and returns its findings (the engine supplies this). */
export type TextRunner = (content: RevisionContent) => Finding[];

const fileSource = (media: string, via: MediaSourceSpan['via'], extra: Partial<MediaSourceSpan> = {}): MediaSourceSpan => ({ field: 'media', media, via, start: 0, end: 0, ...extra });

function finding(check: string, env: CheckEnv, f: Omit<Finding, 'check' | 'rulesetVersion' | 'start' | 'end'>): Finding {
  return { check, rulesetVersion: env.version, start: 0, end: 0, ...f };
}

/** Findings of one text check in the text of the pictures, and the check's own media rules. */
export function mediaFindings(checkId: string, content: RevisionContent, context: CheckContext, env: CheckEnv, runText: TextRunner, config: MediaConfig = MEDIA_CONFIG): Finding[] {
  const out: Finding[] = [];
  for (const analysis of context.media ?? []) {
    for (const field of mediaFields(analysis)) {
      if (!READS[field.via].has(checkId)) continue;
      // Plain text "\n" + field: the checks index the title (empty here), one newline, then the body.
      const hits = runText({ title: '', body: field.text, format: 'text', origin: { kind: 'original' }, assets: [] });
      for (const hit of hits) {
        const start = Math.max(0, hit.start - 1);
        const end = Math.max(start, hit.end - 1);
        const where = locate(field, start, end);
        const confidence = where.confidence;
        if (checkId === 'proofreading' && confidence !== undefined && confidence < config.proofreadMinConfidence) continue;
        let severity: Severity = hit.severity;
        // A word read with little confidence may be the reader's mistake: a human looks, the draft is not returned.
        if (severity === 'block' && confidence !== undefined && confidence < 70) severity = 'review';
        const source: MediaSourceSpan = { field: 'media', media: field.media, via: field.via, start, end, box: where.box, timeMs: where.timeMs };
        const timeNote = where.timeMs !== undefined ? `（视频 ${formatTimecode(where.timeMs)}）` : '';
        const place = field.via === 'qr' ? '二维码内容' : '图片文字';
        out.push({
          ...hit,
          severity,
          start,
          end,
          source,
          message: `${place}${timeNote}：${hit.message}`,
          evidence: { ...(hit.evidence ?? {}), via: field.via, ...(confidence !== undefined ? { confidence } : {}), ...(field.via === 'qr' ? { decoded: field.text } : {}) },
        });
      }
    }
    out.push(...ownRules(checkId, analysis, content, env, config));
  }
  if (checkId === 'copyright') out.push(...lookAlikes(content, context.mediaMatches ?? [], env));
  return out;
}

/**
 * Where a decoded code leads, judged by the link rules the body's links meet: a personal WeChat or group QR is
 * 引流; a shop or any domain outside the school's, the whitelisted sources' and the allowed ones needs a look; the
 * school's own addresses are only shown. The URL is read by WHATWG URL, as a phone's scanner would open it.
 */
export function judgeCode(
  text: string,
  env: CheckEnv,
  config: MediaConfig = MEDIA_CONFIG,
): { severity: Severity; category: string; ruleId: string; message: string; suggestion?: string | undefined; host?: string | undefined } {
  if (config.wechatQrPatterns.some((re) => re.test(text))) {
    return {
      severity: 'review',
      category: 'diversion',
      ruleId: 'media:qr-wechat',
      message: '二维码指向个人微信或微信群（引流）',
      suggestion: '官方账号不得以个人微信或微信群二维码引流，请删除或换成官方渠道',
    };
  }
  let host: string | undefined;
  try {
    const url = new URL(text.trim());
    if (url.protocol === 'http:' || url.protocol === 'https:') host = url.hostname.toLowerCase();
  } catch {
    host = undefined;
  }
  const kind = host ? linkHostClassifier(env.config)(host) : undefined;
  if (kind === 'shop-link') return { severity: 'review', category: 'shop-link', ruleId: 'media:qr-shop', message: '二维码指向购物网站', host };
  if (kind === 'external-link') return { severity: 'review', category: 'external-link', ruleId: 'media:qr-external', message: `二维码指向白名单以外的网站（${host}）`, host };
  return { severity: 'info', category: 'qr', ruleId: 'media:qr', message: '图片中的', host };
}

function ownRules(checkId: string, a: MediaAnalysis, _content: RevisionContent, env: CheckEnv, config: MediaConfig): Finding[] {
  const out: Finding[] = [];
  if (checkId === 'sensitive') {
    // Whatever could not be looked at is said, never passed silently.
    for (const p of a.problems) {
      const severity: Severity = p.code === 'decode_failed' || p.code === 'too_large' || p.code === 'empty' ? 'block' : 'review';
      out.push(
        finding(checkId, env, {
          category: 'media_unchecked',
          severity,
          source: fileSource(a.media, 'file'),
          matched: '',
          ruleId: `media:${p.code}`,
          message: p.message,
          evidence: { via: 'file', problem: p.code },
        }),
      );
    }
  }
  if (checkId === 'advertising') {
    for (const code of a.codes) {
      const verdict = judgeCode(code.text, env, config);
      out.push(
        finding(checkId, env, {
          category: verdict.category,
          severity: verdict.severity,
          source: fileSource(a.media, 'qr', { end: code.text.length, box: code.box, timeMs: code.timeMs }),
          matched: code.text,
          ruleId: verdict.ruleId,
          message: `${verdict.message}${verdict.ruleId === 'media:qr' ? `${code.format === 'QRCode' ? '二维码' : '条码'}内容：` : '：'}${code.text}`,
          suggestion: verdict.suggestion,
          evidence: { via: 'qr', format: code.format, decoded: code.text, ...(verdict.host ? { host: verdict.host } : {}) },
        }),
      );
    }
  }
  if (checkId === 'secrecy' && a.metadata.present) {
    const m = a.metadata;
    const exif = (ruleId: string, severity: Severity, matched: string, message: string) =>
      out.push(
        finding(checkId, env, {
          category: 'personal_data',
          severity,
          source: fileSource(a.media, 'exif'),
          matched,
          ruleId,
          message,
          suggestion: '使用「去除元数据」后再送审',
          evidence: { via: 'exif' },
        }),
      );
    if (m.gps) exif('media:exif-gps', 'review', `${m.gps.latitude.toFixed(5)}, ${m.gps.longitude.toFixed(5)}`, '图片元数据含拍摄地 GPS 位置，可能暴露住址或涉密场所');
    if (m.serials?.length) exif('media:exif-serial', 'review', m.serials.join('、'), '图片元数据含相机或镜头序列号，可追溯到个人');
    if (m.people?.length) exif('media:exif-author', 'review', m.people.join('、'), '图片元数据含作者、所有者或版权人姓名');
  }
  return out;
}

function lookAlikes(content: RevisionContent, matches: readonly MediaMatch[], env: CheckEnv): Finding[] {
  const out: Finding[] = [];
  for (const match of matches) {
    const declared = content.assets.find((asset) => (asset as { media?: string }).media === match.media);
    const base = {
      category: 'image_reuse',
      source: fileSource(match.media, 'file'),
      matched: match.matchedMedia,
      evidence: { via: 'file', distance: match.distance, matchedMedia: match.matchedMedia, ...match.source },
    };
    if (match.source.kind === 'gallery') {
      const forbidden = match.source.list === 'forbidden';
      out.push(
        finding('copyright', env, {
          ...base,
          severity: forbidden ? 'block' : 'info',
          ruleId: forbidden ? 'media:gallery-forbidden' : 'media:gallery-licensed',
          message: forbidden
            ? `图片与禁用图库中的图片相同${match.source.note ? `（${match.source.note}）` : ''}`
            : `图片见于已授权图库${match.source.holder ? `，权利人：${match.source.holder}` : ''}`,
        }),
      );
      continue;
    }
    const ownWork = declared?.licence === 'own_work';
    const otherUnit = match.source.otherUnit;
    out.push(
      finding('copyright', env, {
        ...base,
        severity: ownWork && otherUnit ? 'review' : 'info',
        ruleId: ownWork && otherUnit ? 'media:reuse-own-work' : 'media:reuse',
        message:
          ownWork && otherUnit
            ? `声明为自有作品的图片与${match.source.unitName ?? '其他单位'}已发布稿件 ${match.source.draftNumber} 中的图片相同，请核实版权`
            : `图片曾在已发布稿件 ${match.source.draftNumber} 中使用${match.source.licence ? `（授权：${match.source.licence}）` : ''}`,
      }),
    );
  }
  return out;
}
