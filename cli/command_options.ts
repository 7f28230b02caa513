/**
 * The options of the commands (beyond the storage and output options), re-exported by
 * `args.ts`.
 *
 * @module
 */
import type { OptionSpec } from "./args.ts";

/**
 * Options only some commands accept.
 *
 * @example
 * ```ts
 * import { COMMAND_OPTIONS } from "./args.ts";
 * console.log(COMMAND_OPTIONS.include.multiple); // true
 * ```
 */
export const COMMAND_OPTIONS: Record<string, OptionSpec> = {
  "local-path-prefix": {
    type: "string",
    placeholder: "DIR",
    help: "paths are relative to DIR and keys are relative to it (default: the working directory)",
  },
  to: {
    type: "string",
    placeholder: "DIR",
    help: "mirror the remote tree (below the base path) into DIR (default: the working directory)",
  },
  "dry-run": {
    type: "boolean",
    short: "n",
    help: "only show what would happen; transfer or delete nothing",
  },
  "no-progress": {
    type: "boolean",
    help: "no progress bar (there is none unless stderr is a terminal)",
  },
  force: {
    type: "boolean",
    help: "overwrite files whose MD5 differs (never needed for new files)",
  },
  include: {
    type: "string",
    multiple: true,
    placeholder: "RE",
    help: "only paths matching RE at their start (repeatable: any of them)",
  },
  exclude: {
    type: "string",
    multiple: true,
    placeholder: "RE",
    help: "skip paths matching RE at their start (repeatable; wins over --include)",
  },
  concurrency: { type: "string", placeholder: "N", help: "parallel transfers (default 16)" },
  delete: {
    type: "boolean",
    help:
      "mirror: also delete what the source lacks below the path on the target (after every transfer succeeded; try --dry-run first)",
  },
  "max-delete": {
    type: "string",
    placeholder: "N",
    help:
      "with --delete: refuse the whole transaction (exit 3, nothing moves) when more than N deletions are planned",
  },
  "no-ignore-files": {
    type: "boolean",
    help: "do not read .accsrignore files (gitignore syntax; by default they are honoured)",
  },
  bwlimit: {
    type: "string",
    placeholder: "RATE",
    help:
      "cap the total transfer rate of the run, in bytes/s: 500K, 8M, 1G (binary units, as rclone)",
  },
  "follow-symlinks": {
    type: "boolean",
    short: "L",
    help: "also walk symlinked folders (loops are detected and skipped)",
  },
  "no-follow-symlinks": {
    type: "boolean",
    help: "skip every symbolic link, with a warning each",
  },
  "max-size": {
    type: "string",
    placeholder: "SIZE",
    help: "skip files larger than SIZE (bytes, or 500K, 8M, 1G: binary units)",
  },
  "min-size": {
    type: "string",
    placeholder: "SIZE",
    help: "skip files smaller than SIZE (bytes, or 500K, 8M, 1G: binary units)",
  },
  "max-age": {
    type: "string",
    placeholder: "DURATION",
    help:
      "skip files modified longer ago than DURATION (30m, 24h, 7d; local mtime on push, remote LastModified on pull)",
  },
  "min-age": {
    type: "string",
    placeholder: "DURATION",
    help:
      "skip files modified more recently than DURATION (30m, 24h, 7d; e.g. files still being written)",
  },
  "files-from": {
    type: "string",
    placeholder: "FILE",
    help: "only the paths listed in FILE (one per line, as --include sees them; # comments)",
  },
  long: { type: "boolean", short: "l", help: "also show size, hash (MD5) and last modification" },
  all: {
    type: "boolean",
    short: "a",
    help: "also list accsr's own records below the base path (.accsr/: snapshot manifests)",
  },
  "exist-ok": { type: "boolean", help: "succeed when the bucket already exists (default)" },
  versioning: {
    type: "boolean",
    help:
      "turn on bucket versioning (also on an existing bucket; S3 and S3-compatible, file, memory) so snapshots restore overwritten and deleted objects",
  },
  snapshot: {
    type: "string",
    placeholder: "NAME",
    help:
      "push: record snapshot NAME of the pushed folder after every transfer succeeded; pull: restore snapshot NAME",
  },
  message: { type: "string", placeholder: "TEXT", help: "a note stored with the snapshot" },
  "no-exist-ok": { type: "boolean", help: "fail when the bucket already exists" },
  check: {
    type: "boolean",
    help:
      "list every configuration problem (unset variables, unknown keys, invalid values); exit 1 if any",
  },
  "older-than": {
    type: "string",
    placeholder: "DURATION",
    help: "only what started at least this long ago: 0s, 30m, 24h, 7d (default 24h)",
  },
  explain: {
    type: "boolean",
    help: "show which file, variable or flag set each remote_storage value",
  },
};
