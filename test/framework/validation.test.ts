import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { StandardSchemaIssue, StandardSchemaV1 } from "../../src/app/validation.js";
import { matrix, newApp } from "./matrix.js";

/**
 * Route validation with Standard Schema validators, through `inject` and real TCP. The validators
 * are hand-written (`~standard` objects, as zod, valibot and arktype produce): slow-serv depends on
 * none of those libraries, and neither do its tests.
 */

type Rule = (value: unknown) => string | undefined;

/** An object schema: each key's rule returns an error message or undefined. Output = input. */
function objectSchema<T>(
  rules: Record<string, Rule>,
  options: { async?: boolean; transform?: (value: Record<string, unknown>) => T } = {},
): StandardSchemaV1<unknown, T> {
  const validate = (input: unknown) => {
    if (typeof input !== "object" || input === null) {
      return { issues: [{ message: "Expected an object" }] as StandardSchemaIssue[] };
    }
    const record = input as Record<string, unknown>;
    const issues: StandardSchemaIssue[] = [];
    for (const [key, rule] of Object.entries(rules)) {
      const message = rule(record[key]);
      // Alternate the two path-segment forms the spec allows: a key, or { key }.
      if (message !== undefined) {
        issues.push({ message, path: issues.length % 2 === 0 ? [key] : [{ key }] });
      }
    }
    if (issues.length > 0) return { issues };
    const value = options.transform ? options.transform({ ...record }) : (record as T);
    return { value };
  };
  return {
    "~standard": {
      version: 1,
      vendor: "slow-serv-test",
      validate: options.async
        ? async (input) => {
            await new Promise<void>((resolve) => setImmediate(resolve));
            return validate(input);
          }
        : validate,
    },
  };
}

const digits: Rule = (value) =>
  typeof value === "string" && /^\d+$/.test(value) ? undefined : "must be digits";
const nonEmptyString: Rule = (value) =>
  typeof value === "string" && value.length > 0 ? undefined : "must be a non-empty string";
const optionalNumber: Rule = (value) =>
  value === undefined || typeof value === "number" ? undefined : "must be a number";

const JSON_ACCEPT = { accept: "application/json" };
const JSON_BODY = { "content-type": "application/json", ...JSON_ACCEPT };

interface Problem {
  status: number;
  message: string;
  details: { issues: Array<{ part: string; path: string; message: string }> };
}

function validatedApp() {
  const app = newApp();
  app.get(
    "/users/:id",
    (request) => ({ id: request.valid.params.id, double: request.valid.params.id * 2 }),
    {
      schema: {
        params: objectSchema({ id: digits }, { transform: (value) => ({ id: Number(value.id) }) }),
      },
    },
  );
  app.get("/search", (request) => ({ page: request.valid.query.page, raw: request.query.page }), {
    schema: {
      query: objectSchema(
        {
          page: (value) =>
            value === undefined || digits(value) === undefined ? undefined : "must be digits",
        },
        { transform: (value) => ({ page: value.page === undefined ? 1 : Number(value.page) }) },
      ),
    },
  });
  app.post("/notes/:id", (request) => ({ valid: request.valid }), {
    schema: {
      params: objectSchema({ id: digits }),
      query: objectSchema({
        draft: (value) => (value === undefined || value === "yes" ? undefined : "must be yes"),
      }),
      body: objectSchema({ title: nonEmptyString, stars: optionalNumber }, { async: true }),
    },
  });
  return app;
}

matrix("validation (Standard Schema)", (check) => {
  check("valid params reach the handler as the schema's output", async (serve) => {
    const client = await serve(validatedApp());
    const response = await client.get("/users/21");
    assert.equal(response.status, 200);
    assert.deepEqual(response.json(), { id: 21, double: 42 });
  });

  check("invalid params are a 400 listing the issue with part and path", async (serve) => {
    const client = await serve(validatedApp());
    const response = await client.get("/users/abc", { headers: JSON_ACCEPT });
    assert.equal(response.status, 400);
    assert.deepEqual(response.json(), {
      status: 400,
      error: "Bad Request",
      message: "Validation failed",
      details: { issues: [{ part: "params", path: "id", message: "must be digits" }] },
    });
  });

  check("query is validated and defaults from the schema apply", async (serve) => {
    const client = await serve(validatedApp());
    assert.deepEqual((await client.get("/search")).json(), { page: 1 });
    assert.deepEqual((await client.get("/search?page=3")).json(), { page: 3, raw: "3" });
    const bad = await client.get("/search?page=x", { headers: JSON_ACCEPT });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json<Problem>().details.issues, [
      { part: "query", path: "page", message: "must be digits" },
    ]);
  });

  check("an async body schema validates JSON bodies", async (serve) => {
    const client = await serve(validatedApp());
    const response = await client.request("POST", "/notes/7?draft=yes", {
      headers: JSON_BODY,
      body: JSON.stringify({ title: "Hello", stars: 5 }),
    });
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.json(), {
      valid: { params: { id: "7" }, query: { draft: "yes" }, body: { title: "Hello", stars: 5 } },
    });
  });

  check("every failing part is checked and all issues are listed", async (serve) => {
    const client = await serve(validatedApp());
    const response = await client.request("POST", "/notes/x?draft=no", {
      headers: JSON_BODY,
      body: JSON.stringify({ title: "", stars: "many" }),
    });
    assert.equal(response.status, 400);
    const problem = response.json<Problem>();
    assert.equal(problem.message, "Validation failed");
    assert.deepEqual(problem.details.issues, [
      { part: "params", path: "id", message: "must be digits" },
      { part: "query", path: "draft", message: "must be yes" },
      { part: "body", path: "title", message: "must be a non-empty string" },
      { part: "body", path: "stars", message: "must be a number" },
    ]);
  });

  check("the issues are readable in text and HTML error pages too", async (serve) => {
    const client = await serve(validatedApp());
    const text = await client.get("/users/abc", { headers: { accept: "text/plain" } });
    assert.equal(text.status, 400);
    assert.match(text.text, /^400 Bad Request: Validation failed/);
    assert.match(text.text, /params/);
    assert.match(text.text, /must be digits/);
    const page = await client.get("/users/abc", { headers: { accept: "text/html" } });
    assert.equal(page.status, 400);
    assert.match(page.text, /Validation failed/);
    assert.match(page.text, /must be digits/);
  });

  check(
    "body validation: form fields, 415 for a wrong type, 400 for malformed JSON",
    async (serve) => {
      const client = await serve(validatedApp());
      const form = await client.request("POST", "/notes/1", {
        headers: { "content-type": "application/x-www-form-urlencoded", ...JSON_ACCEPT },
        body: "title=From+a+form",
      });
      assert.equal(form.status, 200, form.text);
      assert.deepEqual(form.json<{ valid: { body: unknown } }>().valid.body, {
        title: "From a form",
      });

      const wrongType = await client.request("POST", "/notes/1", {
        headers: { "content-type": "text/plain", ...JSON_ACCEPT },
        body: "title",
      });
      assert.equal(wrongType.status, 415);

      const malformed = await client.request("POST", "/notes/1", { headers: JSON_BODY, body: "{" });
      assert.equal(malformed.status, 400);
      assert.match(malformed.json<Problem>().message, /^Malformed JSON body/);

      const missing = await client.request("POST", "/notes/1", { headers: JSON_ACCEPT });
      assert.equal(missing.status, 400);
      assert.deepEqual(missing.json<Problem>().details.issues, [
        { part: "body", path: "", message: "Expected an object" },
      ]);
    },
  );

  check("validation runs after the before hooks, so a hook can answer first", async (serve) => {
    const app = newApp();
    const seen: string[] = [];
    app.before((request, response) => {
      seen.push("before");
      if (request.headers.get("authorization") === undefined) response.setStatus(401).end("no");
    });
    app.get("/items/:id", () => "ok", {
      schema: {
        params: {
          "~standard": {
            version: 1,
            vendor: "test",
            validate: (value: unknown) => {
              seen.push("validate");
              return { value };
            },
          },
        },
      },
    });
    const client = await serve(app);
    assert.equal((await client.get("/items/1")).status, 401);
    assert.deepEqual(seen, ["before"]);
    assert.equal((await client.get("/items/1", { headers: { authorization: "x" } })).text, "ok");
    assert.deepEqual(seen, ["before", "before", "validate"]);
  });
});

describe("validation: registration mistakes", () => {
  const noop = () => "";
  const cases: Array<[string, unknown, RegExp]> = [
    [
      "an unknown part",
      { headers: objectSchema({}) },
      /Unknown schema part 'headers'.*params, query or body/,
    ],
    [
      "a value without ~standard",
      { body: { parse: noop } },
      /'schema\.body' of '\/x' is not a Standard Schema validator/,
    ],
    ["a non-object", "zod", /'schema' of '\/x' must be an object/],
  ];
  for (const [label, schema, message] of cases) {
    test(`${label} throws at registration`, () => {
      assert.throws(() => newApp().post("/x", noop, { schema: schema as never }), message);
    });
  }
});
