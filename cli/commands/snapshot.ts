/**
 * `accsr snapshot create|list|show|delete`: named records of what a remote path held.
 *
 * @module
 */
import { readableSize, type Snapshot } from "../../storage/mod.ts";
import { UsageError } from "../args.ts";
import type { Command, CommandContext } from "../context.ts";
import { table } from "../output.ts";
import { remotePathArg } from "./_transaction.ts";

const ACTIONS = ["create", "list", "show", "delete"] as const;

/**
 * The `--json` form of a snapshot (`files` only with `withFiles`).
 *
 * @example
 * ```ts
 * import { snapshotJson } from "./snapshot.ts";
 * snapshotJson({ name: "v1", created: "2026-01-01T00:00:00Z", path: "data", files: [] }, true);
 * ```
 */
export function snapshotJson(s: Snapshot, withFiles: boolean): Record<string, unknown> {
  const size = s.files.reduce((n, f) => n + f.size, 0);
  return {
    name: s.name,
    created: s.created,
    message: s.message ?? null,
    path: s.path,
    files_count: s.files.length,
    total_size: size,
    versioned: s.files.length > 0 && s.files.every((f) => f.versionId !== undefined),
    ...(withFiles
      ? {
        files: s.files.map((f) => ({
          key: f.key,
          size: f.size,
          md5: f.md5,
          etag: f.etag ?? null,
          version_id: f.versionId ?? null,
        })),
      }
      : {}),
  };
}

/**
 * `accsr snapshot`.
 *
 * @example
 * ```ts
 * import { snapshot } from "./snapshot.ts";
 * console.log(snapshot.spec.name); // "snapshot"
 * ```
 */
export const snapshot: Command = {
  spec: {
    name: "snapshot",
    summary: "record what a remote folder holds, list, show and delete snapshots",
    description: [
      "snapshot create NAME PATH [--message TEXT] records snapshot NAME of <base path>/PATH: a",
      "manifest of every object below it (key, size, MD5, ETag and, on a versioned bucket, the",
      "version id), stored create-only at <base path>/.accsr/snapshots/NAME.json — of two",
      "concurrent creates of one name exactly one succeeds. Names: 1–128 letters, digits, '.',",
      "'_', '-'. snapshot list shows every snapshot, snapshot show NAME its files, snapshot",
      "delete NAME removes the manifest (the objects stay).",
      "",
      "Restore with accsr pull PATH --snapshot NAME [--to DIR]. On a bucket made with",
      "accsr create-bucket --versioning, overwritten and deleted objects come back; on an",
      "unversioned bucket, a restore that needs an object changed since is refused by name.",
      "accsr push PATH --snapshot NAME records a snapshot only after the push succeeded.",
    ].join("\n"),
    args: [
      { name: "action", required: true, help: "create, list, show or delete" },
      { name: "name", required: false, help: "snapshot name (create, show, delete)" },
      { name: "path", required: false, help: "create: remote path below the base path ('.': all)" },
    ],
    options: ["message"],
    storage: true,
    json: [
      'create, show: { "name", "created", "message", "path", "files_count", "total_size",',
      '  "versioned", "files": [{ "key", "size", "md5", "etag", "version_id" }] }',
      'list: [the same without files]; delete: { "deleted": name }',
    ].join("\n"),
    examples: [
      ["accsr snapshot create train-v3 data --message 'model 3'", "record what data holds"],
      ["accsr snapshot list", "every snapshot"],
      ["accsr snapshot show train-v3 --json", "its files"],
      ["accsr pull data --snapshot train-v3 --to /tmp/v3", "restore it"],
      ["accsr snapshot delete train-v3", "remove the record"],
    ],
  },
  async run(ctx: CommandContext): Promise<number> {
    const [action, name, path] = ctx.parsed.positionals;
    const spec = ctx.parsed.command;
    if (!(ACTIONS as readonly string[]).includes(action)) {
      throw new UsageError(
        `unknown snapshot action "${action}" (use create, list, show or delete)`,
        spec,
      );
    }
    const want = action === "create" ? 2 : action === "list" ? 0 : 1;
    const given = ctx.parsed.positionals.length - 1;
    if (given < want) {
      throw new UsageError(
        `missing ${given === 0 && want > 0 ? "NAME" : "PATH"} of "accsr snapshot ${action}"`,
        spec,
      );
    }
    if (given > want) {
      throw new UsageError(`too many arguments for "accsr snapshot ${action}"`, spec);
    }
    if (ctx.option("message") !== undefined && action !== "create") {
      throw new UsageError(`--message only goes with "accsr snapshot create"`, spec);
    }
    const storage = ctx.storage();
    if (action === "create") {
      const message = ctx.option("message");
      const s = await storage.createSnapshot(name, remotePathArg(path), {
        ...(message === undefined ? {} : { message }),
      });
      if (ctx.json) ctx.out.json(snapshotJson(s, true));
      else {
        ctx.out.note(
          `created snapshot "${s.name}" of "${s.path || "."}": ${s.files.length} file(s), ${
            readableSize(s.files.reduce((n, f) => n + f.size, 0))
          }${
            s.files.every((f) => f.versionId !== undefined)
              ? ""
              : " (unversioned bucket: a restore works only while these objects stay unchanged; see accsr create-bucket --versioning)"
          }`,
        );
      }
      return 0;
    }
    if (action === "list") {
      const all = await storage.listSnapshots();
      if (ctx.json) {
        ctx.out.json(all.map((s) => snapshotJson(s, false)));
        return 0;
      }
      const rows = all.map((s) => [
        s.name,
        s.created.replace(/\.\d{3}Z$/, "Z"),
        String(s.files.length),
        readableSize(s.files.reduce((n, f) => n + f.size, 0)),
        s.path || ".",
        s.message ?? "",
      ]);
      for (const line of table(rows, [2])) ctx.out.line(line.trimEnd());
      if (all.length === 0) ctx.out.note("no snapshots");
      return 0;
    }
    if (action === "show") {
      const s = await storage.getSnapshot(name);
      if (ctx.json) {
        ctx.out.json(snapshotJson(s, true));
        return 0;
      }
      const rows = s.files.map((f) => [String(f.size), f.md5, f.versionId ?? "-", f.key]);
      ctx.out.line(
        `snapshot ${s.name} of "${s.path || "."}", created ${s.created}${
          s.message ? `: ${s.message}` : ""
        }`,
      );
      for (const line of table(rows, [0])) ctx.out.line(line);
      ctx.out.line(
        ctx.out.style(
          "dim",
          `${s.files.length} file(s), ${readableSize(s.files.reduce((n, f) => n + f.size, 0))}`,
        ),
      );
      return 0;
    }
    await storage.deleteSnapshot(name);
    if (ctx.json) ctx.out.json({ deleted: name });
    else ctx.out.note(`deleted snapshot "${name}" (the objects stay)`);
    return 0;
  },
};
