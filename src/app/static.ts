import { statSync } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import { join, resolve, sep } from "node:path";
import { HttpError } from "../wire/http-error.js";
import { ConfigError } from "../wire/options.js";
import { contentTypeFor } from "./mime.js";
import { type ContentCoding, preferredEncoding } from "./negotiate.js";
import type { Request } from "./request.js";
import type { Response } from "./response.js";
import type { Handler } from "./routes.js";
import {
  DEFAULT_CACHE_CONTROL,
  type OpenFile,
  openRegularFile,
  respondWithFile,
} from "./send-file.js";

export { contentDisposition, type SendFileOptions, sendFile } from "./send-file.js";

export interface StaticOptions {
  /** Files tried for a directory URL ending in "/". Default ["index.html"]; false for none. */
  index?: string | readonly string[] | false;
  /** A directory URL without its trailing slash: 301 to the slash form (default) or 404. */
  redirect?: boolean;
  /** Paths with a segment starting with ".": "ignore" → 404 (default), "deny" → 403, "allow". */
  dotfiles?: "ignore" | "deny" | "allow";
  /** Serve symlinks that resolve outside the root. Default false (checked with realpath). */
  followSymlinks?: boolean;
  /** Serve `file.br` / `file.gz` beside `file` to clients that accept them. Default false. */
  precompressed?: boolean | readonly ContentCoding[];
  /** Cache-Control max-age in seconds. Default 0 (caches revalidate every time). */
  maxAge?: number;
  /** Add `immutable` to Cache-Control (for fingerprinted file names). Default false. */
  immutable?: boolean;
  /**
   * Cache-Control for each file, given its path relative to the root ("css/site.css").
   * A string, false for no header, or undefined for the maxAge/immutable value. Overrides those.
   */
  cacheControl?: string | false | ((relativePath: string) => string | false | undefined);
  /** Name of the route parameter holding the file path. Default: "*", else the route's last. */
  param?: string;
  /**
   * For routes without parameters: the URL prefix to strip from `request.path`,
   * e.g. "/static" for `app.route("/static", …)`. Default "" (the whole path is the file path).
   */
  prefix?: string;
}

const KNOWN_OPTIONS = new Set([
  "index",
  "redirect",
  "dotfiles",
  "followSymlinks",
  "precompressed",
  "maxAge",
  "immutable",
  "cacheControl",
  "param",
  "prefix",
]);

const ENCODING_SUFFIX: Readonly<Record<ContentCoding, string>> = { br: ".br", gzip: ".gz" };
const WINDOWS = process.platform === "win32";

interface StaticSettings {
  readonly root: string;
  readonly index: readonly string[];
  readonly redirect: boolean;
  readonly dotfiles: "ignore" | "deny" | "allow";
  readonly followSymlinks: boolean;
  readonly precompressed: readonly ContentCoding[];
  readonly cacheControl: (relativePath: string) => string | false;
  readonly param: string | undefined;
  readonly prefix: string;
}

function resolveSettings(root: string, options: StaticOptions): StaticSettings {
  if (typeof root !== "string" || root === "") {
    throw new ConfigError('serveStatic(root) needs a directory path, e.g. serveStatic("./public")');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw new ConfigError(
        `Unknown serveStatic option '${key}'. Known options: ${[...KNOWN_OPTIONS].join(", ")}.`,
      );
    }
  }
  const absolute = resolve(root);
  let isDirectory = false;
  try {
    isDirectory = statSync(absolute).isDirectory();
  } catch {}
  if (!isDirectory) {
    throw new ConfigError(
      `serveStatic root '${absolute}' is not a directory: create it or pass the right path`,
    );
  }
  const index = options.index === false ? [] : [options.index ?? "index.html"].flat();
  for (const name of index) {
    if (typeof name !== "string" || name === "" || /[/\\\0]/.test(name) || name.startsWith(".")) {
      throw new ConfigError(
        `serveStatic 'index' entries must be plain file names like "index.html", got ${JSON.stringify(name)}`,
      );
    }
  }
  const dotfiles = options.dotfiles ?? "ignore";
  if (dotfiles !== "ignore" && dotfiles !== "deny" && dotfiles !== "allow") {
    throw new ConfigError(`serveStatic 'dotfiles' must be "ignore", "deny" or "allow"`);
  }
  const precompressed =
    options.precompressed === true
      ? (["br", "gzip"] as const)
      : options.precompressed === false || options.precompressed === undefined
        ? []
        : options.precompressed;
  if (!Array.isArray(precompressed) || precompressed.some((c) => c !== "br" && c !== "gzip")) {
    throw new ConfigError(
      `serveStatic 'precompressed' must be a boolean or a list of "br", "gzip"`,
    );
  }
  const maxAge = options.maxAge ?? 0;
  if (!Number.isInteger(maxAge) || maxAge < 0) {
    throw new ConfigError(
      `serveStatic 'maxAge' is in whole seconds ≥ 0 (e.g. 31536000 for a year), got ${String(maxAge)}`,
    );
  }
  const fixed =
    maxAge === 0 && options.immutable !== true
      ? DEFAULT_CACHE_CONTROL
      : `public, max-age=${maxAge}${options.immutable === true ? ", immutable" : ""}`;
  const given = options.cacheControl;
  let cacheControl: (relativePath: string) => string | false;
  if (given === undefined) cacheControl = () => fixed;
  else if (typeof given === "string" || given === false) cacheControl = () => given;
  else if (typeof given === "function") cacheControl = (path) => given(path) ?? fixed;
  else {
    throw new ConfigError(
      "serveStatic 'cacheControl' must be a string, false, or a function (relativePath) => string | false | undefined",
    );
  }
  const prefix = options.prefix ?? "";
  if (prefix !== "" && (!prefix.startsWith("/") || prefix.endsWith("/"))) {
    throw new ConfigError(`serveStatic 'prefix' must start with "/" and not end with "/"`);
  }
  return {
    root: absolute,
    index,
    redirect: options.redirect ?? true,
    dotfiles,
    followSymlinks: options.followSymlinks === true,
    precompressed,
    cacheControl,
    param: options.param,
    prefix,
  };
}

/**
 * The file path the request asks for, percent-decoded, relative to the root. From the route's
 * catch-all parameter (`options.param`, else `*`, else the last parameter: a catch-all is always
 * last), or for routes without parameters from `request.path` after `options.prefix`.
 */
function requestedPath(request: Request, settings: StaticSettings): string {
  const params = request.params;
  if (settings.param !== undefined) {
    const value = params[settings.param];
    if (value === undefined) {
      throw new Error(
        `serveStatic: the route has no parameter '${settings.param}'; register it as "/prefix/*${settings.param}"`,
      );
    }
    return value;
  }
  if (params["*"] !== undefined) return params["*"];
  const names = Object.keys(params);
  if (names.length > 0) return params[names[names.length - 1]!]!;
  const path = request.path;
  const prefix = settings.prefix;
  if (prefix !== "" && path !== prefix && !path.startsWith(`${prefix}/`)) {
    throw new HttpError(404);
  }
  const rest = path.slice(prefix.length + 1);
  try {
    return rest.split("/").map(decodeURIComponent).join("/");
  } catch {
    throw new HttpError(400, "Malformed percent-encoding in path");
  }
}

const DRIVE = /^[A-Za-z]:/;

/**
 * Splits the decoded path into safe segments, without touching the file system. Anything that
 * could name a file outside the root (".." or "." segments, backslashes, absolute paths, empty
 * segments, drive letters) is a 404; a NUL byte is a 400. A trailing "/" asks for a directory.
 */
function safeSegments(
  path: string,
  settings: StaticSettings,
): { segments: string[]; directory: boolean } {
  if (path.includes("\0")) throw new HttpError(400, "NUL byte in path");
  if (path.includes("\\")) throw new HttpError(404);
  const segments = path === "" ? [] : path.split("/");
  const directory = segments.length === 0 || segments[segments.length - 1] === "";
  if (directory && segments.length > 0) segments.pop();
  for (const segment of segments) {
    if (
      segment === "" ||
      segment === "." ||
      segment === ".." ||
      (WINDOWS && segment.includes(":"))
    ) {
      throw new HttpError(404);
    }
    if (segment.startsWith(".") && settings.dotfiles !== "allow") {
      throw new HttpError(settings.dotfiles === "deny" ? 403 : 404);
    }
  }
  if (segments.length > 0 && DRIVE.test(segments[0]!)) throw new HttpError(404);
  return { segments, directory };
}

function inside(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * The real path of `segments` under the root, or undefined if it does not exist or (unless
 * symlinks may be followed) resolves outside the root.
 */
async function locate(
  settings: StaticSettings,
  segments: readonly string[],
): Promise<string | undefined> {
  const candidate = join(settings.root, ...segments);
  if (!inside(candidate, settings.root)) return undefined;
  if (settings.followSymlinks) return candidate;
  try {
    // The root is resolved each time so a deploy that swaps a symlinked root is picked up.
    const [real, realRoot] = await Promise.all([realpath(candidate), realpath(settings.root)]);
    return inside(real, realRoot) ? real : undefined;
  } catch {
    return undefined;
  }
}

async function openInside(
  settings: StaticSettings,
  segments: readonly string[],
): Promise<OpenFile | undefined> {
  const path = await locate(settings, segments);
  return path === undefined ? undefined : openRegularFile(path);
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Picks the precompressed sibling the client prefers, if any exists. */
async function openVariant(
  request: Request,
  settings: StaticSettings,
  segments: readonly string[],
): Promise<{ file: OpenFile; encoding: ContentCoding } | undefined> {
  const accept = request.headers.get("accept-encoding");
  if (accept === undefined) return undefined;
  const last = segments[segments.length - 1]!;
  const candidates = settings.precompressed.filter((coding) => {
    const choice = preferredEncoding(accept, [coding]);
    return choice === coding;
  });
  if (candidates.length === 0) return undefined;
  const opened = new Map<ContentCoding, OpenFile>();
  // allSettled: when one open fails unexpectedly, the others' handles must still be closed.
  const results = await Promise.allSettled(
    candidates.map((coding) =>
      openInside(settings, [...segments.slice(0, -1), last + ENCODING_SUFFIX[coding]]),
    ),
  );
  let failure: PromiseRejectedResult | undefined;
  results.forEach((result, index) => {
    if (result.status === "rejected") failure = result;
    else if (result.value !== undefined) opened.set(candidates[index]!, result.value);
  });
  if (failure !== undefined) {
    await Promise.all([...opened.values()].map((file) => file.handle.close()));
    throw failure.reason;
  }
  const choice = preferredEncoding(accept, [...opened.keys()]);
  let chosen: { file: OpenFile; encoding: ContentCoding } | undefined;
  for (const [coding, file] of opened) {
    if (coding === choice) chosen = { file, encoding: coding };
    else await file.handle.close();
  }
  return chosen;
}

async function serveFile(
  request: Request,
  response: Response,
  settings: StaticSettings,
  segments: readonly string[],
  file: OpenFile,
): Promise<void> {
  const relative = segments.join("/");
  const contentType = contentTypeFor(relative) ?? "application/octet-stream";
  const varyEncoding = settings.precompressed.length > 0;
  let variant: Awaited<ReturnType<typeof openVariant>>;
  let cacheControl: string | false;
  try {
    cacheControl = settings.cacheControl(relative);
    variant = varyEncoding ? await openVariant(request, settings, segments) : undefined;
  } catch (error) {
    await file.handle.close();
    throw error;
  }
  if (variant !== undefined) await file.handle.close();
  await respondWithFile(request, response, variant?.file ?? file, {
    contentType,
    cacheControl,
    encoding: variant?.encoding,
    varyEncoding,
  });
}

/**
 * A handler serving files under `root` for a catch-all route:
 * `app.get("/static/*path", serveStatic("./public"))` (GET also answers HEAD).
 * The file path is the route's catch-all parameter (see `StaticOptions.param` / `prefix`).
 * Missing files, hidden dotfiles and every path that would leave the root are 404s thrown as
 * HttpError, so the app's error pages render them. Other methods than GET/HEAD get 405.
 */
export function serveStatic(root: string, options: StaticOptions = {}): Handler {
  const settings = resolveSettings(root, options);
  return async (request, response) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      throw new HttpError(405, `${request.method} is not allowed here`, {
        headers: { allow: "GET, HEAD" },
      });
    }
    const { segments, directory } = safeSegments(requestedPath(request, settings), settings);
    if (!directory) {
      const file = await openInside(settings, segments);
      if (file !== undefined) return serveFile(request, response, settings, segments, file);
      const path = await locate(settings, segments);
      if (path !== undefined && (await isDirectory(path))) {
        if (!settings.redirect) throw new HttpError(404);
        // Collapsing leading slashes keeps "//evil.example" from becoming an off-site redirect.
        const query = request.url.indexOf("?");
        const location = `/${request.path.replace(/^\/+/, "")}/${query === -1 ? "" : request.url.slice(query)}`;
        response.status = 301;
        response.headers.set("location", location);
        response.body = `Redirecting to ${location}\n`;
        return;
      }
      throw new HttpError(404);
    }
    for (const name of settings.index) {
      const indexSegments = [...segments, name];
      const file = await openInside(settings, indexSegments);
      if (file !== undefined) return serveFile(request, response, settings, indexSegments, file);
    }
    throw new HttpError(404);
  };
}
