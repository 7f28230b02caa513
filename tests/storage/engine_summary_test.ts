/** Unit tests of `storage/summary.ts`: SyncObject state, TransactionSummary classification and output. */
import { describe, it } from "node:test";
import { expect } from "expect";
import { type RemoteObject, SyncObject, TransactionSummary } from "../../storage/summary.ts";

const remote = (name: string, size: number, hash = "r".repeat(32)): RemoteObject => ({
  name,
  size,
  hash,
});

function local(name: string, size: number, hash: string, remoteObj?: RemoteObject): SyncObject {
  return new SyncObject({
    syncDirection: "push",
    remotePath: name,
    localPath: `/w/${name}`,
    existsLocally: true,
    localSize: size,
    localHash: hash,
    remoteObj,
  });
}

function captureConsole(fn: () => void): string[] {
  const printed: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => void printed.push(args.map(String).join(" "));
  try {
    fn();
  } finally {
    console.log = original;
  }
  return printed;
}

describe("SyncObject", () => {
  it("a push of a new file: exists locally only", () => {
    const o = local("a.txt", 3, "h");
    expect(o.name).toBe("a.txt");
    expect(o.remotePath).toBe("a.txt");
    expect([o.existsLocally, o.existsOnRemote, o.existsOnTarget, o.equalMd5HashSum]).toEqual([
      true,
      false,
      false,
      false,
    ]);
    expect(o.getBytesTransferred()).toBe(3);
    expect(o.remoteHash).toBeUndefined();
  });

  it("a pull of a new file: exists on the remote only; size from the remote", () => {
    const o = new SyncObject({
      syncDirection: "pull",
      remoteObj: remote("/d/a.txt", 7),
      localPath: "/w/d/a.txt",
    });
    expect(o.name).toBe("d/a.txt"); // leading "/" dropped
    expect(o.existsOnRemote).toBe(true);
    expect(o.existsLocally).toBe(false);
    expect(o.localSize).toBe(0);
    expect(o.getBytesTransferred()).toBe(7);
    expect(o.remoteHash).toBe("r".repeat(32));
  });

  it("existsOnTarget means both sides exist; equality compares the hashes", () => {
    const same = local("a", 1, "x".repeat(32), remote("a", 1, "x".repeat(32)));
    expect(same.existsOnTarget).toBe(true);
    expect(same.equalMd5HashSum).toBe(true);
    const differs = local("a", 1, "x".repeat(32), remote("a", 1, "y".repeat(32)));
    expect(differs.existsOnTarget).toBe(true);
    expect(differs.equalMd5HashSum).toBe(false);
    const override = new SyncObject({
      syncDirection: "push",
      localPath: "/w/a",
      existsLocally: true,
      localHash: "x".repeat(32),
      remoteObj: remote("a", 1, "y".repeat(32)),
      remoteHash: "x".repeat(32),
    });
    expect(override.equalMd5HashSum).toBe(true);
  });

  it("no local hash is never equal", () => {
    const o = new SyncObject({
      syncDirection: "push",
      localPath: "/w/a",
      existsLocally: true,
      remoteObj: remote("a", 1),
    });
    expect(o.equalMd5HashSum).toBe(false);
  });

  it("refuses a bad direction and a missing local path and remote object", () => {
    expect(() =>
      new SyncObject({ syncDirection: "sideways" as "push", localPath: "/w/a", remotePath: "a" })
    )
      .toThrow(TypeError);
    expect(() => new SyncObject({ syncDirection: "push" })).toThrow(
      "Either a local path or a remote object has to be passed.",
    );
    expect(() => new SyncObject({ syncDirection: "push", localPath: "/w/a" })).toThrow(TypeError);
  });

  it("serialises with accsr's keys", () => {
    const o = local("a.txt", 3, "h", {
      name: "a.txt",
      size: 3,
      hash: "h",
      etag: "h",
      lastModified: new Date(0),
    });
    const j = o.toJSON();
    expect(Object.keys(j).sort()).toEqual([
      "equal_md5_hash_sum",
      "exists_locally",
      "exists_on_remote",
      "exists_on_target",
      "local_hash",
      "local_path",
      "local_size",
      "remote_hash",
      "remote_obj",
      "remote_path",
      "sync_direction",
    ]);
    expect(j.remote_obj).toEqual({
      name: "a.txt",
      size: 3,
      hash: "h",
      etag: "h",
      last_modified: "1970-01-01T00:00:00.000Z",
    });
    expect(j.equal_md5_hash_sum).toBe(true);
    expect(JSON.parse(JSON.stringify(o))).toEqual(j);
    expect(String(o)).toBe("SyncObject(push a.txt)");
  });
});

describe("TransactionSummary", () => {
  function sample(): { s: TransactionSummary; objs: Record<string, SyncObject> } {
    const s = new TransactionSummary("push");
    const objs = {
      newA: local("new_a", 10, "a"),
      eq: local("eq", 20, "e".repeat(32), remote("eq", 20, "e".repeat(32))),
      neq: local("neq", 30, "n".repeat(32), remote("neq", 31, "m".repeat(32))),
      newB: local("new_b", 40, "b"),
      skipped: local("skipped", 50, "s"),
      coll: local("coll", 60, "c"),
      emptyColl: local("empty_coll", 70, "c"),
    };
    s.addEntry(objs.newA);
    s.addEntry(objs.eq);
    s.addEntry(objs.skipped, { skip: true });
    s.addEntry(objs.neq);
    s.addEntry(objs.coll, { collidesWith: [remote("coll/x", 1)] });
    s.addEntry(objs.newB, { collidesWith: null });
    s.addEntry(objs.emptyColl, { collidesWith: [] }); // an empty list is no collision
    return { s, objs };
  }

  it("classifies every matched file into exactly one bucket", () => {
    const { s, objs } = sample();
    expect(s.matchedSourceFiles).toEqual([
      objs.newA,
      objs.eq,
      objs.neq,
      objs.coll,
      objs.newB,
      objs.emptyColl,
    ]);
    expect(s.notOnTarget).toEqual([objs.newA, objs.newB, objs.emptyColl]);
    expect(s.onTargetEqMd5).toEqual([objs.eq]);
    expect(s.onTargetNeqMd5).toEqual([objs.neq]);
    expect(Object.keys(s.unresolvableCollisions)).toEqual(["coll"]);
    expect(s.skippedSourceFiles).toEqual([objs.skipped]);
    expect(s.allFilesAnalyzed).toEqual([objs.skipped, ...s.matchedSourceFiles]);
  });

  it("filesToSync: new ones, then different ones; sizes add up", () => {
    const { s, objs } = sample();
    expect(s.filesToSync).toEqual([objs.newA, objs.newB, objs.emptyColl, objs.neq]);
    expect(s.sizeFilesToSync()).toBe(10 + 40 + 70 + 30);
    expect(s.requiresForce).toBe(true);
    expect(s.hasUnresolvableCollisions).toBe(true);
  });

  it("an empty summary", () => {
    const s = new TransactionSummary();
    expect(s.syncDirection).toBeUndefined();
    expect(s.filesToSync).toEqual([]);
    expect(s.requiresForce).toBe(false);
    expect(s.hasUnresolvableCollisions).toBe(false);
    expect(s.getShortSummaryDict()).toEqual({
      sync_direction: undefined,
      files_to_sync: 0,
      total_size: 0,
      unresolvable_collisions: 0,
      synced_files: 0,
    });
  });

  it("refuses another direction", () => {
    expect(() => new TransactionSummary("both" as "push")).toThrow(
      /sync_direction can only be set to pull, push or undefined/,
    );
  });

  it("printShortSummary prints the dict as indented JSON, keys in accsr's order", () => {
    const { s } = sample();
    s.syncedFiles.push(local("new_a", 10, "a"));
    const printed = captureConsole(() => s.printShortSummary());
    expect(printed).toEqual([
      '{\n  "sync_direction": "push",\n  "files_to_sync": 4,\n  "total_size": 150,\n  "unresolvable_collisions": 1,\n  "synced_files": 1\n}',
    ]);
    expect(Object.keys(s.getShortSummaryDict())).toEqual([
      "sync_direction",
      "files_to_sync",
      "total_size",
      "unresolvable_collisions",
      "synced_files",
    ]);
    expect(captureConsole(() => new TransactionSummary("pull").printShortSummary())).toEqual([
      '{\n  "sync_direction": "pull",\n  "files_to_sync": 0,\n  "total_size": 0,\n  "unresolvable_collisions": 0,\n  "synced_files": 0\n}',
    ]);
  });

  it("toJSON is complete and serialisable; collisions show remote objects as JSON", () => {
    const { s } = sample();
    const pull = new TransactionSummary("pull");
    pull.addEntry(new SyncObject({ syncDirection: "pull", remoteObj: remote("d", 1) }), {
      collidesWith: "local path is a directory: /w/d",
    });
    const j = JSON.parse(JSON.stringify(s));
    expect(Object.keys(j)).toEqual([
      "sync_direction",
      "matched_source_files",
      "not_on_target",
      "on_target_eq_md5",
      "on_target_neq_md5",
      "unresolvable_collisions",
      "skipped_source_files",
      "synced_files",
      "failed_files",
      "files_to_delete",
      "deleted_files",
      "retried_files",
      "skipped_files",
    ]);
    expect(j.matched_source_files).toHaveLength(6);
    expect(j.unresolvable_collisions.coll).toEqual([{
      name: "coll/x",
      size: 1,
      hash: "r".repeat(32),
    }]);
    expect(JSON.parse(JSON.stringify(pull)).unresolvable_collisions).toEqual({
      d: "local path is a directory: /w/d",
    });
  });

  it("failed files appear in the JSON with their error message", () => {
    const s = new TransactionSummary("pull");
    const o = new SyncObject({ syncDirection: "pull", remoteObj: remote("a", 1) });
    s.addEntry(o);
    s.failedFiles.push({ file: o, error: new Error("connection reset") });
    expect(s.toJSON().failed_files).toEqual([{ name: "a", error: "connection reset" }]);
  });

  it("toString is the short summary on one line", () => {
    const { s } = sample();
    expect(String(s)).toBe(
      'TransactionSummary: {"sync_direction":"push","files_to_sync":4,"total_size":150,"unresolvable_collisions":1,"synced_files":0}',
    );
  });
});
