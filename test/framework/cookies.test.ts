import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { CookieSigner } from "../../src/app/signed-cookies.js";
import { html } from "../../src/app/template.js";
import { HttpError } from "../../src/wire/http-error.js";
import { type Client, matrix, newApp } from "./matrix.js";

/**
 * Signed cookies and escaping templates in real responses, through `inject` and TCP: what the
 * unit tests (test/helpers) prove for the helpers also holds once a server sends and reads them.
 */

const OLD_KEY = `base64url:${createHash("sha256").update("old").digest("base64url")}`;
const NEW_KEY = `base64url:${createHash("sha256").update("new").digest("base64url")}`;

function signedApp(keys: string[]) {
  const signer = new CookieSigner(keys);
  const app = newApp();
  app.post("/remember/:uid", (request, response) => {
    response.cookies.set("uid", signer.sign("uid", request.params.uid), {
      path: "/",
      httpOnly: true,
      sameSite: "Lax",
    });
    return "remembered";
  });
  app.get("/me", (request, response) => {
    const found = signer.verify("uid", request.cookies.uid);
    if (found === undefined) throw new HttpError(401, "Not signed in");
    if (found.rotated) {
      response.cookies.set("uid", signer.sign("uid", found.value), { path: "/" });
    }
    return { uid: found.value, rotated: found.rotated };
  });
  return app;
}

/** The value of the first Set-Cookie of `name`. */
function cookieValue(setCookies: string[], name: string): string {
  const line = setCookies.find((entry) => entry.startsWith(`${name}=`));
  assert.ok(line !== undefined, `no Set-Cookie for ${name} in ${JSON.stringify(setCookies)}`);
  return line.slice(name.length + 1).split(";")[0]!;
}

const asText = { accept: "text/plain" };
const me = (client: Client, cookie: string) =>
  client.get("/me", { headers: { cookie: `uid=${cookie}`, ...asText } });

matrix("signed cookies", (check) => {
  check("a signed value round-trips; a tampered or moved one is refused", async (serve) => {
    const client = await serve(signedApp([NEW_KEY]));
    const set = await client.request("POST", "/remember/42");
    assert.equal(set.status, 200);
    const [line] = set.headers.getSetCookie();
    assert.match(line!, /^uid=42\.[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/);
    const signed = cookieValue(set.headers.getSetCookie(), "uid");

    const ok = await me(client, signed);
    assert.deepEqual(ok.json(), { uid: "42", rotated: false });
    assert.deepEqual(ok.headers.getSetCookie(), []);

    const tampered = await me(client, signed.replace(/^42/, "43"));
    assert.equal(tampered.status, 401);
    const truncated = await me(client, signed.slice(0, -1));
    assert.equal(truncated.status, 401);
    const unsigned = await me(client, "42");
    assert.equal(unsigned.status, 401);
    const other = await client.get("/me", { headers: { cookie: `other=${signed}`, ...asText } });
    assert.equal(other.status, 401, "a signature for one cookie name does not fit another");
  });

  check("key rotation: old signatures verify and are re-signed with the new key", async (serve) => {
    const before = await serve(signedApp([OLD_KEY]));
    const oldSigned = cookieValue(
      (await before.request("POST", "/remember/7")).headers.getSetCookie(),
      "uid",
    );
    const after = await serve(signedApp([NEW_KEY, OLD_KEY]));
    const rotated = await me(after, oldSigned);
    assert.deepEqual(rotated.json(), { uid: "7", rotated: true });
    const fresh = cookieValue(rotated.headers.getSetCookie(), "uid");
    assert.notEqual(fresh, oldSigned);
    assert.deepEqual((await me(after, fresh)).json(), { uid: "7", rotated: false });

    const retired = await serve(signedApp([NEW_KEY]));
    assert.equal((await me(retired, oldSigned)).status, 401, "a retired key no longer verifies");
    assert.equal((await me(retired, fresh)).status, 200);
  });
});

const PAYLOADS = [
  "<script>alert(1)</script>",
  '"><img src=x onerror=alert(1)>',
  "' onmouseover='alert(1)",
  "` onmouseover=`alert(1)",
  "</title><script>alert(1)</script>",
  "&lt;script&gt;",
  "😀 café",
];

matrix("templates in responses", (check) => {
  check("interpolations are escaped in text and attributes of a served page", async (serve) => {
    const app = newApp();
    app.get("/page", (request) => {
      const q = String(request.query.q ?? "");
      return html`<title>${q}</title><a title="${q}" data-x='${q}'>${q}</a>`;
    });
    const client = await serve(app);
    for (const payload of PAYLOADS) {
      const response = await client.get(`/page?q=${encodeURIComponent(payload)}`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
      const escaped = payload
        .replaceAll("&", "&amp;")
        .replaceAll("<", "&lt;")
        .replaceAll(">", "&gt;")
        .replaceAll('"', "&quot;")
        .replaceAll("'", "&#39;")
        .replaceAll("`", "&#96;");
      assert.equal(
        response.text,
        `<title>${escaped}</title><a title="${escaped}" data-x='${escaped}'>${escaped}</a>`,
        payload,
      );
    }
  });
});
