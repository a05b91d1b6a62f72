/**
 * Escaped-by-default HTML templates.
 *
 * `html` escapes every interpolation, so the output is safe in exactly these contexts:
 * - element text, including `<title>` and `<textarea>` (but not `<script>` or `<style>`);
 * - attribute values wrapped in double quotes or single quotes.
 *
 * NOT safe, whatever the escaping: unquoted attribute values, tag or attribute names, the content of
 * `<script>`/`<style>`, event-handler attributes (`on*`), `style` attributes, and URL attributes
 * (`href`, `src`, `action`, ...) when the URL comes from a user — `javascript:` needs no special
 * characters. Pass such URLs through `safeUrl()` first. To hand data to scripts, put it in a quoted
 * `data-*` attribute, or JSON in `<script type="application/json">` via `raw()` with every `<`
 * replaced by `\u003c`.
 *
 * Layouts and partials are plain functions that return `SafeHtml`; interpolating a `SafeHtml`
 * inserts it unchanged, so composition never double-escapes.
 */

/** A string of HTML that has already been escaped or is trusted by the developer. */
export class SafeHtml {
  readonly value: string;

  constructor(value: string) {
    this.value = value;
  }

  toString(): string {
    return this.value;
  }

  /** So `JSON.stringify` and loggers show the markup rather than `{"value":...}`. */
  toJSON(): string {
    return this.value;
  }
}

// `&<>"'` cover text and both quoted attribute forms. The backtick is escaped too because old IE
// treated it as an attribute quote; it costs nothing. `=` is not escaped: it only matters in
// unquoted attributes, which no escaping makes safe (a space is enough to break out of them).
const NEEDS_ESCAPE = /[&<>"'`]/;
const ESCAPE_ALL = /[&<>"'`]/g;
const ENTITY: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};

function replaceChar(char: string): string {
  return ENTITY[char]!;
}

/**
 * Escapes text for element content and quoted attribute values. Something other than a string
 * (from untyped code) is turned into text first, as `html` would render it, never thrown on.
 */
export function escapeHtml(text: string): string {
  const value = typeof text === "string" ? text : textOf(text);
  return NEEDS_ESCAPE.test(value) ? value.replace(ESCAPE_ALL, replaceChar) : value;
}

/**
 * `String(value)`, except for values it throws on: a null-prototype object has no toString, and
 * one whose toString throws would turn a page render into a 500 for a value that is only shown.
 */
function textOf(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Marks developer-trusted markup as safe. Never pass user input here. */
export function raw(trusted: string): SafeHtml {
  return new SafeHtml(String(trusted));
}

/** Values that render sensibly; anything else goes through `String()` and is escaped. */
export type HtmlValue =
  | SafeHtml
  | string
  | number
  | bigint
  | boolean
  | null
  | undefined
  | readonly HtmlValue[];

// Booleans render as nothing (not "true"/"false") so `cond && html`...`` and `cond || x` read well.
function render(value: unknown): string {
  if (typeof value === "string") return escapeHtml(value);
  if (value instanceof SafeHtml) return value.value;
  if (value === null || value === undefined || typeof value === "boolean") return "";
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (Array.isArray(value)) {
    let out = "";
    for (const item of value) out += render(item);
    return out;
  }
  return escapeHtml(textOf(value));
}

/**
 * Tagged template: `html\`<p title="${title}">${body}</p>\`` escapes `title` and `body` unless they
 * are `SafeHtml`. Arrays (nested too) are concatenated without a separator.
 */
export function html(strings: TemplateStringsArray, ...values: readonly unknown[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) {
    out += render(values[i]);
    out += strings[i + 1]!;
  }
  return new SafeHtml(out);
}

/** Escapes and concatenates values as `html` would, e.g. for the output of `Array.map`. */
export function join(values: readonly unknown[], separator: SafeHtml | string = ""): SafeHtml {
  const sep = render(separator);
  let out = "";
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += sep;
    out += render(values[i]);
  }
  return new SafeHtml(out);
}

const SAFE_SCHEMES = new Set(["http", "https", "mailto"]);
// Browsers delete ASCII tab and newlines anywhere in a URL and trim C0 controls and spaces at both
// ends before looking for a scheme, so "java\tscript:" is javascript:. Do the same before judging.
const URL_REMOVED_ANYWHERE = /[\t\n\r]/g;
const URL_TRIMMED = /^[\u0000-\u0020]+|[\u0000-\u0020]+$/g;

/**
 * Lets through http(s), mailto and relative URLs; anything else (javascript:, data:, vbscript:,
 * file:, unknown schemes, scheme-relative `//host` and its backslash spellings) becomes `fallback`. The result still needs attribute escaping, which `html`
 * does. A colon before the first `/`, `?` or `#` is treated as a scheme, so relative URLs whose first
 * segment contains a colon must be written as `./a:b`.
 */
export function safeUrl(url: string, fallback = "about:blank"): string {
  if (typeof url !== "string") return fallback;
  const cleaned = cleanUrl(url);
  // "//evil.example" looks relative but names another host, and browsers read "\" as "/" in
  // http(s) URLs, so "/\evil.example" and "\\evil.example" do too: refused, like off-site schemes
  // that were not asked for. Write the scheme to link to another site on purpose.
  if (startsWithAuthority(cleaned)) return fallback;
  for (let i = 0; i < cleaned.length; i++) {
    const c = cleaned.charCodeAt(i);
    if (c === 0x2f || c === 0x3f || c === 0x23) return cleaned; // "/", "?", "#": relative
    if (c === 0x3a) {
      return SAFE_SCHEMES.has(cleaned.slice(0, i).toLowerCase()) ? cleaned : fallback;
    }
  }
  return cleaned;
}

/** What a browser makes of `url` before parsing it: tabs and newlines removed, ends trimmed. */
export function cleanUrl(url: string): string {
  return url.replace(URL_REMOVED_ANYWHERE, "").replace(URL_TRIMMED, "");
}

/** Two slashes or backslashes at the start: a browser takes what follows as a host name. */
export function startsWithAuthority(cleaned: string): boolean {
  const first = cleaned.charCodeAt(0);
  const second = cleaned.charCodeAt(1);
  return (first === 0x2f || first === 0x5c) && (second === 0x2f || second === 0x5c);
}
