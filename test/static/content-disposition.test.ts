import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { contentDisposition } from "../../src/app/static.js";

// Pure function: kept apart from send-file.test.ts, whose 50 MB transfers make it slow.
describe("contentDisposition", () => {
  const cases: Array<[string, string]> = [
    ["report.pdf", 'attachment; filename="report.pdf"'],
    ["/srv/files/report.pdf", 'attachment; filename="report.pdf"'],
    ["C:\\files\\report.pdf", 'attachment; filename="report.pdf"'],
    ["résumé.pdf", "attachment; filename=\"r_sum_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf"],
    ['say "hi".txt', "attachment; filename=\"say _hi_.txt\"; filename*=UTF-8''say%20%22hi%22.txt"],
    ["100%.txt", "attachment; filename=\"100_.txt\"; filename*=UTF-8''100%25.txt"],
    ["日本.txt", "attachment; filename=\"__.txt\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt"],
    ["a\r\nb.txt", "attachment; filename=\"a__b.txt\"; filename*=UTF-8''a%0D%0Ab.txt"],
  ];
  for (const [name, expected] of cases) {
    it(JSON.stringify(name), () => assert.equal(contentDisposition(name), expected));
  }
  it("takes another disposition type", () => {
    assert.equal(contentDisposition("a.png", "inline"), 'inline; filename="a.png"');
  });
});
