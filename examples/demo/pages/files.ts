import { createWriteStream } from "node:fs";
import { rm, stat } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import type { Request, Response, SafeHtml, Server } from "../../../src/index.js";
import { HttpError, html, sendFile } from "../../../src/index.js";
import { flashNotice, renderPage } from "../layout.js";
import { csrfToken } from "../session.js";
import { type DemoStore, newId, type StoredFile } from "../store.js";

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
  // The body is streamed by the handler, so the CSRF token rides in the query string.
  const action = `/files?_csrf=${encodeURIComponent(csrfToken(request))}`;
  return html`<form method="post" action="${action}" enctype="multipart/form-data" class="form card" id="upload-form">
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

/** Streams every file part to disk; a failure removes what this request wrote. */
async function receiveUploads(
  request: Request,
  store: DemoStore,
  limits: UploadLimits,
): Promise<StoredFile[]> {
  const saved: StoredFile[] = [];
  try {
    for await (const part of request.multipart(limits)) {
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

export function fileRoutes(app: Server, store: DemoStore, limits: UploadLimits): void {
  app.get("/files", (request, response) => filesPage(request, response, store, limits));

  app.post(
    "/files",
    async (request, response) => {
      // The CSRF guard skips this route (it would have to buffer the files to find the field):
      // the token comes in the form's action URL and is checked before any byte is read.
      if (!request.session.verifyCsrfToken(request.query._csrf)) {
        throw new HttpError(403, "The form expired or was not sent by this site: reload and retry");
      }
      const saved = await receiveUploads(request, store, limits);
      if (saved.length === 0) throw new HttpError(400, "Choose a file to upload");
      await store.files.update((files) => files.push(...saved));
      const names = saved.map((file) => file.originalName).join(", ");
      flashNotice(request, "success", `Uploaded ${names}.`);
      response.redirect("/files", 303);
    },
    // The whole body may hold every file plus a little multipart framing.
    { bodyLimit: limits.maxFileBytes * limits.maxFiles + 64 * 1024 },
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
