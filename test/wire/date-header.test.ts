import assert from "node:assert/strict";
import { mock, test } from "node:test";
import { dateHeaderLine } from "../../src/wire/writer.js";

// A fake clock drives both Date and the timer that renews the cached line.
test("the Date line is the current second's and is renewed at each second boundary", () => {
  mock.timers.enable({ apis: ["setTimeout", "Date"], now: Date.UTC(2026, 10, 30, 10, 0, 0, 400) });
  try {
    assert.equal(dateHeaderLine(), "Date: Mon, 30 Nov 2026 10:00:00 GMT\r\n");
    mock.timers.tick(599);
    assert.equal(dateHeaderLine(), "Date: Mon, 30 Nov 2026 10:00:00 GMT\r\n", "at .999");
    mock.timers.tick(1);
    assert.equal(dateHeaderLine(), "Date: Mon, 30 Nov 2026 10:00:01 GMT\r\n", "at the boundary");
    mock.timers.tick(2_500);
    assert.equal(dateHeaderLine(), "Date: Mon, 30 Nov 2026 10:00:03 GMT\r\n", "after idle seconds");
  } finally {
    mock.timers.reset();
  }
});
