import { describe, it } from "node:test";
import { existsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "expect";
import { ConfigError, ConfigKeyError } from "../../errors.ts";
import { type DataStage, DefaultDataConfiguration } from "../../config/mod.ts";
import { FIXTURE_FILES, withFixtureDir, withTempDir, writeFiles } from "./_helpers.ts";

function dataConfig(dir: string): DefaultDataConfiguration {
  return new DefaultDataConfiguration({
    configDirectory: dir,
    configFiles: FIXTURE_FILES,
    env: {},
  });
}

describe("DefaultDataConfiguration", () => {
  it("has the stage constants of accsr", () => {
    expect(DefaultDataConfiguration.RAW).toBe("raw");
    expect(DefaultDataConfiguration.CLEANED).toBe("cleaned");
    expect(DefaultDataConfiguration.PROCESSED).toBe("processed");
    expect(DefaultDataConfiguration.GROUND_TRUTH).toBe("ground_truth");
  });

  const getters: [keyof DefaultDataConfiguration, string][] = [
    ["artifacts", "data/artifacts"],
    ["visualizations", "data/visualizations"],
    ["temp", "temp"],
    ["data", "data"],
    ["dataRaw", "data/raw"],
    ["dataCleaned", "data/cleaned"],
    ["dataProcessed", "data/processed"],
    ["dataGroundTruth", "data/ground_truth"],
  ];
  for (const [getter, configured] of getters) {
    it(`${getter} resolves against the config directory and creates the directory`, () => {
      withFixtureDir((dir) => {
        const expected = join(dir, ...configured.split("/"));
        expect(existsSync(expected)).toBe(false);
        expect(dataConfig(dir)[getter]).toBe(expected);
        expect(statSync(expected).isDirectory()).toBe(true);
      });
    });
  }

  it("throws a ConfigKeyError for a data directory that is not configured", () => {
    withTempDir((dir) => {
      writeFiles(dir, { "config.json": { data: "data" } });
      const config = new DefaultDataConfiguration({ configDirectory: dir });
      expect(() => config.dataRaw).toThrow(ConfigKeyError);
      expect(() => config.dataRaw).toThrow(/"data_raw"/);
    });
  });

  it("resolves env: markers in data directories", () => {
    withTempDir((dir) => {
      writeFiles(dir, { "config.json": { artifacts: "env:ACCSR_TEST_ARTIFACTS" } });
      const config = new DefaultDataConfiguration({
        configDirectory: dir,
        env: { ACCSR_TEST_ARTIFACTS: join(dir, "from-env") },
      });
      expect(config.artifacts).toBe(join(dir, "from-env"));
      expect(existsSync(join(dir, "from-env"))).toBe(true);
    });
  });
});

describe("DefaultDataConfiguration.datafilePath", () => {
  it("puts the file in the raw stage by default, as an absolute path", () => {
    withFixtureDir((dir) => {
      expect(dataConfig(dir).datafilePath("a.csv")).toBe(join(dir, "data", "raw", "a.csv"));
      expect(existsSync(join(dir, "data", "raw"))).toBe(true);
    });
  });

  it("uses the directory of each stage", () => {
    withFixtureDir((dir) => {
      const config = dataConfig(dir);
      const stages: [DataStage, string][] = [
        [DefaultDataConfiguration.RAW, "raw"],
        [DefaultDataConfiguration.CLEANED, "cleaned"],
        [DefaultDataConfiguration.PROCESSED, "processed"],
        [DefaultDataConfiguration.GROUND_TRUTH, "ground_truth"],
      ];
      for (const [stage, folder] of stages) {
        expect(config.datafilePath("f.txt", { stage })).toBe(join(dir, "data", folder, "f.txt"));
      }
    });
  });

  it("returns the path relative to the configuration directory with relative: true", () => {
    withFixtureDir((dir) => {
      expect(dataConfig(dir).datafilePath("a.csv", { stage: "cleaned", relative: true })).toBe(
        join("data", "cleaned", "a.csv"),
      );
    });
  });

  it("throws with checkExistence for a missing file and returns an existing one", () => {
    withFixtureDir((dir) => {
      const config = dataConfig(dir);
      expect(() => config.datafilePath("missing.csv", { checkExistence: true })).toThrow(
        ConfigError,
      );
      writeFileSync(join(config.dataRaw, "present.csv"), "x");
      expect(config.datafilePath("present.csv", { checkExistence: true, relative: true })).toBe(
        join("data", "raw", "present.csv"),
      );
    });
  });

  it("throws a RangeError for an unknown stage, including accsr's DATA", () => {
    withFixtureDir((dir) => {
      const config = dataConfig(dir);
      for (const stage of ["data", "unknown", "RAW", "toString"]) {
        expect(() => config.datafilePath("a.csv", { stage: stage as DataStage })).toThrow(
          RangeError,
        );
      }
      expect(() => config.datafilePath("a.csv", { stage: "x" as DataStage })).toThrow(
        /unknown stage/,
      );
      expect(existsSync(join(dir, "data"))).toBe(false);
    });
  });
});

describe("DefaultDataConfiguration.artifactPath", () => {
  it("puts the file in the artifacts directory, absolute or relative", () => {
    withFixtureDir((dir) => {
      const config = dataConfig(dir);
      expect(config.artifactPath("model.bin")).toBe(join(dir, "data", "artifacts", "model.bin"));
      expect(config.artifactPath("model.bin", { relative: true })).toBe(
        join("data", "artifacts", "model.bin"),
      );
      expect(existsSync(join(dir, "data", "artifacts"))).toBe(true);
    });
  });

  it("throws with checkExistence for a missing artifact", () => {
    withFixtureDir((dir) => {
      expect(() => dataConfig(dir).artifactPath("nope.bin", { checkExistence: true })).toThrow(
        ConfigError,
      );
    });
  });
});
