import { ConfigError } from "../wire/options.js";

/**
 * A configured origin as browsers serialise it in `Origin` (`scheme://host[:port]`, lowercase,
 * default port dropped), so a plain string comparison with the header is exact. One check for
 * every option that lists origins (the CSRF guard, CORS, security headers), so they accept the
 * same spellings and refuse the same mistakes: paths, wildcards, credentials.
 */
export function parseOrigin(option: string, value: unknown): string {
  let url: URL | undefined;
  try {
    url = typeof value === "string" && !value.includes("*") ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (
    url === undefined ||
    url.origin === "null" ||
    url.pathname !== "/" ||
    url.search !== "" ||
    url.hash !== "" ||
    url.username !== "" ||
    url.password !== ""
  ) {
    throw new ConfigError(
      `${option} entries must be origins like "https://app.example.com" (scheme, host and ` +
        `optional port; no path, query or wildcard), got ${JSON.stringify(value)}.`,
    );
  }
  return url.origin;
}

/** The origin of `url` as browsers serialise it in `Origin`, or "null" when unparsable or opaque. */
export function serialisedOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "null";
  }
}
