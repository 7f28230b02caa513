/**
 * The version of accsr the CLI reports with `--version`.
 *
 * @module
 */
import { ACCSR_VERSION } from "../storage/_version.ts";

/**
 * The package version, kept equal to `version` in `deno.json` (the lead keeps it in sync on
 * release; a test checks the two agree).
 *
 * @example
 * ```ts
 * import { VERSION } from "accsr/cli";
 * console.log(`accsr ${VERSION}`);
 * ```
 */
export const VERSION: string = ACCSR_VERSION;
