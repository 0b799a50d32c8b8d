/**
 * parse_mode handling modelled on tdlib's parsers: the stored message holds plain text plus
 * entities (as the real API returns it), and malformed markup fails with the same
 * "can't parse entities" errors, so unescaped user input in a card is caught in tests.
 */
import { badRequest } from './errors.js';
import type { TgEntity } from './types.js';

export interface Formatted {
  text: string;
  entities: TgEntity[];
}

export function formatText(
  text: string,
  parseMode: unknown,
  explicitEntities: unknown,
): Formatted {
  const mode = typeof parseMode === 'string' ? parseMode.toLowerCase() : '';
  if (mode === 'html') return trimmed(parseHtml(text));
  if (mode === 'markdownv2') return trimmed(parseMarkdownV2(text));
  if (mode === 'markdown') return trimmed(parseMarkdown(text));
  if (mode !== '') throw badRequest(`unsupported parse_mode "${String(parseMode)}"`);
  const entities = Array.isArray(explicitEntities) ? (explicitEntities as TgEntity[]) : [];
  return trimmed({ text, entities });
}

/** Telegram strips leading and trailing whitespace from what it stores; entities are clipped to match. */
function trimmed(f: Formatted): Formatted {
  const lead = f.text.length - f.text.trimStart().length;
  const text = f.text.trim();
  if (text.length === f.text.length) return f;
  const entities: TgEntity[] = [];
  for (const e of f.entities) {
    const start = Math.max(0, e.offset - lead);
    const end = Math.min(text.length, e.offset + e.length - lead);
    if (end > start) entities.push({ ...e, offset: start, length: end - start });
  }
  return { text, entities };
}

function cantParse(detail: string): Error {
  return badRequest(`can't parse entities: ${detail}`);
}

function byteOffset(source: string, index: number): number {
  return Buffer.byteLength(source.slice(0, index), 'utf8');
}

function sortEntities(entities: TgEntity[]): TgEntity[] {
  return entities
    .filter((e) => e.length > 0)
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
}

// ---------------------------------------------------------------------------------------------
// HTML

const HTML_TAGS: Record<string, string> = {
  b: 'bold',
  strong: 'bold',
  i: 'italic',
  em: 'italic',
  u: 'underline',
  ins: 'underline',
  s: 'strikethrough',
  strike: 'strikethrough',
  del: 'strikethrough',
  'tg-spoiler': 'spoiler',
  span: 'spoiler',
  a: 'text_link',
  code: 'code',
  pre: 'pre',
  blockquote: 'blockquote',
  'tg-emoji': 'custom_emoji',
};

const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

interface OpenTag {
  name: string;
  offset: number;
  attrs: Record<string, string>;
}

export function parseHtml(source: string): Formatted {
  let out = '';
  const entities: TgEntity[] = [];
  const stack: OpenTag[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '&') {
      const decoded = decodeHtmlEntity(source, i);
      if (decoded) {
        out += decoded.text;
        i = decoded.end;
        continue;
      }
      // tdlib keeps a bare ampersand as text.
      out += c;
      i++;
      continue;
    }
    if (c !== '<') {
      out += c;
      i++;
      continue;
    }

    const tagStart = i;
    if (source[i + 1] === '/') {
      let j = i + 2;
      while (j < source.length && source[j] !== '>') j++;
      if (j >= source.length) {
        throw cantParse(`Can't find end tag at byte offset ${byteOffset(source, tagStart)}`);
      }
      const name = source.slice(i + 2, j).trim().toLowerCase();
      const open = stack.pop();
      if (!open) {
        throw cantParse(`Unexpected end tag at byte offset ${byteOffset(source, tagStart)}`);
      }
      if (open.name !== name) {
        throw cantParse(
          `Unmatched end tag at byte offset ${byteOffset(source, tagStart)}, expected "</${open.name}>", found "</${name}>"`,
        );
      }
      entities.push(...htmlEntity(open, out.length - open.offset, stack));
      i = j + 1;
      continue;
    }

    let j = i + 1;
    while (j < source.length && !/[\s>/]/.test(source[j]!)) j++;
    const name = source.slice(i + 1, j).toLowerCase();
    if (!(name in HTML_TAGS)) {
      throw cantParse(`Unsupported start tag "${name}" at byte offset ${byteOffset(source, tagStart)}`);
    }
    const attrs: Record<string, string> = {};
    for (;;) {
      while (j < source.length && /\s/.test(source[j]!)) j++;
      if (j >= source.length) {
        throw cantParse(`Unclosed start tag at byte offset ${byteOffset(source, tagStart)}`);
      }
      if (source[j] === '>') break;
      if (source[j] === '/' && source[j + 1] === '>') {
        throw cantParse(`Unsupported self-closing tag at byte offset ${byteOffset(source, tagStart)}`);
      }
      let k = j;
      while (k < source.length && /[A-Za-z0-9_-]/.test(source[k]!)) k++;
      const attrName = source.slice(j, k).toLowerCase();
      if (attrName === '') {
        throw cantParse(`Expected equal sign in declaration of an attribute of the tag at byte offset ${byteOffset(source, tagStart)}`);
      }
      j = k;
      let value = '';
      if (source[j] === '=') {
        j++;
        const quote = source[j];
        if (quote === '"' || quote === "'") {
          const end = source.indexOf(quote, j + 1);
          if (end < 0) {
            throw cantParse(`Unclosed start tag at byte offset ${byteOffset(source, tagStart)}`);
          }
          value = decodeAllHtmlEntities(source.slice(j + 1, end));
          j = end + 1;
        } else {
          let end = j;
          while (end < source.length && !/[\s>]/.test(source[end]!)) end++;
          value = decodeAllHtmlEntities(source.slice(j, end));
          j = end;
        }
      }
      attrs[attrName] = value;
    }
    if (name === 'span' && attrs.class !== 'tg-spoiler') {
      throw cantParse(`Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(source, tagStart)}`);
    }
    stack.push({ name, offset: out.length, attrs });
    i = j + 1;
  }
  const unclosed = stack.pop();
  if (unclosed) throw cantParse(`Can't find end tag corresponding to start tag "${unclosed.name}"`);
  return { text: out, entities: sortEntities(entities) };
}

function htmlEntity(open: OpenTag, length: number, parents: OpenTag[]): TgEntity[] {
  const type = HTML_TAGS[open.name]!;
  const base = { offset: open.offset, length };
  if (type === 'text_link') {
    const url = open.attrs.href;
    return url ? [{ type, ...base, url }] : [];
  }
  if (type === 'code' && parents.at(-1)?.name === 'pre') {
    // <pre><code class="language-x"> becomes a single pre entity carrying the language.
    const lang = /^language-(.+)$/.exec(open.attrs.class ?? '')?.[1];
    const pre = parents.at(-1)!;
    if (lang) pre.attrs['data-language'] = lang;
    return [];
  }
  if (type === 'pre') {
    const language = open.attrs['data-language'];
    return [{ type, ...base, ...(language ? { language } : {}) }];
  }
  if (type === 'blockquote' && 'expandable' in open.attrs) return [{ type: 'expandable_blockquote', ...base }];
  if (type === 'custom_emoji') {
    return [{ type, ...base, custom_emoji_id: open.attrs['emoji-id'] ?? '' }];
  }
  return [{ type, ...base }];
}

function decodeHtmlEntity(source: string, at: number): { text: string; end: number } | undefined {
  const match = /^&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,8});/.exec(source.slice(at, at + 12));
  if (!match) return undefined;
  const body = match[1]!;
  let text: string | undefined;
  if (body.startsWith('#x')) text = safeCodePoint(parseInt(body.slice(2), 16));
  else if (body.startsWith('#')) text = safeCodePoint(parseInt(body.slice(1), 10));
  else text = NAMED_ENTITIES[body.toLowerCase()];
  return text === undefined ? undefined : { text, end: at + match[0].length };
}

function safeCodePoint(cp: number): string | undefined {
  return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : undefined;
}

function decodeAllHtmlEntities(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; ) {
    const decoded = value[i] === '&' ? decodeHtmlEntity(value, i) : undefined;
    if (decoded) {
      out += decoded.text;
      i = decoded.end;
    } else {
      out += value[i];
      i++;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// MarkdownV2

const MDV2_RESERVED = '_*[]()~`>#+-=|{}.!';

type MdType = 'Bold' | 'Italic' | 'Underline' | 'Strikethrough' | 'Spoiler' | 'TextUrl' | 'Code' | 'Pre' | 'CustomEmoji';

const MD_ENTITY_TYPE: Record<MdType, string> = {
  Bold: 'bold',
  Italic: 'italic',
  Underline: 'underline',
  Strikethrough: 'strikethrough',
  Spoiler: 'spoiler',
  TextUrl: 'text_link',
  Code: 'code',
  Pre: 'pre',
  CustomEmoji: 'custom_emoji',
};

interface MdOpen {
  type: MdType;
  offset: number;
  sourceIndex: number;
  language?: string;
}

export function parseMarkdownV2(source: string): Formatted {
  let out = '';
  const entities: TgEntity[] = [];
  const stack: MdOpen[] = [];
  let quoteStart: number | undefined;

  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    const top = stack.at(-1);
    const inCode = top?.type === 'Code' || top?.type === 'Pre';

    if (!inCode && c === '>' && (i === 0 || source[i - 1] === '\n')) {
      quoteStart ??= out.length;
      continue;
    }
    if (quoteStart !== undefined && c === '\n' && source[i + 1] !== '>') {
      entities.push({ type: 'blockquote', offset: quoteStart, length: out.length - quoteStart });
      quoteStart = undefined;
    }

    if (c === '\\') {
      const next = source.charCodeAt(i + 1);
      if (next > 0 && next <= 126) {
        out += source[i + 1];
        i++;
        continue;
      }
    }
    const reserved = inCode ? '`' : MDV2_RESERVED;
    if (!reserved.includes(c)) {
      out += c;
      continue;
    }

    let closes = false;
    if (top) {
      switch (top.type) {
        case 'Bold':
          closes = c === '*';
          break;
        case 'Italic':
          closes = c === '_' && source[i + 1] !== '_';
          break;
        case 'Underline':
          closes = c === '_' && source[i + 1] === '_';
          break;
        case 'Strikethrough':
          closes = c === '~';
          break;
        case 'Spoiler':
          closes = c === '|' && source[i + 1] === '|';
          break;
        case 'TextUrl':
        case 'CustomEmoji':
          closes = c === ']';
          break;
        case 'Code':
          closes = c === '`';
          break;
        case 'Pre':
          closes = c === '`' && source[i + 1] === '`' && source[i + 2] === '`';
          break;
      }
    }

    if (!closes) {
      const sourceIndex = i;
      let type: MdType;
      let language: string | undefined;
      switch (c) {
        case '_':
          if (source[i + 1] === '_') {
            type = 'Underline';
            i++;
          } else type = 'Italic';
          break;
        case '*':
          type = 'Bold';
          break;
        case '~':
          type = 'Strikethrough';
          break;
        case '|':
          if (source[i + 1] !== '|') throw reservedError(c);
          type = 'Spoiler';
          i++;
          break;
        case '[':
          type = 'TextUrl';
          break;
        case '!':
          if (source[i + 1] !== '[') throw reservedError(c);
          type = 'CustomEmoji';
          i++;
          break;
        case '`':
          if (source[i + 1] === '`' && source[i + 2] === '`') {
            type = 'Pre';
            i += 3;
            // Like tdlib: a word right after the fence (ended by whitespace) names the language.
            let end = i;
            while (end < source.length && !/\s/.test(source[end]!) && source[end] !== '`') end++;
            if (end !== i && end < source.length && source[end] !== '`') {
              language = source.slice(i, end);
              i = end;
            }
            if (source[i] === '\n' || source[i] === '\r') {
              const pair = (source[i + 1] === '\n' || source[i + 1] === '\r') && source[i] !== source[i + 1];
              i += pair ? 2 : 1;
            }
            i--;
          } else type = 'Code';
          break;
        default:
          throw reservedError(c);
      }
      stack.push({ type, offset: out.length, sourceIndex, ...(language ? { language } : {}) });
      continue;
    }

    const open = stack.pop()!;
    const length = out.length - open.offset;
    if (open.type === 'TextUrl' || open.type === 'CustomEmoji') {
      let url = '';
      if (source[i + 1] === '(') {
        let j = i + 2;
        while (j < source.length && source[j] !== ')') {
          if (source[j] === '\\' && (source[j + 1] === ')' || source[j + 1] === '\\')) j++;
          url += source[j];
          j++;
        }
        if (j >= source.length) {
          throw cantParse(`Can't find end of a URL at byte offset ${byteOffset(source, i + 1)}`);
        }
        i = j;
      } else {
        url = out.slice(open.offset);
      }
      if (open.type === 'CustomEmoji') {
        entities.push({ type: 'custom_emoji', offset: open.offset, length, custom_emoji_id: url.replace(/^tg:\/\/emoji\?id=/, '') });
      } else if (url !== '') {
        entities.push({ type: 'text_link', offset: open.offset, length, url });
      }
      continue;
    }
    if (open.type === 'Pre') {
      i += 2;
      // A trailing newline before the closing fence is formatting, not content.
      entities.push({
        type: 'pre',
        offset: open.offset,
        length,
        ...(open.language ? { language: open.language } : {}),
      });
      continue;
    }
    if (open.type === 'Underline' || open.type === 'Spoiler') i++;
    entities.push({ type: MD_ENTITY_TYPE[open.type], offset: open.offset, length });
  }

  const unclosed = stack.at(-1);
  if (unclosed) {
    throw cantParse(
      `Can't find end of ${unclosed.type} entity at byte offset ${byteOffset(source, unclosed.sourceIndex)}`,
    );
  }
  if (quoteStart !== undefined) {
    entities.push({ type: 'blockquote', offset: quoteStart, length: out.length - quoteStart });
  }
  return { text: out, entities: sortEntities(entities) };
}

function reservedError(c: string): Error {
  return cantParse(`Character '${c}' is reserved and must be escaped with the preceding '\\'`);
}

// ---------------------------------------------------------------------------------------------
// Legacy Markdown

export function parseMarkdown(source: string): Formatted {
  let out = '';
  const entities: TgEntity[] = [];
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\' && '_*`['.includes(source[i + 1] ?? '')) {
      out += source[i + 1];
      i++;
      continue;
    }
    if (!'_*`['.includes(c)) {
      out += c;
      continue;
    }
    const start = i;
    const fence = c === '`' && source.startsWith('```', i);
    const closing = fence ? '```' : c === '[' ? ']' : c;
    const bodyStart = i + (fence ? 3 : 1);
    const end = source.indexOf(closing, bodyStart);
    if (end < 0) {
      throw cantParse(`Can't find end of the entity starting at byte offset ${byteOffset(source, start)}`);
    }
    let body = source.slice(bodyStart, end);
    const offset = out.length;
    i = end + closing.length - 1;
    if (c === '[') {
      const urlMatch = /^\(([^)]*)\)/.exec(source.slice(end + 1));
      out += body;
      if (urlMatch) {
        i = end + urlMatch[0].length;
        if (urlMatch[1]) entities.push({ type: 'text_link', offset, length: body.length, url: urlMatch[1] });
      }
      continue;
    }
    let language: string | undefined;
    if (fence) {
      const nl = body.indexOf('\n');
      if (nl > 0 && /^[^\s]+$/.test(body.slice(0, nl))) {
        language = body.slice(0, nl);
        body = body.slice(nl + 1);
      }
    }
    out += body;
    const type = fence ? 'pre' : c === '`' ? 'code' : c === '*' ? 'bold' : 'italic';
    entities.push({ type, offset, length: body.length, ...(language ? { language } : {}) });
  }
  return { text: out, entities: sortEntities(entities) };
}

// ---------------------------------------------------------------------------------------------
// Entities Telegram detects in what users type

/** bot_command and mention entities, which bots (and telegraf's `command()`) rely on. */
export function detectUserEntities(text: string): TgEntity[] {
  const entities: TgEntity[] = [];
  const command = /(^|[\s])(\/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?)(?![A-Za-z0-9_@/])/g;
  for (let m = command.exec(text); m; m = command.exec(text)) {
    entities.push({ type: 'bot_command', offset: m.index + m[1]!.length, length: m[2]!.length });
  }
  const mention = /(^|[^A-Za-z0-9_/@])(@[A-Za-z0-9_]{5,32})(?![A-Za-z0-9_])/g;
  for (let m = mention.exec(text); m; m = mention.exec(text)) {
    entities.push({ type: 'mention', offset: m.index + m[1]!.length, length: m[2]!.length });
  }
  return sortEntities(entities);
}
