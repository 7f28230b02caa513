/**
 * Content types of uploads, guessed from the file extension with the `mime` package's table
 * (IANA types plus common extras), as Python accsr's libcloud does with Python's `mimetypes`.
 *
 * @module
 */
import mime from "npm:mime@^4.1.2";

/** What an upload carries when nothing else is known (libcloud's default too). */
export const DEFAULT_CONTENT_TYPE = "application/octet-stream";

/**
 * Options of {@linkcode guessContentType}.
 *
 * @example
 * ```ts
 * import type { ContentTypeOptions } from "./content_type.ts";
 * const o: ContentTypeOptions = { contentTypes: { ".parquet": "application/vnd.apache.parquet" } };
 * ```
 */
export interface ContentTypeOptions {
  /**
   * Extension → content type, over the built-in table (`".csv"` or `"csv"`, any case).
   * @default {{}}
   */
  contentTypes?: Readonly<Record<string, string>>;
  /**
   * Guess from the extension at all; `false` sends no content type (the server's default,
   * `binary/octet-stream` on S3).
   * @default {true}
   */
  guessContentType?: boolean;
}

/**
 * The content type to upload a file with: an override for its extension, else the `mime`
 * table's type, else `application/octet-stream`; `undefined` when guessing is off.
 *
 * @example
 * ```ts
 * import { guessContentType } from "./content_type.ts";
 * guessContentType("data/table.csv"); // "text/csv"
 * guessContentType("model.pkl"); // "application/octet-stream"
 * guessContentType("x.parquet", { contentTypes: { parquet: "application/vnd.apache.parquet" } });
 * guessContentType("a.txt", { guessContentType: false }); // undefined
 * ```
 */
export function guessContentType(
  path: string,
  options: ContentTypeOptions = {},
): string | undefined {
  if (options.guessContentType === false) return undefined;
  const base = path.slice(path.lastIndexOf("/") + 1);
  const dot = base.lastIndexOf(".");
  const ext = dot > 0 ? base.slice(dot + 1).toLowerCase() : "";
  if (ext !== "" && options.contentTypes !== undefined) {
    for (const [k, v] of Object.entries(options.contentTypes)) {
      if (k.replace(/^\./, "").toLowerCase() === ext) return v;
    }
  }
  return (ext === "" ? null : mime.getType(ext)) ?? DEFAULT_CONTENT_TYPE;
}
