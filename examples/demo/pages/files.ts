import { createWriteStream } from "node:fs";
import { rm, stat } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import type { Request, Response, SafeHtml, Server } from "../../../src/index.js";
import { HttpError, html, sendFile } from "../../../src/index.js";
import { flashNotice, renderPage } from "../layout.js";
import { csrfToken } from "../session.js";
import { type DemoStore, newId, type StoredFile } from "../store.js";

/** The CSRF guard's field and header names (its defaults), checked here for the streamed upload. */
const CSRF_FIELD = "_csrf";
const CSRF_HEADER = "x-csrf-token";

const FORM_EXPIRED = "The form expired or was not sent by this site: reload and retry";

export interface UploadLimits {
  /** Largest single file. */
  maxFileBytes: number;
  /** Files per upload. */
  maxFiles: number;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function uploadForm(request: Request, limits: UploadLimits): SafeHtml {
  // The token is the form's first field: browsers send parts in document order, so the handler
  // checks it before it streams any file (and it never appears in a URL or the address bar).
  return html`<form method="post" action="/files" enctype="multipart/form-data" class="form card" id="upload-form">
    <input type="hidden" name="${CSRF_FIELD}" value="${csrfToken(request)}">
    <label for="file">Choose up to ${limits.maxFiles} files (each at most ${formatBytes(limits.maxFileBytes)})</label>
    <input id="file" type="file" name="file" multiple required>
    <button type="submit" class="button">Upload</button>
  </form>`;
}

function fileList(files: readonly StoredFile[]): SafeHtml {
  if (files.length === 0) return html`<p class="empty">Nothing uploaded yet.</p>`;
  const rows = [...files].reverse().map(
    (file) => html`<tr>
      <td><a href="/files/${file.id}" download>${file.originalName}</a></td>
      <td class="num">${formatBytes(file.size)}</td>
      <td><time datetime="${file.uploadedAt}">${file.uploadedAt.slice(0, 16).replace("T", " ")}</time></td></tr>`,
  );
  return html`<div class="table-wrap"><table class="table" id="file-table">
    <thead><tr><th>File</th><th class="num">Size</th><th>Uploaded (UTC)</th></tr></thead>
    <tbody>${rows}</tbody></table></div>`;
}

async function filesPage(
  request: Request,
  response: Response,
  store: DemoStore,
  limits: UploadLimits,
): Promise<void> {
  renderPage(
    request,
    response,
    html`<h1>Files</h1>
<p class="lead">Uploads stream straight to disk with <code>request.multipart()</code> and
  <code>pipeline()</code>; each is stored under a random name. Downloads support
  <code>Range</code> and <code>If-None-Match</code>.</p>
${uploadForm(request, limits)}
<h2>Uploaded files</h2>
${fileList(await store.files.all())}`,
    { title: "Files", nav: "/files" },
  );
}

/**
 * Streams every file part to disk; a failure removes what this request wrote. Unless the token
 * came in the x-csrf-token header, the first part must be the form's _csrf field: no file is
 * read before the token is.
 */
async function receiveUploads(
  request: Request,
  store: DemoStore,
  limits: UploadLimits,
  tokenChecked: boolean,
): Promise<StoredFile[]> {
  const saved: StoredFile[] = [];
  let verified = tokenChecked;
  try {
    for await (const part of request.multipart(limits)) {
      if (!verified) {
        const token = !part.isFile && part.name === CSRF_FIELD ? await part.text() : undefined;
        if (!request.session.verifyCsrfToken(token)) throw new HttpError(403, FORM_EXPIRED);
        verified = true;
        continue;
      }
      if (!part.isFile || part.name !== "file" || !part.filename) {
        await part.skip();
        continue;
      }
      const id = newId();
      const path = store.uploadPath(id);
      saved.push({ id, originalName: part.filename, size: 0, uploadedAt: "" });
      await pipeline(part, createWriteStream(path, { flags: "wx" }));
      const file = saved[saved.length - 1]!;
      file.size = (await stat(path)).size;
      file.uploadedAt = new Date().toISOString();
    }
  } catch (error) {
    await Promise.all(saved.map((file) => rm(store.uploadPath(file.id), { force: true })));
    throw error;
  }
  return saved;
}

/** The multipart limits' 413 messages name option values in bytes; the form speaks in MB. */
function friendlyLimit(error: unknown, limits: UploadLimits): unknown {
  if (!(error instanceof HttpError) || error.status !== 413) return error;
  const limit = /\((max\w+)\)$/.exec(error.message)?.[1];
  const message =
    limit === "maxFiles"
      ? `Choose at most ${limits.maxFiles} files per upload.`
      : limit === "maxFileBytes"
        ? `Each file may be at most ${formatBytes(limits.maxFileBytes)}.`
        : limit === undefined
          ? `The upload is larger than ${formatBytes(uploadBodyLimit(limits))} in all.`
          : error.message;
  return new HttpError(413, message, { headers: error.headers, close: error.close, cause: error });
}

/** The whole body may hold every file plus a little multipart framing. */
function uploadBodyLimit(limits: UploadLimits): number {
  return limits.maxFileBytes * limits.maxFiles + 64 * 1024;
}

export function fileRoutes(app: Server, store: DemoStore, limits: UploadLimits): void {
  app.get("/files", (request, response) => filesPage(request, response, store, limits));

  app.post(
    "/files",
    async (request, response) => {
      // The CSRF guard skips this route (it would have to buffer the files to find its field):
      // the token comes in the x-csrf-token header (scripts, curl) or as the form's first field,
      // and is checked before any file byte is read.
      const header = request.headers.get(CSRF_HEADER);
      if (header !== undefined && !request.session.verifyCsrfToken(header)) {
        throw new HttpError(403, FORM_EXPIRED);
      }
      const saved = await receiveUploads(request, store, limits, header !== undefined).catch(
        (error: unknown) => {
          throw friendlyLimit(error, limits);
        },
      );
      if (saved.length === 0) throw new HttpError(400, "Choose a file to upload");
      await store.files.update((files) => files.push(...saved));
      const names = saved.map((file) => file.originalName).join(", ");
      flashNotice(request, "success", `Uploaded ${names}.`);
      response.redirect("/files", 303);
    },
    { bodyLimit: uploadBodyLimit(limits) },
  );

  app.get("/files/:id", async (request, response) => {
    const file = (await store.files.all()).find((entry) => entry.id === request.params.id);
    if (file === undefined) throw new HttpError(404, "No such file");
    // Never render uploads inline: an uploaded .html would run as this site.
    response.headers.set("x-content-type-options", "nosniff");
    await sendFile(request, response, store.uploadPath(file.id), {
      download: file.originalName,
      contentType: "application/octet-stream",
      cacheControl: "private, max-age=0",
    });
  });
}
