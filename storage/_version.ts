/**
 * The package version, as recorded in snapshot manifests (private; the CLI's `VERSION`
 * re-exports it).
 *
 * @module
 */

/** Kept equal to `version` in `deno.json` (a test checks the CLI's copy). */
export const ACCSR_VERSION = "0.1.0";
