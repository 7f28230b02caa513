/**
 * The user's words: library messages name options (`force`, `existOk`, `localPathPrefix`,
 * `dryrun=True`); the CLI says the flags a user types instead (`--force`, `--no-exist-ok`,
 * `--local-path-prefix`, `--dry-run`).
 *
 * @module
 */

/** Library phrase → CLI phrase, most specific first. */
const REPLACEMENTS: readonly [RegExp, string][] = [
  [
    / and force is false, nothing was transferred \(pass force to overwrite, or run a dry run to inspect\)/g,
    ", nothing was transferred (add --force to overwrite them, or --dry-run to inspect)",
  ],
  [
    / and force is false, nothing was transferred/g,
    " and --force was not given, nothing was transferred",
  ],
  [/\bforce is false\b/g, "--force was not given"],
  [/\bpass force\b/g, "add --force"],
  [/would not succeed without force=True/g, "would not succeed without --force"],
  [/because force is set/g, "because of --force"],
  [/\(force cannot resolve this\)/g, "(--force cannot resolve this)"],
  // the CLI's hint says these in its own words (and only once)
  [/ ?\((?:pass existOk(?: to accept it)?|run `accsr create-bucket`)\)/g, ""],
  [/\bpass existOk\b/g, "leave out --no-exist-ok"],
  [
    /\(run the push again with force to upload the current content\)/g,
    "(run the push again with --force to upload the current content)",
  ],
  [/\bmore than maxDelete=(\d+)/g, "more than --max-delete $1"],
  [
    /\(raise the limit after checking the dry run\)/g,
    "(raise --max-delete after checking --dry-run)",
  ],
  [/\(pass a directory as localBaseDir\)/g, "(pass a directory to --to)"],
  [/\bpass ignoreFiles: false\b/g, "pass --no-ignore-files"],
  [/" with delete: /g, '" with --delete: '],
  [/ under local path prefix "([^"]*)"/g, ' in "$1"'],
  [/\bpass localPathPrefix\b/g, "pass --local-path-prefix"],
  [/\bnot inside localPathPrefix\b/g, "not inside --local-path-prefix"],
  [/\bcall getExistingPath with create: true\b/g, "create it"],
  [/\bbecause dryrun=True\b/g, "because of --dry-run"],
  [/\bdryrun\b/g, "--dry-run"],
];

/**
 * `message` with the library's option names replaced by the CLI's flags.
 *
 * @example
 * ```ts
 * import { cliWords } from "./words.ts";
 * cliWords("bucket already exists (pass existOk to accept it)");
 * // "bucket already exists (leave out --no-exist-ok to accept it)"
 * cliWords("Cannot push \"a\": not inside localPathPrefix \"/p\"");
 * // "Cannot push \"a\": not inside --local-path-prefix \"/p\""
 * ```
 */
export function cliWords(message: string): string {
  let s = message;
  for (const [re, to] of REPLACEMENTS) s = s.replace(re, to);
  return s;
}
