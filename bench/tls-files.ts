// The certificate for the TLS scenarios: made at run time with the openssl command, so no key is
// ever committed and every run starts from the same kind of certificate.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * ECDSA P-256, the key type most public certificates use today; TLS 1.3 with each server's default
 * cipher (AES-256-GCM for OpenSSL-based servers). The directory holds cert.pem and key.pem.
 */
export const TLS_KEY_DESCRIPTION = "self-signed ECDSA P-256 certificate made at run time";

export interface TlsFiles {
  dir: string;
  remove(): void;
}

export function makeTlsFiles(): TlsFiles {
  const dir = mkdtempSync(join(tmpdir(), "slow-serv-bench-tls-"));
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
        "-days",
        "2",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const reason =
      (error as { code?: string }).code === "ENOENT" ? "openssl is not installed" : String(error);
    throw new Error(
      `bench: cannot make the TLS certificate (${reason}); apt-get install -y openssl`,
    );
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
