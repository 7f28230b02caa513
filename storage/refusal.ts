/**
 * Refusing a transaction before anything moves: collisions, overwrites without `force`, more
 * deletions than allowed.
 *
 * @module
 */
import { MaxDeleteExceededError, SyncConflictError } from "../errors.ts";
import type { RemoteObject, TransactionSummary } from "./summary.ts";

/** The first ten names, and how many more. */
export function names(list: readonly string[]): string {
  const shown = list.slice(0, 10).join(", ");
  return list.length > 10 ? `${shown}, … (${list.length - 10} more)` : shown;
}

/**
 * Throws the `SyncConflictError` a real run of this summary would meet, if any.
 *
 * @example
 * ```ts
 * import { refuseIfConflicting } from "./refusal.ts";
 * import { TransactionSummary } from "accsr/storage";
 * refuseIfConflicting(new TransactionSummary("push"), false); // nothing to refuse
 * ```
 */
export function refuseIfConflicting(summary: TransactionSummary, force: boolean): void {
  const dir = summary.syncDirection ?? "sync";
  if (summary.hasUnresolvableCollisions) {
    const entries = Object.entries(summary.unresolvableCollisions);
    const detail = entries.map(([name, v]) =>
      typeof v === "string"
        ? `${name} (${v})`
        : `${name} (remote objects below it: ${
          (v as RemoteObject[]).map((o) => o.name).slice(0, 3).join(", ")
        })`
    );
    throw new SyncConflictError(
      `Cannot ${dir}: ${entries.length} name(s) collide, nothing was transferred (force cannot resolve this; run a dry run and inspect the summary): ${
        names(detail)
      }`,
      entries.map(([n]) => n),
      { summary },
    );
  }
  if (summary.requiresForce && !force) {
    const affected = summary.onTargetNeqMd5.map((o) => o.name);
    const uncomparable = summary.uncomparableFiles;
    const differing = affected.length - uncomparable.length;
    const what = [
      ...(differing > 0 ? [`${differing} file(s) differ`] : []),
      ...(uncomparable.length > 0
        ? [
          `${uncomparable.length} file(s) cannot be compared (${
            uncomparable[0].uncomparable
          }; force replaces ${
            dir === "push" ? "them with uploads whose MD5 is recorded" : "the local files"
          })`,
        ]
        : []),
    ].join(" and ");
    throw new SyncConflictError(
      `Cannot ${dir}: ${what} on the ${
        dir === "push" ? "remote" : "local side"
      } and force is false, nothing was transferred (pass force to overwrite, or run a dry run to inspect): ${
        names(affected)
      }`,
      affected,
      { summary },
    );
  }
  if (summary.exceedsMaxDelete) {
    const doomed = summary.filesToDelete.map((o) =>
      dir === "push" ? o.name : o.localPath ?? o.name
    );
    throw new MaxDeleteExceededError(
      `Cannot ${dir}: ${doomed.length} deletion(s) planned, more than the limit of ${summary.maxDelete}; nothing was transferred and nothing deleted (raise the limit after checking the dry run): ${
        names(doomed)
      }`,
      summary.filesToDelete.map((o) => o.name),
      summary.maxDelete!,
      { summary },
    );
  }
}
