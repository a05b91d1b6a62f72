import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { assertOpaque, type RunningDemo, startDemo, textOf } from "./harness.js";

describe("demo: sign in, sessions, CSRF and cookies", () => {
  let demo: RunningDemo;
  before(async () => {
    demo = await startDemo();
  });
  after(() => demo.close());

  it("signs in (POST-redirect-GET), greets by name, counts visits, flashes once", async () => {
    const client = demo.client();
    const token = await client.csrfFrom("/account");
    const signIn = await client.postForm("/signin", { name: "Ada Lovelace", _csrf: token });
    assert.equal(signIn.status, 303);
    assert.equal(signIn.headers.get("location"), "/account");
    const cookie = client.jar.get("session");
    assert.ok(cookie, "session cookie set");
    assert.equal(cookie.attributes.httponly, true);
    assert.equal(cookie.attributes.samesite, "Lax");
    assert.equal(cookie.attributes.path, "/");
    assertOpaque(cookie.value, "Ada Lovelace");

    const first = await client.page("/account");
    assert.ok(
      first.html.includes("Welcome, Ada Lovelace! You are signed in."),
      "flash after redirect",
    );
    assert.match(textOf(first.html), /Hello, Ada Lovelace ?!/);
    assert.match(first.html, /id="visit-count">1</);
    assert.equal(first.response.headers.get("cache-control"), "private, no-store");

    const second = await client.page("/account");
    assert.ok(!second.html.includes("Welcome, Ada Lovelace!"), "a flash shows once");
    assert.match(second.html, /id="visit-count">2</);
    const third = await client.page("/account");
    assert.match(third.html, /id="visit-count">3</);
  });

  it("gives a new session id on sign-in (no fixation)", async () => {
    const client = demo.client();
    await client.csrfFrom("/account");
    const before = client.jar.get("session")?.value;
    assert.ok(before, "visiting a form page starts a session (for its CSRF token)");
    await client.signIn("Grace");
    assert.notEqual(client.jar.get("session")?.value, before);
  });

  it("signs out: the name is gone and a goodbye is flashed", async () => {
    const client = demo.client();
    await client.signIn("Linus");
    const token = await client.csrfFrom("/account");
    const out = await client.postForm("/signout", { _csrf: token });
    assert.equal(out.status, 303);
    assert.equal(out.headers.get("location"), "/");
    const home = await client.page("/");
    assert.ok(home.html.includes("Goodbye, Linus."));
    assert.ok(!home.html.includes("Hi, <strong>Linus"));
    const account = await client.page("/account");
    assert.ok(account.html.includes("<h1>Sign in</h1>"));
  });

  it("rejects an invalid name with a 400 page showing the form and the error", async () => {
    const client = demo.client();
    const token = await client.csrfFrom("/account");
    const response = await client.postForm("/signin", { name: "x", _csrf: token });
    assert.equal(response.status, 400);
    const html = await response.text();
    assert.ok(html.includes("Name needs at least 2 characters"));
    assert.ok(html.includes('aria-invalid="true"'));
    assert.ok(html.includes('action="/signin"'));
  });

  type Forgery = (own: string, foreign: string) => Record<string, string>;
  const forgeries: Array<[string, Forgery, Record<string, string>]> = [
    ["no CSRF token", () => ({ name: "Mallory" }), {}],
    ["a wrong CSRF token", () => ({ name: "Mallory", _csrf: "A".repeat(64) }), {}],
    ["a token from another session", (_own, foreign) => ({ name: "Mallory", _csrf: foreign }), {}],
    [
      "a cross-site Sec-Fetch-Site",
      (own) => ({ name: "Mallory", _csrf: own }),
      { "sec-fetch-site": "cross-site" },
    ],
    [
      "a foreign Origin",
      (own) => ({ name: "Mallory", _csrf: own }),
      { origin: "https://evil.example" },
    ],
  ];

  for (const [label, forge, headers] of forgeries) {
    it(`refuses a POST with ${label}: 403 page, nothing changes`, async () => {
      const client = demo.client();
      const own = await client.csrfFrom("/account");
      const foreign = await demo.client().csrfFrom("/account");
      const response = await client.postForm("/signin", forge(own, foreign), { headers });
      assert.equal(response.status, 403);
      const html = await response.text();
      assert.ok(html.includes("Not allowed"));
      assert.ok(html.includes('class="site-header"'));
      const account = await client.page("/account");
      assert.ok(!account.html.includes("Mallory"));
      assert.ok(account.html.includes("<h1>Sign in</h1>"));
    });
  }

  it("accepts the token in the x-csrf-token header, and same-origin fetch metadata", async () => {
    const client = demo.client();
    const token = await client.csrfFrom("/account");
    const response = await client.postForm(
      "/signin",
      { name: "Header" },
      { headers: { "x-csrf-token": token, "sec-fetch-site": "same-origin" } },
    );
    assert.equal(response.status, 303);
  });

  it("sets a normal cookie next to the secret session cookie and shows both as sent", async () => {
    const client = demo.client();
    const token = await client.csrfFrom("/cookies");
    const set = await client.postForm("/cookies", { name: "Leo", _csrf: token });
    assert.equal(set.status, 303);
    const normal = client.jar.get("name");
    assert.equal(normal?.value, "Leo");
    assert.equal(normal?.attributes.httponly, undefined, "the normal cookie is readable by JS");
    const session = client.jar.get("session");
    assert.ok(session);
    assert.equal(session.attributes.httponly, true);

    const { html } = await client.page("/cookies");
    assert.match(html, /<code>name<\/code>[\s\S]*?normal[\s\S]*?<code>Leo<\/code>/);
    assert.ok(html.includes("secret (sealed)"));
    assert.ok(html.includes(`<code>${session.value}</code>`), "shows the opaque ciphertext");
    assert.match(session.value, /^[A-Za-z0-9_-]{40,}$/);
    assert.ok(html.includes('<code id="secrets">a=1, b=2, c=3</code>'), "decrypted on the server");

    const clearToken = await client.csrfFrom("/cookies");
    const cleared = await client.postForm("/cookies/clear", { _csrf: clearToken });
    assert.equal(cleared.status, 303);
    assert.equal(client.jar.has("name"), false);
    const after = await client.page("/cookies");
    assert.ok(after.html.includes("No secret values in the session."));
  });

  it("a tampered session cookie yields a fresh session, never an error", async () => {
    const client = demo.client();
    await client.signIn("Eve");
    const cookie = client.jar.get("session")!;
    const flipped = (cookie.value[10] === "A" ? "B" : "A") + cookie.value.slice(11);
    client.jar.set("session", { ...cookie, value: cookie.value.slice(0, 10) + flipped });
    const { response, html } = await client.page("/account");
    assert.equal(response.status, 200);
    assert.ok(html.includes("<h1>Sign in</h1>"));
  });
});
