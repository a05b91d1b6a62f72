import type { Request, Server } from "../../src/index.js";
import { HttpError } from "../../src/index.js";
import { noteInput } from "./schema.js";
import { type DemoStore, newId } from "./store.js";

const MAX_NOTES = 500;

/**
 * Bodies must be JSON. The route's `schema` would also validate an urlencoded or multipart form,
 * and an HTML form on another site can send those without a CORS preflight, so refusing them is
 * what lets this API go without CSRF tokens (see `app.ts`).
 */
function jsonBodiesOnly(request: Request): void {
  if (request.method === "GET" || request.method === "HEAD" || request.method === "DELETE") return;
  if (request.contentType !== "application/json") {
    throw new HttpError(415, "Expected a JSON body (Content-Type: application/json)");
  }
}

/**
 * A small JSON API. Errors (404, 400 with the validation issues, 405, 413, 415) are JSON too:
 * see `errors.ts`. No CSRF token is needed here: the API does not use the session, accepts only
 * application/json (which a cross-site form cannot send), and cross-site requests are refused.
 */
export function apiRoutes(app: Server, store: DemoStore): void {
  app.group("/api", (api) => {
    api.before(jsonBodiesOnly);
    api.get("/notes", async () => ({ notes: await store.notes.all() }));

    api.get("/notes/:id", async (request) => {
      const note = (await store.notes.all()).find((entry) => entry.id === request.params.id);
      if (note === undefined) throw new HttpError(404, `No note with id ${request.params.id}`);
      return note;
    });

    api.post(
      "/notes",
      async (request, response) => {
        const note = { id: newId(), ...request.valid.body, createdAt: new Date().toISOString() };
        await store.notes.update((notes) => {
          if (notes.length >= MAX_NOTES) {
            throw new HttpError(409, `The demo keeps at most ${MAX_NOTES} notes: delete some`);
          }
          notes.push(note);
        });
        response.headers.set("location", `/api/notes/${note.id}`);
        response.json(note, 201);
      },
      { schema: { body: noteInput }, bodyLimit: 16 * 1024 },
    );

    api.delete("/notes/:id", async (request, response) => {
      const removed = await store.notes.update((notes) => {
        const index = notes.findIndex((entry) => entry.id === request.params.id);
        return index === -1 ? false : notes.splice(index, 1).length === 1;
      });
      if (!removed) throw new HttpError(404, `No note with id ${request.params.id}`);
      response.status = 204;
    });
  });
}
