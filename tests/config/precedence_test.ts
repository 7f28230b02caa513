import { describe, it } from "node:test";
import { join } from "node:path";
import { expect } from "expect";
import { ConfigurationBase } from "../../config/mod.ts";
import { withTempDir, writeFiles } from "./_helpers.ts";

describe("configuration precedence, all layers", () => {
  it("files < profile files < later files < their profile files < prefix overrides; markers at access", () => {
    withTempDir((dir) => {
      const keys = ["k1", "k2", "k3", "k4", "k5"];
      const all = (v: string) => Object.fromEntries(keys.map((k) => [k, v]));
      writeFiles(dir, {
        "config.json": { ...all("config.json"), marker: "env:ACCSR_T21_M" },
        "config.prod.toml": Object.entries(all("config.prod")).slice(1).map(([k, v]) =>
          `${k} = "${v}"`
        ).join("\n"),
        "config_local.yml": keys.slice(2).map((k) => `${k}: config_local`).join("\n"),
        "config_local.prod.json": { k4: "config_local.prod", k5: "config_local.prod" },
        ".env": "ACCSR_T21_M=from-dotenv\n",
      });
      const env: Record<string, string | undefined> = { ACCSR__K5: "override" };
      const config = new ConfigurationBase({
        configDirectory: dir,
        configFiles: ["config.json", "config_local.yml"],
        profile: "prod",
        env,
        envFiles: [".env"],
      });
      expect(keys.map((k) => config.getEntry(k))).toEqual([
        "config.json",
        "config.prod",
        "config_local",
        "config_local.prod",
        "override",
      ]);
      expect(config.explainLayers("k5").map((l) => [l.kind, l.source])).toEqual([
        ["override", "env ACCSR__K5"],
        ["profile", join(dir, "config_local.prod.json")],
        ["file", join(dir, "config_local.yml")],
        ["profile", join(dir, "config.prod.toml")],
        ["file", join(dir, "config.json")],
      ]);
      // env markers: resolved at every access, real environment over .env files
      expect(config.getEntry("marker")).toBe("from-dotenv");
      env.ACCSR_T21_M = "from-real-env";
      expect(config.getEntry("marker")).toBe("from-real-env");
      expect(config.explainLayers("marker").map((l) => l.source)).toEqual([
        "env:ACCSR_T21_M (set)",
        join(dir, "config.json"),
      ]);
    });
  });
});
