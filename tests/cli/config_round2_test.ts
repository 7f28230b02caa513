import { join } from "node:path";
import process from "node:process";
import { describe, it } from "node:test";
import { expect } from "expect";
import { jsonOf, project, writeFiles } from "./_helpers.ts";

const FILE_SECRET = "FAKE-FILE-SECRET-7a6b5c";

describe("CLI: profiles, --env-file, ACCSR__ overrides", () => {
  it("--profile reads config.NAME.json after config.json; ACCSR_PROFILE is the default", async () => {
    const p = project();
    try {
      writeFiles(p.cwd, { "config.prod.json": { remote_storage: { bucket: "prod-bkt" } } });
      type J = { files: string[]; remote_storage: { bucket: string } };
      const plain = jsonOf<J>(await p.cli(["config", "--json"]));
      expect(plain.remote_storage.bucket).toBe("bkt");
      const prof = jsonOf<J>(await p.cli(["config", "--json", "--profile", "prod"]));
      expect(prof.remote_storage.bucket).toBe("prod-bkt");
      expect(prof.files).toEqual([join(p.cwd, "config.json"), join(p.cwd, "config.prod.json")]);
      const env = jsonOf<J>(await p.cli(["config", "--json"], { env: { ACCSR_PROFILE: "prod" } }));
      expect(env.remote_storage.bucket).toBe("prod-bkt");
      const bad = await p.cli(["ls", "--profile", "../etc"]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("--profile");
    } finally {
      p.tmp.remove();
    }
  });

  it("--env-file (repeatable) feeds env: values and ACCSR__ overrides, never process.env", async () => {
    const p = project({
      config: { provider: "file", root: "../store", bucket: "env:T21_BUCKET", base_path: "ns" },
    });
    try {
      writeFiles(p.cwd, {
        "one.env": "T21_BUCKET=from-env-file\nACCSR__REMOTE_STORAGE__BASE_PATH=one\n",
        "two.env": "ACCSR__REMOTE_STORAGE__BASE_PATH=two\n",
      });
      const before = { ...process.env };
      const r = await p.cli([
        "config",
        "--json",
        "--explain",
        "--env-file",
        "one.env",
        "--env-file",
        "two.env",
      ]);
      const j = jsonOf<{ remote_storage: Record<string, string>; sources: Record<string, string> }>(
        r,
      );
      expect(j.remote_storage.bucket).toBe("from-env-file");
      expect(j.remote_storage.base_path).toBe("two");
      expect(j.sources.base_path).toBe("env ACCSR__REMOTE_STORAGE__BASE_PATH");
      expect({ ...process.env }).toEqual(before);
      // the real environment wins over the file
      const real = jsonOf<{ remote_storage: Record<string, string> }>(
        await p.cli(["config", "--json", "--env-file", "one.env"], {
          env: { T21_BUCKET: "from-real-env" },
        }),
      );
      expect(real.remote_storage.bucket).toBe("from-real-env");
      const missing = await p.cli(["config", "--env-file", "nope.env"]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain("--env-file");
    } finally {
      p.tmp.remove();
    }
  });
});

describe("CLI: no silent surprises from unset variables", () => {
  it("an unset env: value in remote_storage stops a push before anything is planned", async () => {
    const p = project({
      config: { provider: "file", root: "../store", bucket: "bkt", base_path: "env:PROJ_BASE" },
    });
    try {
      expect((await p.cli(["create-bucket"])).code).toBe(1); // same error, nothing created
      const r = await p.cli(["push", "data", "--dry-run", "--json"]);
      expect(r.code).toBe(1);
      const error = jsonOf<{ error: { code: string; message: string } }>(r).error;
      expect(error.code).toBe("CONFIG_ENV_UNSET");
      expect(error.message).toContain("PROJ_BASE");
      expect(error.message).toContain('"remote_storage.base_path"');
      expect(error.message).toContain(join(p.cwd, "config.json"));
      expect(r.stdout).not.toContain("files_to_sync");
      // an empty value set on purpose is accepted: the bucket root
      const ok = await p.cli(["push", "data", "--dry-run", "--json", "--provider", "file"], {
        env: { PROJ_BASE: "" },
      });
      expect(ok.stderr).not.toContain("PROJ_BASE");
      expect(ok.stdout).not.toContain("CONFIG_ENV_UNSET");
      // a flag that sets the key lifts the error
      const flag = await p.cli(["push", "data", "--dry-run", "--base-path", "x"]);
      expect(flag.stderr).not.toContain("PROJ_BASE");
    } finally {
      p.tmp.remove();
    }
  });

  it("config --explain lists keys whose variable is unset and says when a fallback was used", async () => {
    const p = project({
      config: {
        provider: "file",
        root: "../store",
        bucket: "env:T21_BKT:-fallback-bkt",
        base_path: "env:PROJ_BASE",
      },
    });
    try {
      const r = await p.cli(["config", "--explain"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/base_path\s+\(unset\)\s+.*\(env:PROJ_BASE, unset\)/);
      expect(r.stdout).toMatch(/bucket\s+"fallback-bkt"\s+.*\(env:T21_BKT, fallback used\)/);
      const j = jsonOf<{ unset: Record<string, string>; sources: Record<string, string> }>(
        await p.cli(["config", "--explain", "--json"]),
      );
      expect(j.unset).toEqual({ base_path: `${join(p.cwd, "config.json")} (env:PROJ_BASE)` });
      expect(j.sources.bucket).toContain("fallback used");
    } finally {
      p.tmp.remove();
    }
  });

  it("an unknown key in remote_storage warns with the closest known key", async () => {
    const p = project({
      config: { provider: "file", root: "../store", bucket: "bkt", bucekt: "typo" },
    });
    try {
      const r = await p.cli(["ls"]);
      expect(r.stderr).toContain('unknown key "bucekt" in remote_storage (did you mean "bucket"?)');
    } finally {
      p.tmp.remove();
    }
  });
});

describe("CLI: config --check and config KEY --explain", () => {
  it("config --check lists an unset variable, an unknown key and a schema violation; exit 1", async () => {
    const p = project({
      config: {
        provider: "file",
        root: "../store",
        bucket: "bkt",
        bucekt: "typo",
        port: "not-a-port",
        secret: "env:T21_SECRET",
      },
    });
    try {
      const r = await p.cli(["config", "--check"]);
      expect(r.code).toBe(1);
      const file = join(p.cwd, "config.json");
      expect(r.stdout).toContain(`remote_storage.bucekt (${file}): unknown key "bucekt"`);
      expect(r.stdout).toContain(
        `remote_storage.secret (${file}): the environment variable T21_SECRET is not set`,
      );
      expect(r.stdout).toContain(`remote_storage.port (${file}):`);
      expect(r.stdout).toContain("not a port number");
      expect(r.stderr).toContain("3 configuration problems found");
      expect(r.stderr).not.toContain("warning:");
      const j = jsonOf<{ ok: boolean; problems: { key: string; kind: string }[] }>(
        await p.cli(["config", "--check", "--json"]),
      );
      expect(j.ok).toBe(false);
      expect(j.problems.map((x) => [x.key, x.kind])).toEqual([
        ["remote_storage.bucekt", "unknown_key"],
        ["remote_storage.secret", "env_unset"],
        ["remote_storage.port", "schema"],
      ]);
    } finally {
      p.tmp.remove();
    }
  });

  it("config --check reports a file that cannot be parsed as a problem with its line", async () => {
    const p = project();
    try {
      writeFiles(p.cwd, { "config_local.json": '{"remote_storage": {"bucket": "x",}}' });
      const r = await p.cli(["config", "--check", "--json"]);
      expect(r.code).toBe(1);
      const j = jsonOf<
        { ok: boolean; problems: { key: string; source: string; message: string }[] }
      >(r);
      expect(j.ok).toBe(false);
      expect(j.problems[0].source).toBe(join(p.cwd, "config_local.json"));
      expect(j.problems[0].message).toContain("line 1, column");
    } finally {
      p.tmp.remove();
    }
  });

  it('config --check prints "configuration OK" and exits 0 when there is no problem', async () => {
    const p = project();
    try {
      const r = await p.cli(["config", "--check"]);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe("configuration OK");
      expect(jsonOf(await p.cli(["config", "--check", "--json"]))).toEqual({
        ok: true,
        problems: [],
      });
    } finally {
      p.tmp.remove();
    }
  });

  it("config KEY --explain shows every layer, winner first, a secret file redacted", async () => {
    const p = project({
      config: { provider: "file", root: "../store", bucket: "bkt", secret: "env:T21_SECRET" },
    });
    try {
      writeFiles(p.cwd, {
        "config.ci.json": { remote_storage: { bucket: "ci-bkt" } },
        "secret.txt": `${FILE_SECRET}\n`,
      });
      const env = {
        ACCSR__REMOTE_STORAGE__BUCKET: "override-bkt",
        T21_SECRET_FILE: join(p.cwd, "secret.txt"),
      };
      const r = await p.cli(["config", "remote_storage.bucket", "--explain", "--profile", "ci"], {
        env,
      });
      expect(r.code).toBe(0);
      const lines = r.stdout.split("\n");
      expect(lines[0]).toBe('remote_storage.bucket = "override-bkt"');
      expect(lines[2]).toMatch(
        /1\.\s+override\s+env ACCSR__REMOTE_STORAGE__BUCKET\s+"override-bkt"/,
      );
      expect(lines[3]).toMatch(/2\.\s+profile\s+.*config\.ci\.json\s+"ci-bkt"/);
      expect(lines[4]).toMatch(/3\.\s+file\s+.*config\.json\s+"bkt"/);
      const secret = await p.cli(["config", "remote_storage.secret", "--explain", "--json"], {
        env,
      });
      const j = jsonOf<
        { value: string; layers: { kind: string; source: string; value: string }[] }
      >(
        secret,
      );
      expect(j.value).toBe("***");
      expect(j.layers[0]).toEqual({
        kind: "marker",
        source: "env:T21_SECRET (file named by T21_SECRET_FILE)",
        value: "***",
      });
      // the content of the secret file appears in no output of any command
      for (
        const argv of [
          ["config"],
          ["config", "--explain"],
          ["config", "--json", "--explain"],
          ["config", "remote_storage.secret"],
          ["config", "--check"],
        ]
      ) {
        const out = await p.cli(argv, { env });
        expect(out.stdout + out.stderr).not.toContain(FILE_SECRET);
      }
    } finally {
      p.tmp.remove();
    }
  });
});
