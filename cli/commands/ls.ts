/**
 * `accsr ls [remote-path]`: list remote objects.
 *
 * @module
 */
import { isReservedRemoteKey, readableSize, type RemoteObject } from "../../storage/mod.ts";
import type { Command, CommandContext } from "../context.ts";
import { table } from "../output.ts";
import { remotePathArg } from "./_transaction.ts";

/**
 * The `--json` form of a remote object.
 *
 * @example
 * ```ts
 * import { objectJson } from "./ls.ts";
 * objectJson({ name: "ns/a.txt", size: 3, hash: "abc" }, "ns");
 * // { name: "ns/a.txt", path: "a.txt", size: 3, hash: "abc", last_modified: null }
 * ```
 */
export function objectJson(o: RemoteObject, basePath: string): Record<string, unknown> {
  return {
    name: o.name,
    path: relativeName(o.name, basePath),
    size: o.size,
    hash: o.hash ?? null,
    last_modified: o.lastModified?.toISOString() ?? null,
  };
}

/**
 * `name` relative to the base path.
 *
 * @example
 * ```ts
 * import { relativeName } from "./ls.ts";
 * relativeName("ns/v1/a.txt", "ns/v1"); // "a.txt"
 * ```
 */
export function relativeName(name: string, basePath: string): string {
  return basePath !== "" && name.startsWith(`${basePath}/`)
    ? name.slice(basePath.length + 1)
    : name;
}

/**
 * `accsr ls`.
 *
 * @example
 * ```ts
 * import { ls } from "./ls.ts";
 * console.log(ls.spec.options); // ["long", "all"]
 * ```
 */
export const ls: Command = {
  spec: {
    name: "ls",
    summary: "list remote objects",
    description: [
      "Lists the objects whose key starts with <base path>/<remote-path> (a prefix listing:",
      "'data/a' lists data/a.csv and data/ab/x too), one path per line, relative to the base",
      "path. -l adds the size in bytes, the last modification time and the hash (MD5 when known).",
      "accsr's own records (.accsr/ below the base path: snapshot manifests) are left out unless",
      "--all is given or the remote path lies in .accsr/.",
    ].join("\n"),
    args: [{
      name: "remote-path",
      required: false,
      help: "prefix below the base path (default: all)",
    }],
    options: ["long", "all"],
    storage: true,
    json: [
      '[{ "name": full key, "path": key relative to the base path, "size": bytes,',
      '   "hash": MD5 or ETag or null, "last_modified": ISO 8601 or null }]   (with or without -l)',
      '--json=summary: { "objects": count, "total_size": bytes }',
    ].join("\n"),
    examples: [
      ["accsr ls", "everything below the base path"],
      ["accsr ls data/ -l", "details of the objects below data/"],
      ["accsr ls --json | jq '.[].path'", "machine-readable"],
      ["accsr ls --all .accsr/", "snapshot manifests too"],
    ],
  },
  async run(ctx: CommandContext): Promise<number> {
    const storage = ctx.storage();
    const remotePath = remotePathArg(ctx.parsed.positionals[0] ?? "");
    const base = storage.remoteBasePath;
    const askedReserved = isReservedRemoteKey(remotePath.replace(/^\/+/, "").replace(/\/+$/, ""));
    const objects = (await storage.listObjects(remotePath)).filter((o) =>
      ctx.flag("all") || askedReserved || !isReservedRemoteKey(relativeName(o.name, base))
    );
    if (ctx.jsonSummary) {
      ctx.out.json({
        objects: objects.length,
        total_size: objects.reduce((n, o) => n + o.size, 0),
      });
      return 0;
    }
    if (ctx.json) {
      ctx.out.json(objects.map((o) => objectJson(o, base)));
      return 0;
    }
    if (!ctx.flag("long")) {
      for (const o of objects) ctx.out.line(relativeName(o.name, base));
      return 0;
    }
    const rows = objects.map((o) => [
      String(o.size),
      o.lastModified?.toISOString().replace(/\.\d{3}Z$/, "Z") ?? "-",
      o.hash ?? "-",
      relativeName(o.name, base),
    ]);
    for (const line of table(rows, [0])) ctx.out.line(line);
    if (objects.length > 0) {
      const total = objects.reduce((n, o) => n + o.size, 0);
      ctx.out.line(ctx.out.style("dim", `${objects.length} object(s), ${readableSize(total)}`));
    }
    return 0;
  },
};
