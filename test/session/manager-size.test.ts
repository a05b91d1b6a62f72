import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SessionTooLargeError } from "../../src/session/errors.js";
import { SessionManager } from "../../src/session/manager.js";
import { CookieJar, DAY, FakeClock, KEY_A, roundTrip } from "./helpers.js";

type Data = { blob: string };

const configs = [
  { label: "secure, defaults", secure: true, options: {} },
  { label: "plain HTTP, defaults", secure: false, options: {} },
  {
    label: "64-char name, 400-day lifetime",
    secure: true,
    options: { cookieName: "n".repeat(64), absoluteTimeout: 400 * DAY, idleTimeout: 400 * DAY },
  },
  { label: "three chunks", secure: true, options: { maxChunks: 3 } },
  { label: "one chunk", secure: true, options: { maxChunks: 1 } },
];

describe("session size: every Set-Cookie line within 4096 bytes", () => {
  for (const { label, secure, options } of configs) {
    it(`${label}: sweeping sizes across every chunk threshold`, async () => {
      const maxChunks = (options as { maxChunks?: number }).maxChunks ?? 2;
      const manager = new SessionManager<Data>({
        keys: [KEY_A],
        clock: new FakeClock(),
        ...options,
      });
      const thresholds = await findThresholds(manager, secure);
      assert.equal(thresholds.length, maxChunks, "one threshold per extra chunk, plus the limit");
      const jar = new CookieJar();
      const seen = new Set<number | "too large">();
      for (const threshold of thresholds) {
        for (let size = threshold - 80; size <= threshold + 3; size++) {
          const before = { ...jar.cookies };
          let setCookies: string[];
          try {
            setCookies = (await roundTrip(manager, jar, setBlob(size), secure)).setCookies;
          } catch (error) {
            assert.ok(error instanceof SessionTooLargeError, String(error));
            assert.deepEqual(jar.cookies, before, "nothing written; the old cookie stays");
            seen.add("too large");
            continue;
          }
          for (const line of setCookies) {
            assert.ok(Buffer.byteLength(`Set-Cookie: ${line}`) <= 4096, `${size}: ${line.length}`);
          }
          const written = setCookies.filter((line) => !line.includes("Max-Age=0;")).length;
          seen.add(written);
          assert.equal(Object.keys(jar.cookies).length, written, "stale chunks were deleted");
          assert.equal((await manager.load({ ...jar.cookies }, secure)).blob?.length, size);
        }
      }
      const expected = [...Array.from({ length: maxChunks }, (_, i) => i + 1), "too large"];
      assert.deepEqual([...seen], expected);
    });
  }
});

function setBlob(size: number) {
  return (session: { blob?: string }) => {
    session.blob = "x".repeat(size);
  };
}

/** Blob sizes at which the chunk count first grows, and the first size that no longer fits. */
async function findThresholds(manager: SessionManager<Data>, secure: boolean): Promise<number[]> {
  const chunksFor = async (size: number): Promise<number> => {
    const session = await manager.load({}, secure);
    session.blob = "x".repeat(size);
    try {
      return manager.commit(session).setCookies.length;
    } catch {
      return Number.POSITIVE_INFINITY;
    }
  };
  const thresholds: number[] = [];
  let count = 1;
  for (let size = 0; count !== Number.POSITIVE_INFINITY; size += 64) {
    const next = await chunksFor(size);
    if (next === count) continue;
    let first = size;
    while ((await chunksFor(first - 1)) !== count) first--;
    thresholds.push(first);
    count = next;
  }
  return thresholds;
}

describe("session size: limits", () => {
  it("throws a clear error before writing anything", async () => {
    const manager = new SessionManager<Data>({ keys: [KEY_A], clock: new FakeClock() });
    const session = await manager.load({}, true);
    session.blob = "x".repeat(10_000);
    assert.throws(
      () => manager.commit(session),
      (error: unknown) =>
        error instanceof SessionTooLargeError &&
        /Session too large: the sealed session is \d+ bytes but 2 cookie\(s\) hold at most \d+/.test(
          error.message,
        ) &&
        error.size > error.limit,
    );
    session.blob = "small";
    assert.equal(manager.commit(session).setCookies.length, 1, "fixing the data allows saving");
  });

  it("shrinking deletes stale chunks", async () => {
    const manager = new SessionManager<Data>({
      keys: [KEY_A],
      clock: new FakeClock(),
      maxChunks: 3,
    });
    const jar = new CookieJar();
    await roundTrip(manager, jar, (s) => {
      s.blob = "x".repeat(7000);
    });
    assert.deepEqual(jar.names(), ["__Host-session", "__Host-session.1", "__Host-session.2"]);
    const { setCookies } = await roundTrip(manager, jar, (s) => {
      s.blob = "tiny";
    });
    assert.equal(setCookies.length, 3);
    assert.match(setCookies[1]!, /^__Host-session\.1=; Max-Age=0;/);
    assert.match(setCookies[2]!, /^__Host-session\.2=; Max-Age=0;/);
    assert.deepEqual(jar.names(), ["__Host-session"]);
    assert.equal((await manager.load(jar.cookies, true)).blob, "tiny");
  });

  it("a lowered maxChunks discards larger old sessions and deletes all their chunks", async () => {
    const clock = new FakeClock();
    const jar = new CookieJar();
    await roundTrip(new SessionManager<Data>({ keys: [KEY_A], clock, maxChunks: 3 }), jar, (s) => {
      s.blob = "x".repeat(7000);
    });
    const smaller = new SessionManager<Data>({ keys: [KEY_A], clock, maxChunks: 2 });
    const { session, setCookies } = await roundTrip(smaller, jar);
    assert.equal(session.isNew, true);
    assert.equal(setCookies.length, 3);
    assert.deepEqual(jar.names(), []);
  });
});
