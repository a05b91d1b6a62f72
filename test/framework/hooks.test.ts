import assert from "node:assert/strict";
import type { AfterHook, BeforeHook, ErrorHook } from "../../src/app/pipeline.js";
import type { Request } from "../../src/app/request.js";
import type { Response } from "../../src/app/response.js";
import { Server } from "../../src/app/server.js";
import { HttpError } from "../../src/wire/http-error.js";
import { matrix, newApp } from "./matrix.js";

/**
 * Hooks record their label in `request.state.trail`. The server runs in this process in both
 * modes and every after hook runs before the response is written, so once the client has the
 * response, `lastTrail` is complete (cases in a file run one at a time).
 */
let lastTrail: string[] = [];
function trail(request: Request): string[] {
  request.state.trail ??= [];
  lastTrail = request.state.trail as string[];
  return lastTrail;
}
const mark =
  (label: string): BeforeHook & AfterHook =>
  (request) => {
    trail(request).push(label);
  };
const asyncMark =
  (label: string): BeforeHook =>
  async (request) => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    trail(request).push(label);
  };
const expose: AfterHook = (request, response) => {
  response.headers.set("x-trail", trail(request).join(" "));
};

/** app → group → route, each with one before and one after hook. */
function layeredApp(handler: (request: Request, response: Response) => unknown) {
  const app = newApp({ hooks: { before: [mark("app:before")], after: [mark("app:after")] } });
  app.group(
    "/g",
    (group) => {
      group.get(
        "/r",
        (request, response) => {
          trail(request).push("handler");
          return handler(request, response) as undefined;
        },
        { before: [mark("route:before")], after: [mark("route:after")] },
      );
    },
    { before: [mark("group:before")], after: [mark("group:after")] },
  );
  return app;
}

const FULL_ORDER = "app:before group:before route:before handler route:after group:after app:after";

matrix("hooks", (check) => {
  check("onion order: before outermost first, after innermost first", async (serve) => {
    const client = await serve(layeredApp(() => "ok"));
    const response = await client.get("/g/r");
    assert.equal(response.text, "ok");
    assert.equal(lastTrail.join(" "), FULL_ORDER);
  });

  check("async hooks keep the same order", async (serve) => {
    const app = newApp({ hooks: { after: [expose] } });
    app.before(asyncMark("a1"), mark("s2"), asyncMark("a3"));
    app.get("/", async (request) => {
      trail(request).push("handler");
      return "done";
    });
    const client = await serve(app);
    const response = await client.get("/");
    assert.equal(response.headers.get("x-trail"), "a1 s2 a3 handler");
    assert.equal(response.text, "done");
  });

  check(
    "response.end() in a before hook skips later before hooks and the handler",
    async (serve) => {
      const app = newApp({ hooks: { after: [mark("after")] } });
      app.before(mark("first"), (request, response) => {
        trail(request).push("gate");
        response.setStatus(401).end("sign in first");
      });
      app.before(mark("skipped"));
      app.get("/private", () => {
        throw new Error("the handler must not run");
      });
      const client = await serve(app);
      const response = await client.get("/private");
      assert.equal(response.status, 401);
      assert.equal(response.text, "sign in first");
      assert.equal(lastTrail.join(" "), "first gate after");
    },
  );

  check("an HttpError from a before hook answers and after hooks still run", async (serve) => {
    const hook: BeforeHook = async () => {
      throw new HttpError(403, "Members only", { headers: { "x-reason": "membership" } });
    };
    const app = layeredApp(() => "unreachable");
    app.group("/h", (group) => group.get("/r", () => "unreachable", { before: [hook] }));
    const client = await serve(app);
    const response = await client.get("/h/r", { headers: { accept: "text/plain" } });
    assert.equal(response.status, 403);
    assert.equal(response.text, "403 Forbidden: Members only\n");
    assert.equal(response.headers.get("x-reason"), "membership");
    assert.equal(lastTrail.join(" "), "app:before app:after");
  });

  check("a failing before hook skips the after hooks of inner levels only", async (serve) => {
    const app = newApp({ hooks: { before: [mark("app:before")], after: [mark("app:after")] } });
    app.after(expose);
    const deny: BeforeHook = () => {
      throw new HttpError(401, "Sign in first");
    };
    app.group(
      "/g",
      (group) =>
        group.get("/r", () => "unreachable", {
          before: [mark("route:before")],
          after: [mark("route:after")],
        }),
      { before: [mark("group:before"), deny], after: [mark("group:after")] },
    );
    const client = await serve(app);
    const response = await client.get("/g/r");
    assert.equal(response.status, 401);
    // The group's own after hooks run (its before hooks ran); the route's never do.
    assert.equal(response.headers.get("x-trail"), "app:before group:before group:after app:after");
  });

  check("response.end() in a group's before hook skips the route's after hooks", async (serve) => {
    const app = newApp();
    app.after(expose);
    const gate: BeforeHook = (request, response) => {
      trail(request).push("gate");
      response.end("closed for maintenance");
    };
    app.group(
      "/g",
      (group) =>
        group.get("/r", () => "unreachable", {
          before: [mark("route:before")],
          after: [mark("route:after")],
        }),
      { before: [gate], after: [mark("group:after")] },
    );
    const response = await (await serve(app)).get("/g/r");
    assert.equal(response.text, "closed for maintenance");
    assert.equal(response.headers.get("x-trail"), "gate group:after");
  });

  check("an error hook answers by setting a body, without end()", async (serve) => {
    const app = newApp({
      hooks: {
        error: [
          (_error, _request, response) => {
            response.json({ problem: "teapot trouble" }, 422);
          },
        ],
      },
    });
    app.get("/fails", (_request, response) => {
      response.body = "half-written";
      throw new Error("internal detail");
    });
    const response = await (await serve(app)).get("/fails");
    assert.equal(response.status, 422);
    assert.deepEqual(response.json(), { problem: "teapot trouble" });
  });

  check("after hooks can change status, headers, body and cookies", async (serve) => {
    const app = newApp();
    app.after((_request, response) => {
      response.status = 202;
      response.headers.set("x-after", "1");
      response.body = { wrapped: response.body as string };
      response.cookies.set("seen", "yes", { path: "/", httpOnly: true });
    });
    app.get("/", () => "inner");
    const client = await serve(app);
    const response = await client.get("/");
    assert.equal(response.status, 202);
    assert.equal(response.headers.get("x-after"), "1");
    assert.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
    assert.deepEqual(response.json(), { wrapped: "inner" });
    assert.deepEqual(response.headers.getSetCookie(), ["seen=yes; Path=/; HttpOnly"]);
  });

  check("error hooks run innermost first and the first to end() answers", async (serve) => {
    const seen: string[] = [];
    const observe =
      (label: string): ErrorHook =>
      (error) => {
        seen.push(`${label}:${(error as Error).message}`);
      };
    const answer: ErrorHook = async (error, _request, response) => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      response.json({ handled: (error as Error).message }, 409).end();
    };
    const app = newApp({ hooks: { error: [observe("app")], after: [expose] } });
    app.group("/g", (group) => group.get("/r", () => Promise.reject(new Error("conflict"))), {
      error: [observe("group"), answer],
    });
    app.get("/plain", () => {
      throw new Error("unhandled");
    });
    const client = await serve(app);
    const response = await client.get("/g/r");
    assert.equal(response.status, 409);
    assert.deepEqual(response.json(), { handled: "conflict" });
    assert.equal(response.headers.get("x-trail"), "", "after hooks ran on the error response");
    assert.deepEqual(seen, ["group:conflict"], "the app hook is not reached once answered");
    seen.length = 0;
    const fallback = await client.get("/plain", { headers: { accept: "application/json" } });
    assert.equal(fallback.status, 500);
    assert.deepEqual(seen, ["app:unhandled"]);
  });

  check("a throwing error hook falls back to the default error response", async (serve) => {
    const app = newApp({
      hooks: {
        error: [
          () => {
            throw new HttpError(502, "hook broke");
          },
        ],
      },
    });
    app.get("/", () => {
      throw new Error("first");
    });
    const client = await serve(app);
    const response = await client.get("/", { headers: { accept: "text/plain" } });
    assert.equal(response.status, 502);
  });

  check("a throwing after hook still lets the outer after hooks run", async (serve) => {
    const app = newApp({ hooks: { after: [expose] } });
    app.get("/", () => "fine", {
      after: [
        () => {
          throw new HttpError(409, "conflict in after hook");
        },
      ],
    });
    const client = await serve(app);
    const response = await client.get("/", { headers: { accept: "text/plain" } });
    assert.equal(response.status, 409);
    assert.equal(response.text, "409 Conflict: conflict in after hook\n");
    assert.equal(response.headers.get("x-trail"), "");
  });

  check("prototype-style hooks in the constructor run around every route", async (serve) => {
    const app = new Server({
      logger: false,
      hooks: {
        before: [
          (request) => {
            request.state.started = "yes";
          },
        ],
        after: [
          (request, response) => {
            response.headers.set("x-started", String(request.state.started));
          },
        ],
      },
    });
    app.route("/", (_request, response) => {
      response.body = "BIG APP supported by slow-serv";
    });
    const client = await serve(app);
    const response = await client.get("/");
    assert.equal(response.text, "BIG APP supported by slow-serv");
    assert.equal(response.headers.get("x-started"), "yes");
    const missing = await client.get("/missing");
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get("x-started"), "yes", "app hooks also wrap 404s");
  });

  check("app error hooks can render custom 404 and 405 pages", async (serve) => {
    const app = newApp();
    app.onError((error, request, response) => {
      if (error instanceof HttpError && (error.status === 404 || error.status === 405)) {
        response.headers.set("allow", error.headers.allow ?? "");
        response.json({ missing: request.path, status: error.status }, error.status).end();
      }
    });
    app.get("/only-get", () => "ok");
    const client = await serve(app);
    const missing = await client.get("/nope");
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.json(), { missing: "/nope", status: 404 });
    const wrongMethod = await client.request("DELETE", "/only-get");
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get("allow"), "GET, HEAD, OPTIONS");
  });
});
