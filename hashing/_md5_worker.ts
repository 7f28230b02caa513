/**
 * Source of the hashing worker (CommonJS, run with `eval: true` so that it needs no file of
 * its own in the Deno sources or the npm build). It reads a file once and feeds every chunk
 * to the whole-file MD5 and, with a part size, to the MD5 of the current part. Messages in:
 * `{id, path, partSize?, chunk}` or `{cancel: id}`; out: `{id, md5, size, parts?}` or
 * `{id, error: {message, code}}`.
 *
 * @module
 */

/**
 * The worker's JavaScript source.
 *
 * @example
 * ```ts
 * import { WORKER_SOURCE } from "./_md5_worker.ts";
 * console.log(WORKER_SOURCE.includes("createHash")); // true
 * ```
 */
export const WORKER_SOURCE: string = `
const { parentPort } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const { open } = require("node:fs/promises");
const { Buffer } = require("node:buffer");
const cancelled = new Set();
let buf;
parentPort.on("message", async (m) => {
  if (m.cancel !== undefined) { cancelled.add(m.cancel); return; }
  const { id, path, partSize, chunk } = m;
  let fh;
  try {
    fh = await open(path, "r");
    if (!buf || buf.length !== chunk) buf = Buffer.allocUnsafe(chunk);
    const whole = createHash("md5");
    const parts = [];
    let part = partSize ? createHash("md5") : undefined;
    let inPart = 0;
    let pos = 0;
    for (;;) {
      if (cancelled.has(id)) throw new Error("cancelled");
      const want = part ? Math.min(chunk, partSize - inPart) : chunk;
      const { bytesRead } = await fh.read(buf, 0, want, pos);
      if (bytesRead === 0) break;
      const view = buf.subarray(0, bytesRead);
      whole.update(view);
      pos += bytesRead;
      if (part) {
        part.update(view);
        inPart += bytesRead;
        if (inPart === partSize) { parts.push(part.digest("hex")); part = createHash("md5"); inPart = 0; }
      }
    }
    if (part && (inPart > 0 || parts.length === 0)) parts.push(part.digest("hex"));
    parentPort.postMessage({ id, md5: whole.digest("hex"), size: pos, parts: partSize ? parts : undefined });
  } catch (e) {
    parentPort.postMessage({ id, error: { message: String(e && e.message || e), code: e && e.code } });
  } finally {
    cancelled.delete(id);
    if (fh) await fh.close().catch(() => {});
  }
});
`;
