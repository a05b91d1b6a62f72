import { multipartBoundary, parseMultipart } from "../app/body/multipart.js";
import { peekBody } from "../app/body/peek.js";
import type { Request } from "../app/request.js";

/**
 * How far into a multipart body the CSRF guard looks for its token field. A browser sends the
 * parts in document order, so a form whose hidden token input comes first puts it in the first
 * ~300 bytes (boundary, one Content-Disposition line, the token). 16 KiB leaves room for a
 * preamble and extra part headers; it bounds what one request can make the guard hold, and is
 * never a size limit on the upload itself, which the handler then streams from its first byte.
 */
export const TOKEN_LOOKAHEAD_BYTES = 16 * 1024;

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

/**
 * The token from the first part of a multipart/form-data body, if that part is a field named
 * `field` and it ends within the look-ahead; undefined otherwise (the guard then refuses). The
 * body is only peeked at: the handler still reads every part, the token field included.
 */
export async function leadingFormToken(request: Request, field: string): Promise<unknown> {
  const boundary = multipartBoundary(request.headers.get("content-type"));
  const start = await peekBody(request, TOKEN_LOOKAHEAD_BYTES);
  const parts = parseMultipart(once(start), boundary, {
    maxPartHeaderBytes: TOKEN_LOOKAHEAD_BYTES,
    maxFieldBytes: TOKEN_LOOKAHEAD_BYTES,
  });
  try {
    const first = await parts.next();
    if (first.done === true) return undefined;
    const part = first.value;
    if (part.isFile || part.name !== field) return undefined;
    return await part.text();
  } catch {
    // The look-ahead ended inside the first part, or it is malformed: no token was found in it.
    // (A malformed body still gets its 400 from the handler's own parse, if the token was good.)
    return undefined;
  } finally {
    await parts.return();
  }
}
