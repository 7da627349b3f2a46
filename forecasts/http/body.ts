/**
 * Reading response bodies defensively: error pages are often HTML (nginx, CloudFront),
 * success bodies can be empty or truncated. Nothing here throws.
 */

export type ParsedBody = { ok: true; value: unknown } | { ok: false; why: string };

function looksHtml(text: string, contentType: string): boolean {
  return contentType.includes('text/html') || /^\s*<(!doctype|html|head|body)/i.test(text);
}

/** Parses a 2xx body as JSON; an HTML page or broken JSON is reported, not thrown. */
export function parseBody(text: string, contentType: string): ParsedBody {
  if (looksHtml(text, contentType)) return { ok: false, why: 'an HTML body instead of JSON' };
  if (text.trim() === '') return { ok: false, why: 'an empty body' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, why: 'a body that is not valid JSON' };
  }
}

/**
 * A short, single-line description of an error body: the `error`/`message`/`title`/`detail`
 * text of a JSON body, `HTML error page "<title>"` for HTML, else the first 120 characters.
 * @example '{"error":{"code":"500 Internal Server Error","message":"Requested resource not found."}}'
 *          → 'Requested resource not found.'
 */
export function describeErrorBody(text: string, contentType: string): string {
  if (text.trim() === '') return '';
  if (looksHtml(text, contentType)) {
    const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
    return title ? `HTML error page "${title}"` : 'HTML error page';
  }
  try {
    return oneLine(messageOf(JSON.parse(text) as unknown) ?? text);
  } catch {
    return oneLine(text);
  }
}

function messageOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  for (const key of ['message', 'msg', 'error', 'title', 'detail']) {
    const v = b[key];
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'object' && v !== null) {
      const inner = messageOf(v);
      if (inner) return inner;
    }
  }
  return undefined;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 117)}...` : flat;
}
