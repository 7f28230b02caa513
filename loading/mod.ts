/**
 * Loading data: downloading files, reading one member of a (compressed) tar archive,
 * hashing files and converting values to JSON-compatible ones. The TypeScript counterpart of
 * accsr's `accsr.loading`, `accsr.files` and `accsr.conversions`.
 *
 * - {@linkcode downloadFile}: atomic, streamed download with optional progress bar.
 * - {@linkcode openFileInTar} / {@linkcode readFileFromTar}: the single regular member whose
 *   name matches a regular expression (anchored at the start), from a plain, gzip, bzip2 or
 *   xz tar archive (detected from the content).
 * - {@linkcode md5sum}: streaming MD5 of a file.
 * - {@linkcode toJsonCompatibleValue} / {@linkcode toJsonCompatibleDict}: `NaN`, typed
 *   arrays, bigints, dates… to values `JSON.stringify` keeps.
 *
 * @example
 * ```ts
 * import { downloadFile, md5sum, openFileInTar, toJsonCompatibleDict } from "accsr/loading";
 *
 * await downloadFile("https://example.com/archive.tar.xz", "data/raw/archive.tar.xz", {
 *   showProgress: true,
 * });
 * console.log(await md5sum("data/raw/archive.tar.xz"));
 *
 * await using entry = await openFileInTar("data/raw/archive.tar.xz", String.raw`[^/]*\.csv$`);
 * const csv = await entry.text();
 *
 * console.log(JSON.stringify(toJsonCompatibleDict({ rows: csv.split("\n").length, ratio: NaN })));
 * ```
 *
 * @module
 */
export { downloadFile, type DownloadFileOptions, type DownloadProgress } from "./download.ts";
export { openFileInTar, type OpenFileInTarOptions, readFileFromTar, type TarEntry } from "./tar.ts";
export { md5Bytes, md5sum, type Md5sumOptions } from "./md5.ts";
export { toJsonCompatibleDict, toJsonCompatibleValue } from "./conversions.ts";
