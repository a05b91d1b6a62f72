import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { escapeHtml, html, join, raw, SafeHtml, safeUrl } from "../../src/app/template.js";

// OWASP XSS filter-evasion style payloads. Each must come back out of the markup unchanged as data.
const PAYLOADS: readonly string[] = [
  "<script>alert(1)</script>",
  "<SCRIPT SRC=//xss.example/x.js></SCRIPT>",
  '"><img src=x onerror=alert(1)>',
  "'><img src=x onerror=alert(1)>",
  "' onmouseover='alert(1)",
  '" onmouseover="alert(1)',
  "` onmouseover=`alert(1)",
  "</title><script>alert(1)</script>",
  "</textarea><script>alert(1)</script>",
  "</style><script>alert(1)</script>",
  "javascript:alert(1)",
  "JaVaScRiPt:alert(document.cookie)",
  "java\tscript:alert(1)",
  "&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)",
  "&#x6A;avascript:alert(1)",
  "&lt;script&gt;alert(1)&lt;/script&gt;",
  "&quot; onfocus=&quot;alert(1)",
  "&amp;lt;",
  "&#0000106&#0000097",
  "<img src=`x` onerror=`alert(1)`>",
  '<img """><script>alert(1)</script>">',
  "<svg/onload=alert(1)>",
  "<svg><script>alert(1)</script></svg>",
  '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
  "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
  '<iframe src="data:text/html,<script>alert(1)</script>"></iframe>',
  "<body onload=alert(1)>",
  "<input autofocus onfocus=alert(1)>",
  "<details open ontoggle=alert(1)>",
  "<a href=\"javascript:alert('x')\">x</a>",
  "<<script>alert(1);//<</script>",
  "<scr<script>ipt>alert(1)</scr</script>ipt>",
  '<!--<img src="--><img src=x onerror=alert(1)//">',
  "<![CDATA[<script>alert(1)</script>]]>",
  "\u0000<script>alert(1)</script>",
  "a\u0000\"\u0000'",
  "+ADw-script+AD4-alert(1)+ADw-/script+AD4-",
  "\u00bcscript\u00bealert(1)\u00bc/script\u00be",
  "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",
  "<IMG SRC=JaVaScRiPt:alert('XSS')>",
  "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
  "'\"'\"\"''",
  "\"'`=<>&;",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the payload is a literal "${" on purpose
  "${alert(1)}{{constructor.constructor('alert(1)')()}}",
  "<style>@import 'javascript:alert(1)';</style>",
  '<div style="background:url(javascript:alert(1))">',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  "=x onerror=alert(1) ",
  "\r\n\t<script>",
  "😀<script>😀</script>\ud800",
];

const ENTITIES: Readonly<Record<string, string>> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
};

/** Decodes character references as a browser would for our output (named subset plus numeric). */
function decodeEntities(text: string): string {
  return text.replace(/&(#[xX][0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref.startsWith("#x") || ref.startsWith("#X")) {
      return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    }
    if (ref.startsWith("#")) return String.fromCodePoint(Number.parseInt(ref.slice(1), 10));
    return ENTITIES[ref] ?? whole;
  });
}

/** Every "&" must start a reference we produce; otherwise decoding could be ambiguous. */
function assertOnlyOurReferences(text: string): void {
  assert.doesNotMatch(text, /&(?!amp;|lt;|gt;|quot;|#39;|#96;)/);
}

interface StartTag {
  name: string;
  attributes: Array<[string, string]>;
  rest: string;
}

/**
 * A start-tag tokenizer following the HTML attribute states (name, before value, double-quoted,
 * single-quoted, unquoted). It is how a browser would split the markup, which is what matters.
 */
function parseStartTag(markup: string): StartTag {
  assert.equal(markup[0], "<");
  let i = 1;
  let name = "";
  while (i < markup.length && !/[\s/>]/.test(markup[i]!)) name += markup[i++];
  const attributes: Array<[string, string]> = [];
  for (;;) {
    while (i < markup.length && /[\s/]/.test(markup[i]!)) i++;
    if (i >= markup.length) throw new Error("unterminated tag");
    if (markup[i] === ">") return { name, attributes, rest: markup.slice(i + 1) };
    let attrName = markup[i++]!;
    while (i < markup.length && !/[\s/>=]/.test(markup[i]!)) attrName += markup[i++];
    while (i < markup.length && /\s/.test(markup[i]!)) i++;
    let value = "";
    if (markup[i] === "=") {
      i++;
      while (i < markup.length && /\s/.test(markup[i]!)) i++;
      const quote = markup[i];
      if (quote === '"' || quote === "'") {
        const end = markup.indexOf(quote, i + 1);
        if (end === -1) throw new Error("unterminated attribute value");
        value = markup.slice(i + 1, end);
        i = end + 1;
      } else {
        while (i < markup.length && !/[\s>]/.test(markup[i]!)) value += markup[i++];
      }
    }
    attributes.push([attrName.toLowerCase(), decodeEntities(value)]);
  }
}

function checkText(payload: string): void {
  const out = html`<p>${payload}</p>`.value;
  const inner = out.slice("<p>".length, -"</p>".length);
  assert.ok(out.startsWith("<p>") && out.endsWith("</p>"));
  // In the data and RCDATA states only "<" can start markup.
  assert.ok(!inner.includes("<"), `"<" survived in ${JSON.stringify(inner)}`);
  assertOnlyOurReferences(inner);
  assert.equal(decodeEntities(inner), payload);
  // The same holds inside <title>, an RCDATA element the payloads try to close.
  const title = html`<title>${payload}</title>`.value;
  assert.equal(title.indexOf("</"), title.length - "</title>".length);
}

function checkAttribute(payload: string, quote: '"' | "'"): void {
  const out =
    quote === '"'
      ? html`<a title="${payload}" href="/">x</a>`.value
      : html`<a title='${payload}' href='/'>x</a>`.value;
  const tag = parseStartTag(out);
  assert.equal(tag.name, "a");
  assert.deepEqual(tag.attributes, [
    ["title", payload],
    ["href", "/"],
  ]);
  assert.equal(tag.rest, "x</a>");
  assertOnlyOurReferences(out);
}

describe("html escaping against an XSS corpus", () => {
  it("has a corpus of at least 40 distinct payloads", () => {
    assert.ok(new Set(PAYLOADS).size >= 40);
  });

  for (const payload of PAYLOADS) {
    it(`keeps ${JSON.stringify(payload)} as data in text and quoted attributes`, () => {
      checkText(payload);
      checkAttribute(payload, '"');
      checkAttribute(payload, "'");
    });
  }

  it("round-trips arbitrary strings in every safe context", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (payload) => {
        checkText(payload);
        checkAttribute(payload, '"');
        checkAttribute(payload, "'");
      }),
      { numRuns: 500 },
    );
  });

  it("escapes exactly & < > \" ' and backtick", () => {
    assert.equal(escapeHtml("&<>\"'`=/"), "&amp;&lt;&gt;&quot;&#39;&#96;=/");
    const plain = "nothing to escape here";
    assert.equal(escapeHtml(plain), plain);
  });
});

describe("html composition", () => {
  it("returns SafeHtml with value and toString", () => {
    const out = html`<b>${"x"}</b>`;
    assert.ok(out instanceof SafeHtml);
    assert.equal(out.value, "<b>x</b>");
    assert.equal(String(out), "<b>x</b>");
    assert.equal(`${out}`, "<b>x</b>");
    assert.equal(JSON.stringify({ out }), '{"out":"<b>x</b>"}');
  });

  it("inserts SafeHtml as is and never double-escapes", () => {
    const inner = html`<i>${"a&b"}</i>`;
    assert.equal(html`<b>${inner}</b>`.value, "<b><i>a&amp;b</i></b>");
    assert.equal(html`${html`${html`${"<"}`}`}`.value, "&lt;");
  });

  it("raw trusts its input and nothing else does", () => {
    assert.equal(html`${raw("<hr>")}`.value, "<hr>");
    // A look-alike object is not trusted: it goes through String() and is escaped.
    const fake = { value: "<b>", toString: () => "<b>" };
    assert.equal(html`${fake}`.value, "&lt;b&gt;");
  });

  it("joins arrays and nested arrays without separators, escaping strings inside", () => {
    const items = ["<a>", "b"];
    assert.equal(
      html`<ul>${items.map((item) => html`<li>${item}</li>`)}</ul>`.value,
      "<ul><li>&lt;a&gt;</li><li>b</li></ul>",
    );
    assert.equal(html`${["a", ["<", [raw("<br>"), 1]], []]}`.value, "a&lt;<br>1");
  });

  const renderings: Array<[string, unknown, string]> = [
    ["null", null, ""],
    ["undefined", undefined, ""],
    ["false", false, ""],
    ["true", true, ""],
    ["zero", 0, "0"],
    ["negative float", -1.5, "-1.5"],
    ["NaN", Number.NaN, "NaN"],
    ["bigint", 12345678901234567890n, "12345678901234567890"],
    ["empty string", "", ""],
    ["Date-like object", { toString: () => "a<b" }, "a&lt;b"],
    ["plain object", { a: 1 }, "[object Object]"],
    ["symbol-free error", new Error("<x>"), "Error: &lt;x&gt;"],
  ];
  for (const [label, value, expected] of renderings) {
    it(`renders ${label} as ${JSON.stringify(expected)}`, () => {
      assert.equal(html`[${value}]`.value, `[${expected}]`);
    });
  }

  it("supports layouts and partials as plain functions", () => {
    const layout = (title: string, body: SafeHtml) =>
      html`<!doctype html><title>${title}</title><main>${body}</main>`;
    const card = (name: string) => html`<div class="card" data-name="${name}">${name}</div>`;
    const page = layout("A & B", html`${["x", '"y"'].map(card)}`);
    assert.equal(
      page.value,
      "<!doctype html><title>A &amp; B</title><main>" +
        '<div class="card" data-name="x">x</div>' +
        '<div class="card" data-name="&quot;y&quot;">&quot;y&quot;</div></main>',
    );
  });

  it("keeps `cond && template` idiom working", () => {
    const show = (flag: boolean) => html`<p>${flag && html`<b>on</b>`}</p>`.value;
    assert.equal(show(true), "<p><b>on</b></p>");
    assert.equal(show(false), "<p></p>");
  });

  it("join uses an escaped or trusted separator", () => {
    assert.equal(join(["a", "<b>"], ", ").value, "a, &lt;b&gt;");
    assert.equal(join([raw("<i>1</i>"), 2], raw("<br>")).value, "<i>1</i><br>2");
    assert.equal(join([], "-").value, "");
  });
});

describe("safeUrl", () => {
  const cases: Array<[string, string]> = [
    ["https://example.com/a?b=c#d", "https://example.com/a?b=c#d"],
    ["HTTP://example.com", "HTTP://example.com"],
    ["mailto:a@example.com", "mailto:a@example.com"],
    ["/relative/path", "/relative/path"],
    ["relative/path:with-colon-later", "relative/path:with-colon-later"],
    ["?q=1", "?q=1"],
    ["#top", "#top"],
    // Scheme-relative: looks relative, names another host (issue 13 item 7).
    ["//cdn.example.com/x.js", "about:blank"],
    ["page.html", "page.html"],
    ["", ""],
    ["  https://example.com  ", "https://example.com"],
    ["javascript:alert(1)", "about:blank"],
    ["JavaScript:alert(1)", "about:blank"],
    [" \u0000javascript:alert(1)", "about:blank"],
    ["java\tscript:alert(1)", "about:blank"],
    ["java\nscript:alert(1)", "about:blank"],
    ["java\rscript:alert(1)", "about:blank"],
    ["\u0001javascript:alert(1)", "about:blank"],
    ["vbscript:msgbox(1)", "about:blank"],
    ["data:text/html,<script>alert(1)</script>", "about:blank"],
    ["file:///etc/passwd", "about:blank"],
    ["blob:https://example.com/uuid", "about:blank"],
    ["a:b", "about:blank"],
    ["\\javascript:alert(1)", "about:blank"],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => {
      assert.equal(safeUrl(input), expected);
    });
  }

  it("uses the given fallback", () => {
    assert.equal(safeUrl("javascript:x", "#"), "#");
  });

  it("still gets attribute-escaped by html", () => {
    const href = safeUrl('https://e.com/"><script>');
    assert.equal(
      html`<a href="${href}">`.value,
      '<a href="https://e.com/&quot;&gt;&lt;script&gt;">',
    );
  });
});
