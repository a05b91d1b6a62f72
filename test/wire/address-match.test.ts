import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ADDRESS_PRESETS, compileAddressList, unmapAddress } from "../../src/wire/address-match.js";
import { ConfigError } from "../../src/wire/options.js";

/** Trusted-address lists: exact matching of addresses, CIDR edges, presets and refusals. */

const PRESET_NAMES = "loopback, linklocal, private, uniquelocal";

function refusal(spec: string | readonly unknown[]): string {
  try {
    compileAddressList(spec as readonly string[], "trustProxy");
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message;
  }
  assert.fail(`${JSON.stringify(spec)} was accepted`);
}

describe("compileAddressList", () => {
  const table: Array<[string | string[], string[], string[]]> = [
    // [spec, matched, not matched]
    ["192.0.2.1", ["192.0.2.1", "::ffff:192.0.2.1"], ["192.0.2.2", "192.0.2.0", "::1", "x"]],
    ["2001:db8::1", ["2001:db8::1", "2001:DB8:0::1"], ["2001:db8::2", "192.0.2.1"]],
    [
      "10.0.0.0/8",
      ["10.0.0.0", "10.255.255.255", "::ffff:10.1.2.3"],
      ["11.0.0.0", "9.255.255.255"],
    ],
    ["192.0.2.1/32", ["192.0.2.1"], ["192.0.2.0", "192.0.2.2"]],
    ["0.0.0.0/0", ["0.0.0.0", "255.255.255.255", "203.0.113.9"], ["::1"]],
    ["fd00::/8", ["fd00::1", "fdff:ffff::"], ["fe00::", "fc00::1", "10.0.0.1"]],
    ["::/0", ["::1", "2001:db8::"], []],
    ["2001:db8::/128", ["2001:db8::"], ["2001:db8::1"]],
    ["2001:db8::/33", ["2001:db8:7fff::1"], ["2001:db8:8000::"]],
    [
      " 192.0.2.1 , 198.51.100.0/24 ",
      ["192.0.2.1", "198.51.100.77"],
      ["192.0.2.2", "198.51.101.0"],
    ],
    [["192.0.2.1", " 198.51.100.7 "], ["192.0.2.1", "198.51.100.7"], ["198.51.100.8"]],
    ["loopback", ["127.0.0.1", "127.255.0.1", "::1", "::ffff:127.0.0.1"], ["128.0.0.1", "::2"]],
    ["LoopBack", ["127.0.0.1"], ["10.0.0.1"]],
    ["linklocal", ["169.254.1.1", "fe80::1", "febf::1"], ["169.255.0.1", "fec0::1"]],
    [
      "private",
      ["10.1.1.1", "172.16.0.1", "172.31.255.255", "192.168.5.5", "fc00::1", "fdff::1"],
      ["172.32.0.1", "172.15.255.255", "192.169.0.1", "fe00::1", "8.8.8.8"],
    ],
    ["uniquelocal", ["10.0.0.1", "fd12::1"], ["127.0.0.1"]],
  ];
  for (const [spec, matched, unmatched] of table) {
    it(`${JSON.stringify(spec)} matches exactly its addresses`, () => {
      const matches = compileAddressList(spec, "trustProxy");
      for (const address of matched) assert.equal(matches(address), true, address);
      for (const address of unmatched) assert.equal(matches(address), false, address);
    });
  }

  it("names the presets it knows, each a list of valid ranges", () => {
    assert.deepEqual(Object.keys(ADDRESS_PRESETS).join(", "), PRESET_NAMES);
    assert.ok(Object.isFrozen(ADDRESS_PRESETS));
  });

  it("refuses entries that are no address, range or preset, naming the option and the fix", () => {
    for (const entry of [
      "192.0.2.1/33",
      "::/129",
      "192.0.2.1/-1",
      "192.0.2.1/",
      "192.0.2.1/8.5",
      "192.0.2.1/x",
      "192.0.2.300",
      "example.com",
      "/8",
      "localhost",
    ]) {
      assert.equal(
        refusal(entry),
        `'trustProxy': '${entry}' is not an address, a CIDR range (e.g. 10.0.0.0/8, fd00::/8) or a preset (${PRESET_NAMES})`,
        entry,
      );
    }
  });

  it("refuses empty and non-string entries", () => {
    const message = (shown: string): string =>
      `'trustProxy': every entry must be an address, a CIDR range or a preset, got ${shown}`;
    assert.equal(refusal(""), message('""'));
    assert.equal(refusal("10.0.0.1,,10.0.0.2"), message('""'));
    assert.equal(refusal(["10.0.0.1", " "]), message('""'));
    assert.equal(refusal([5]), message("5"));
    assert.equal(refusal([null]), message("null"));
  });

  it("accepts the largest prefix of each family and prefix 0", () => {
    assert.equal(compileAddressList("::1/128", "x")("::1"), true);
    assert.equal(compileAddressList("0.0.0.0/0", "x")("192.0.2.1"), true);
    assert.equal(compileAddressList("2001:db8::/64", "x")("2001:db8::ffff"), true);
  });
});

describe("unmapAddress", () => {
  const cases: Array<[string, string]> = [
    ["::ffff:192.0.2.1", "192.0.2.1"],
    ["::FFFF:192.0.2.1", "192.0.2.1"],
    ["::ffff:c000:201", "::ffff:c000:201"],
    ["::ffff:", "::ffff:"],
    ["::fffe:192.0.2.1", "::fffe:192.0.2.1"],
    ["192.0.2.1", "192.0.2.1"],
    ["2001:db8::1", "2001:db8::1"],
  ];
  for (const [address, expected] of cases) {
    it(`${address} → ${expected}`, () => assert.equal(unmapAddress(address), expected));
  }
});
