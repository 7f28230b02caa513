/**
 * Optional validation of a configuration with any [Standard Schema v1](https://standardschema.dev)
 * object (zod, valibot, arktype… or a hand-written one). The types are declared here, so no
 * dependency is needed.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";

/**
 * A validator following Standard Schema v1: an object with a `~standard` property.
 *
 * @example
 * ```ts
 * import type { StandardSchemaV1 } from "accsr/config";
 * const hasName: StandardSchemaV1 = {
 *   "~standard": {
 *     version: 1,
 *     vendor: "example",
 *     validate: (value) =>
 *       typeof (value as { name?: unknown }).name === "string"
 *         ? { value }
 *         : { issues: [{ message: "expected a string", path: ["name"] }] },
 *   },
 * };
 * ```
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The Standard Schema interface. */
  readonly "~standard": StandardSchemaV1Props<Input, Output>;
}

/**
 * The `~standard` property of a {@linkcode StandardSchemaV1}.
 *
 * @example
 * ```ts
 * import type { StandardSchemaV1Props } from "accsr/config";
 * const props: StandardSchemaV1Props = { version: 1, vendor: "x", validate: (value) => ({ value }) };
 * ```
 */
export interface StandardSchemaV1Props<Input = unknown, Output = Input> {
  /** The version of the Standard Schema specification: 1. */
  readonly version: 1;
  /** The library that made the schema, e.g. `"zod"`. */
  readonly vendor: string;
  /** Validates a value. Configuration loading is synchronous: a `Promise` is refused. */
  readonly validate: (
    value: unknown,
  ) => StandardSchemaV1Result<Output> | Promise<StandardSchemaV1Result<Output>>;
  /** Type information only. */
  readonly types?: { readonly input: Input; readonly output: Output } | undefined;
}

/**
 * The result of a validation: `{ value }` on success, `{ issues }` on failure.
 *
 * @example
 * ```ts
 * import type { StandardSchemaV1Result } from "accsr/config";
 * const failed: StandardSchemaV1Result<number> = { issues: [{ message: "expected a number" }] };
 * ```
 */
export type StandardSchemaV1Result<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: readonly StandardSchemaV1Issue[] };

/**
 * One validation problem; `path` locates it in the validated value.
 *
 * @example
 * ```ts
 * import type { StandardSchemaV1Issue } from "accsr/config";
 * const issue: StandardSchemaV1Issue = { message: "expected a string", path: ["db", { key: "host" }] };
 * ```
 */
export interface StandardSchemaV1Issue {
  /** What is wrong. */
  readonly message: string;
  /** Where: keys (or `{ key }` segments) from the root of the value. */
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/**
 * Validates `value` with `schema` synchronously. Throws a `ConfigError` (code
 * `CONFIG_INVALID`) listing every issue as `"<dotted key>" <where>: <message>`, where
 * `where(keyPath)` says which file set the key; the error's `file` is that of the first issue.
 * An asynchronous schema throws a `ConfigError` too (code `CONFIG_ASYNC_SCHEMA`).
 *
 * @param schema A Standard Schema v1 object.
 * @param value The value to check (the merged configuration, `"env:"` markers resolved).
 * @param what What is validated, for the message (e.g. the configuration directory).
 * @param where Describes where a key path was set: `{ text: "in /p/config.json", file }`.
 *
 * @example
 * ```ts
 * import { validateWithSchema, type StandardSchemaV1 } from "./schema.ts";
 * const anything: StandardSchemaV1 = {
 *   "~standard": { version: 1, vendor: "x", validate: (value) => ({ value }) },
 * };
 * validateWithSchema(anything, { a: 1 }, "/p", () => ({ text: "" }));
 * ```
 */
export function validateWithSchema(
  schema: StandardSchemaV1,
  value: unknown,
  what: string,
  where: (keyPath: string[]) => { text: string; file?: string },
): void {
  const props = schema?.["~standard"];
  if (typeof props?.validate !== "function") {
    throw new TypeError(`schema must be a Standard Schema v1 object (with "~standard".validate)`);
  }
  const result = props.validate(value);
  if (result instanceof Promise || typeof (result as { then?: unknown })?.then === "function") {
    Promise.resolve(result).catch(() => {}); // never leave a rejection unhandled
    throw new ConfigError(
      `Cannot validate configuration "${what}": the ${props.vendor} schema is asynchronous ` +
        `(configuration loading is synchronous; use a synchronous schema)`,
      { code: "CONFIG_ASYNC_SCHEMA" },
    );
  }
  const issues = (result as StandardSchemaV1Result<unknown>).issues;
  if (issues === undefined || issues.length === 0) return;
  let file: string | undefined;
  const lines = issues.map((issue) => {
    const keyPath = (issue.path ?? []).map((segment) =>
      String(typeof segment === "object" && segment !== null ? segment.key : segment)
    );
    const located = where(keyPath);
    file ??= located.file;
    const key = keyPath.length === 0 ? "(root)" : keyPath.join(".");
    return `"${key}"${located.text ? ` ${located.text}` : ""}: ${issue.message}`;
  });
  throw new ConfigError(
    `Cannot validate configuration "${what}": ${lines.join("; ")} (fix the configuration files)`,
    { code: "CONFIG_INVALID", file, cause: issues },
  );
}
