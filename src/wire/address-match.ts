import { BlockList, isIP } from "node:net";
import { ConfigError } from "./options.js";

/**
 * Lists of trusted peer addresses: single addresses, CIDR ranges (IPv4 and IPv6) and named
 * presets, compiled once at start-up into a `net.BlockList` (which also matches IPv4-mapped IPv6
 * addresses such as `::ffff:127.0.0.1` against IPv4 rules, as a dual-stack listener reports them).
 * Shared by `trustProxy` (which proxies' headers to believe) and the PROXY protocol (which peers
 * may send a PROXY header).
 */

/** Named ranges, as people write them in proxy configurations. */
export const ADDRESS_PRESETS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  loopback: ["127.0.0.0/8", "::1/128"],
  linklocal: ["169.254.0.0/16", "fe80::/10"],
  // RFC 1918 and RFC 4193 (unique local) ranges: where proxies in a private network live.
  private: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
  uniquelocal: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
});

export type AddressMatcher = (address: string) => boolean;

function familyOf(address: string): "ipv4" | "ipv6" | undefined {
  const version = isIP(address);
  return version === 4 ? "ipv4" : version === 6 ? "ipv6" : undefined;
}

function addEntry(list: BlockList, entry: string, option: string): void {
  const preset = ADDRESS_PRESETS[entry.toLowerCase()];
  if (preset !== undefined) {
    for (const range of preset) addEntry(list, range, option);
    return;
  }
  const slash = entry.indexOf("/");
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const family = familyOf(address);
  const prefixText = slash === -1 ? undefined : entry.slice(slash + 1);
  const prefix = prefixText === undefined ? undefined : Number(prefixText);
  const maxPrefix = family === "ipv4" ? 32 : 128;
  if (
    family === undefined ||
    (prefix !== undefined &&
      (prefixText === "" || !Number.isInteger(prefix) || prefix < 0 || prefix > maxPrefix))
  ) {
    throw new ConfigError(
      `'${option}': '${entry}' is not an address, a CIDR range (e.g. 10.0.0.0/8, fd00::/8) or a preset (${Object.keys(ADDRESS_PRESETS).join(", ")})`,
    );
  }
  if (prefix === undefined) list.addAddress(address, family);
  else list.addSubnet(address, prefix, family);
}

/**
 * Compiles addresses, ranges and presets (an array, or one string separated by commas) into a
 * matcher. Throws ConfigError naming `option` for anything that is none of those.
 */
export function compileAddressList(
  spec: string | readonly string[],
  option: string,
): AddressMatcher {
  const entries = (typeof spec === "string" ? spec.split(",") : spec).map((entry) =>
    typeof entry === "string" ? entry.trim() : entry,
  );
  const list = new BlockList();
  for (const entry of entries) {
    if (typeof entry !== "string" || entry === "") {
      throw new ConfigError(
        `'${option}': every entry must be an address, a CIDR range or a preset, got ${JSON.stringify(entry)}`,
      );
    }
    addEntry(list, entry, option);
  }
  return (address) => {
    const family = familyOf(address);
    return family !== undefined && list.check(address, family);
  };
}

/** `::ffff:192.0.2.1` → `192.0.2.1`: the form people configure and expect in logs. */
export function unmapAddress(address: string): string {
  return address.length > 7 &&
    address.slice(0, 7).toLowerCase() === "::ffff:" &&
    isIP(address.slice(7)) === 4
    ? address.slice(7)
    : address;
}
