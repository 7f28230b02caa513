/**
 * The default export of `npm:unbzip2-stream`, typed here instead of by
 * `@types/unbzip2-stream` (which pulls `@types/node` into Deno's graph; `deno doc` cannot resolve
 * its reference paths). Used through `// @ts-types`; the npm build type-checks with
 * `@types/unbzip2-stream`.
 *
 * @module
 */
import type { Duplex } from "node:stream";

/** A transform stream: bzip2 in, decompressed bytes out. */
export default function unbzip2Stream(): Duplex;
