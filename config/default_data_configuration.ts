/**
 * {@linkcode DefaultDataConfiguration}: the data directories of a data-science project.
 *
 * @module
 */
import { resolve } from "node:path";
import { type AdjustedPathOptions, ConfigurationBase } from "./configuration.ts";

/**
 * A stage of the data pipeline; each has its own directory.
 *
 * @example
 * ```ts
 * import type { DataStage } from "accsr/config";
 * const stage: DataStage = "cleaned";
 * ```
 */
export type DataStage = "raw" | "cleaned" | "processed" | "ground_truth";

/**
 * Options of {@linkcode DefaultDataConfiguration.prototype.datafilePath}.
 *
 * @example
 * ```ts
 * import type { DatafilePathOptions } from "accsr/config";
 * const options: DatafilePathOptions = { stage: "processed", relative: true };
 * ```
 */
export interface DatafilePathOptions extends AdjustedPathOptions {
  /**
   * The stage whose directory holds the file.
   * @default {"raw"}
   */
  stage?: DataStage;
}

const STAGE_KEYS: Record<DataStage, string> = {
  raw: "data_raw",
  cleaned: "data_cleaned",
  processed: "data_processed",
  ground_truth: "data_ground_truth",
};

/**
 * A configuration with the directories of a data project, read from the config keys accsr
 * uses — `data`, `data_raw`, `data_cleaned`, `data_processed`, `data_ground_truth`,
 * `artifacts`, `visualizations`, `temp` — so a `config.json` written for accsr works
 * unchanged. Each getter returns an absolute path (relative values resolve against the
 * configuration directory) and creates the directory when it is missing; a key that is not
 * configured throws a `ConfigKeyError`.
 *
 * @example
 * ```ts
 * import { DefaultDataConfiguration } from "accsr/config";
 * // config.json: {"data_raw": "data/raw", "artifacts": "data/artifacts", ...}
 * const config = new DefaultDataConfiguration({ configDirectory: "./project" });
 * console.log(config.dataRaw); // /abs/project/data/raw (created)
 * console.log(config.datafilePath("x.csv", { stage: DefaultDataConfiguration.CLEANED }));
 * console.log(config.artifactPath("model.pkl", { relative: true })); // data/artifacts/model.pkl
 * ```
 */
export class DefaultDataConfiguration extends ConfigurationBase {
  /** The stage of raw data. */
  static readonly RAW = "raw";
  /** The stage of cleaned data. */
  static readonly CLEANED = "cleaned";
  /** The stage of processed data. */
  static readonly PROCESSED = "processed";
  /** The stage of ground-truth data. */
  static readonly GROUND_TRUTH = "ground_truth";

  /** Directory of artifacts (config key `artifacts`), created if missing. */
  get artifacts(): string {
    return this.getExistingPath("artifacts");
  }

  /** Directory of visualizations (config key `visualizations`), created if missing. */
  get visualizations(): string {
    return this.getExistingPath("visualizations");
  }

  /** Directory of temporary files (config key `temp`), created if missing. */
  get temp(): string {
    return this.getExistingPath("temp");
  }

  /** The data directory (config key `data`), created if missing. */
  get data(): string {
    return this.getExistingPath("data");
  }

  /** Directory of raw data (config key `data_raw`), created if missing. */
  get dataRaw(): string {
    return this.getExistingPath("data_raw");
  }

  /** Directory of cleaned data (config key `data_cleaned`), created if missing. */
  get dataCleaned(): string {
    return this.getExistingPath("data_cleaned");
  }

  /** Directory of processed data (config key `data_processed`), created if missing. */
  get dataProcessed(): string {
    return this.getExistingPath("data_processed");
  }

  /** Directory of ground-truth data (config key `data_ground_truth`), created if missing. */
  get dataGroundTruth(): string {
    return this.getExistingPath("data_ground_truth");
  }

  /**
   * Path of `filename` in the directory of `stage` (which is created if missing), absolute or
   * — with `relative` — relative to the configuration directory.
   *
   * @param filename A file name or a path below the stage directory.
   * @param options `stage` (default `"raw"`), `relative`, `checkExistence`.
   * @returns The path.
   * @throws {RangeError} `stage` is not one of raw, cleaned, processed, ground_truth.
   * @throws {ConfigError} `checkExistence` is set and the file does not exist.
   *
   * @example
   * ```ts
   * import { DefaultDataConfiguration } from "accsr/config";
   * const config = new DefaultDataConfiguration({ configDirectory: "/p" });
   * console.log(config.datafilePath("a.csv", { stage: "processed", relative: true }));
   * // data/processed/a.csv
   * ```
   */
  datafilePath(filename: string, options: DatafilePathOptions = {}): string {
    const { stage = DefaultDataConfiguration.RAW, ...adjust } = options;
    if (typeof stage !== "string" || !Object.hasOwn(STAGE_KEYS, stage)) {
      throw new RangeError(
        `Cannot resolve data stage "${String(stage)}": unknown stage ` +
          `(use one of ${Object.keys(STAGE_KEYS).join(", ")})`,
      );
    }
    return this.adjustedPath(resolve(this.getExistingPath(STAGE_KEYS[stage]), filename), adjust);
  }

  /**
   * Path of `name` in the artifacts directory (which is created if missing), absolute or —
   * with `relative` — relative to the configuration directory.
   *
   * @param name A file name or a path below the artifacts directory.
   * @param options `relative`, `checkExistence`.
   * @returns The path.
   * @throws {ConfigError} `checkExistence` is set and the file does not exist.
   *
   * @example
   * ```ts
   * import { DefaultDataConfiguration } from "accsr/config";
   * const config = new DefaultDataConfiguration({ configDirectory: "/p" });
   * console.log(config.artifactPath("model.bin")); // /p/data/artifacts/model.bin
   * ```
   */
  artifactPath(name: string, options: AdjustedPathOptions = {}): string {
    return this.adjustedPath(resolve(this.artifacts, name), options);
  }
}
