import { FAILED_HEAD_BYTES } from "./parser.js";

/**
 * Bytes a client sent, made safe and short for a log line: printable ASCII as it is, CR, LF and
 * TAB as `\r`, `\n`, `\t`, a backslash doubled and every other byte as `\xNN`, so a log reader
 * sees exactly what arrived (a PROXY header, a TLS handshake sent to the plain port, binary
 * garbage) and nothing in it can forge a line. A full-length preview ends with `…`: the head
 * went on.
 */
export function bytePreview(bytes: Uint8Array | undefined): string {
  if (bytes === undefined) return "";
  let text = "";
  for (const byte of bytes) {
    if (byte === 0x5c) text += "\\\\";
    else if (byte >= 0x20 && byte < 0x7f) text += String.fromCharCode(byte);
    else if (byte === 0x0d) text += "\\r";
    else if (byte === 0x0a) text += "\\n";
    else if (byte === 0x09) text += "\\t";
    else text += `\\x${byte.toString(16).padStart(2, "0")}`;
  }
  return bytes.length >= FAILED_HEAD_BYTES ? `${text}…` : text;
}
