/**
 * Source of the hashing worker (CommonJS, run with `eval: true` so that it needs no file of
 * its own in the Deno sources or the npm build). It reads a file once and computes its
 * whole-file MD5 and, with a part size, the MD5 of every part.
 *
 * Files hashed with parts (part size a multiple of 64 bytes) go through the WebAssembly SIMD
 * kernel of `_md5_wasm.ts`: a job takes two of its four lanes (the whole-file stream and the
 * current part's stream read the same bytes), and two jobs run side by side in one call, so
 * the two MD5s of one byte cost about what one costs with `node:crypto`, and two files about
 * half of that again. Whole-file MD5s alone (and runtimes without WebAssembly SIMD) use
 * `node:crypto`, one stream per file, which is faster for a single stream.
 *
 * Messages in: `{id, path, partSize?, chunk}` or `{cancel: id}`; out: `{id, md5, size, parts?,
 * simd}` or `{id, error: {message, code}}`. A worker runs at most two jobs at a time.
 *
 * @module
 */
import { MD5_WASM_BASE64 } from "./_md5_wasm.ts";

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
const MD5_WASM = "${MD5_WASM_BASE64}";
const { parentPort } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const { open } = require("node:fs/promises");
const { openSync, readSync, closeSync } = require("node:fs");
const { Buffer } = require("node:buffer");
const cancelled = new Set();
const answer = (m) => parentPort.postMessage(m);
const failure = (id, e) => ({ id, error: { message: String((e && e.message) || e), code: e && e.code } });

// ---- node:crypto, one stream per file ------------------------------------------------------
const spare = [];
async function plain(m) {
  const { id, path, partSize, chunk } = m;
  let fh;
  let buf = spare.pop();
  if (!buf || buf.length !== chunk) buf = Buffer.allocUnsafe(chunk);
  try {
    fh = await open(path, "r");
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
    answer({ id, md5: whole.digest("hex"), size: pos, parts: partSize ? parts : undefined, simd: false });
  } catch (e) {
    answer(failure(id, e));
  } finally {
    cancelled.delete(id);
    spare.push(buf);
    if (fh) await fh.close().catch(() => {});
  }
}

// ---- WebAssembly SIMD: lanes 2s (whole file) and 2s+1 (current part) of job slot s ----------
// memory: state vectors a,b,c,d at 0..63, message scratch 64..319, one-lane state at SC,
// padding blocks at PAD, then one read region of \`chunk\` bytes per slot
const SC = 512, PAD = 576, BASE = 4096;
const IV = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
let wasm = null; // null: not tried yet; false: unavailable
function kernel(chunk) {
  if (wasm === null) {
    wasm = false;
    try {
      const bytes = Buffer.from(MD5_WASM, "base64");
      if (typeof WebAssembly === "object" && WebAssembly.validate(bytes)) {
        const e = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports;
        const need = BASE + 2 * chunk;
        const have = e.memory.buffer.byteLength;
        if (need > have) e.memory.grow(Math.ceil((need - have) / 65536));
        wasm = { e, chunk, u8: new Uint8Array(e.memory.buffer), dv: new DataView(e.memory.buffer) };
      }
    } catch (_) { wasm = false; }
  }
  return wasm && wasm.chunk === chunk ? wasm : undefined;
}
const slots = [null, null];
let running = false;

function resetLane(lane) {
  for (let k = 0; k < 4; k++) wasm.dv.setUint32(16 * k + 4 * lane, IV[k], true);
}
// the MD5 of a lane's stream: its state, then the last r bytes at tail, padding and length
function finishLane(lane, tail, r, total) {
  const { dv, u8, e } = wasm;
  for (let k = 0; k < 4; k++) dv.setUint32(SC + 4 * k, dv.getUint32(16 * k + 4 * lane, true), true);
  u8.fill(0, PAD, PAD + 128);
  if (r > 0) u8.copyWithin(PAD, tail, tail + r);
  u8[PAD + r] = 0x80;
  const blocks = r < 56 ? 1 : 2;
  const bits = total * 8;
  dv.setUint32(PAD + blocks * 64 - 8, bits % 4294967296, true);
  dv.setUint32(PAD + blocks * 64 - 4, Math.floor(bits / 4294967296), true);
  e.md5Blocks(SC, PAD, blocks);
  return Buffer.from(u8.buffer, SC, 16).toString("hex");
}
function release(j) {
  slots[j.s] = null;
  cancelled.delete(j.id);
  if (j.fh !== null) try { closeSync(j.fh); } catch (_) { /* already closed */ }
}
function fail(j, e) {
  release(j);
  answer(failure(j.id, e));
}
// synchronous reads: this thread does nothing else meanwhile, and they cost less CPU than
// asynchronous ones (no hop through the runtime's I/O threads)
function fill(j) {
  if (j.fh === null) j.fh = openSync(j.path, "r");
  const { u8, chunk } = wasm;
  const rem = j.end - j.off;
  if (rem > 0) u8.copyWithin(j.region, j.off, j.end);
  const bytesRead = readSync(j.fh, u8, j.region + rem, chunk - rem, j.pos);
  if (bytesRead === 0) j.eof = true;
  j.pos += bytesRead;
  j.off = j.region;
  j.end = j.region + rem + bytesRead;
}
async function run() {
  running = true;
  try {
    for (;;) {
      // let messages in (new jobs, cancellations) between rounds
      await new Promise((resolve) => setImmediate(resolve));
      if (slots[0] === null && slots[1] === null) return;
      for (const j of slots) {
        if (j === null || j.eof || j.end - j.off >= 64) continue;
        try { fill(j); } catch (e) { fail(j, e); }
      }
      let n = Infinity;
      for (const j of slots) {
        if (j === null) continue;
        if (cancelled.has(j.id)) { fail(j, new Error("cancelled")); continue; }
        const pending = j.end - j.off;
        if (j.eof && pending < 64) {
          const md5 = finishLane(2 * j.s, j.off, pending, j.pos);
          if (j.inPart + pending > 0 || j.parts.length === 0) {
            j.parts.push(finishLane(2 * j.s + 1, j.off, pending, j.inPart + pending));
          }
          release(j);
          answer({ id: j.id, md5, size: j.pos, parts: j.parts, simd: true });
          continue;
        }
        n = Math.min(n, Math.floor(pending / 64), (j.partSize - j.inPart) / 64);
      }
      if (n === Infinity || n === 0) continue;
      const p0 = slots[0] !== null ? slots[0].off : slots[1].off;
      const p1 = slots[1] !== null ? slots[1].off : p0;
      wasm.e.md5x4(0, 64, p0, p0, p1, p1, n);
      for (const j of slots) {
        if (j === null) continue;
        j.off += 64 * n;
        j.inPart += 64 * n;
        if (j.inPart === j.partSize) {
          j.parts.push(finishLane(2 * j.s + 1, 0, 0, j.partSize));
          resetLane(2 * j.s + 1);
          j.inPart = 0;
        }
      }
    }
  } finally {
    running = false;
  }
}
function startSimd(m, s) {
  const j = { id: m.id, path: m.path, partSize: m.partSize, s, fh: null, pos: 0, eof: false, inPart: 0, parts: [] };
  j.region = BASE + s * wasm.chunk;
  j.off = j.end = j.region;
  slots[s] = j;
  resetLane(2 * s);
  resetLane(2 * s + 1);
  if (!running) run().catch((e) => { for (const x of slots) if (x !== null) fail(x, e); });
}

parentPort.on("message", (m) => {
  if (m.cancel !== undefined) { cancelled.add(m.cancel); return; }
  const simd = m.partSize > 0 && m.partSize % 64 === 0 && !m.noSimd ? kernel(m.chunk) : undefined;
  const s = slots[0] === null ? 0 : slots[1] === null ? 1 : -1;
  if (simd !== undefined && s >= 0) startSimd(m, s);
  else plain(m);
});
`;
