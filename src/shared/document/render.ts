import { readDoc, serialize } from './canonicalise';
import type { MediaKind, MediaUse } from './model';

/**
 * The published page: the canonical body rendered as a phone-width article styled like an official-account post.
 * GET /preview and GET /released serve exactly these bytes; release records their SHA-256.
 */

const STYLE = `*{box-sizing:border-box}html{-webkit-text-size-adjust:100%}body{margin:0;background:#f2f2f2;color:#333;font:17px/1.75 -apple-system,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif}
.page{max-width:414px;margin:0 auto;background:#fff;padding:20px 16px 40px;min-height:100vh}
h1.title{font-size:22px;line-height:1.4;margin:0 0 14px;font-weight:600;color:#111}
.meta{font-size:15px;color:#576b95;margin-bottom:22px}
article{word-wrap:break-word;overflow-wrap:anywhere}
article p{margin:0 0 1em}article h1,article h2,article h3,article h4,article h5,article h6{line-height:1.4;margin:1.2em 0 .6em;color:#111}
article blockquote{margin:0 0 1em;padding:4px 12px;border-left:3px solid #dbdbdb;color:#666}
article img,article video{max-width:100%;height:auto;display:block;margin:.5em auto}
article audio{width:100%;margin:.5em 0}
article table{border-collapse:collapse;width:100%;margin:0 0 1em}article td,article th{border:1px solid #ddd;padding:4px 6px}
article pre{white-space:pre-wrap;background:#f7f7f7;padding:8px;font-size:14px}
article a{color:#576b95}
.plain{white-space:pre-wrap}`;

/** Content-Security-Policy of the preview/released page: no script, nothing from anywhere but our own media. */
export const ARTICLE_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export const mediaPath = (hash: string) => `/api/media/${hash}`;

export interface Rendition {
  html: string;
  media: MediaUse[];
}

/** Renders a revision's title and canonical body (stored form; legacy bodies are canonicalised the same way). */
export function renderArticle(input: { title: string; body: string; format: string; meta?: string }, mediaUrl: (hash: string, kind: MediaKind) => string = mediaPath): Rendition {
  const doc = readDoc(input.body, input.format);
  const body = doc.format === 'text' ? `<div class="plain">${esc(doc.source)}</div>` : serialize(parseTree(doc), { mediaUrl }).html;
  const html =
    `<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${esc(input.title)}</title><style>${STYLE}</style></head><body><div class="page"><h1 class="title">${esc(input.title)}</h1>` +
    (input.meta ? `<div class="meta">${esc(input.meta)}</div>` : '') +
    `<article>\n${body}</article></div></body></html>\n`;
  return { html, media: doc.media };
}

function parseTree(doc: ReturnType<typeof readDoc>) {
  return doc.nodes;
}
