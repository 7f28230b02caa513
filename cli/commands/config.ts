/**
 * `accsr config`: the merged configuration, secrets redacted, optionally with provenance.
 *
 * @module
 */
import type { ConfigProblem } from "../../config/mod.ts";
import { ConfigError } from "../../errors.ts";
import { normalizeStorageConfig, type RemoteStorageConfig } from "../../storage/mod.ts";
import { UsageError } from "../args.ts";
import type { Command, CommandContext } from "../context.ts";
import { table } from "../output.ts";
import { redactDeep } from "../../redact.ts";
import { redactedStorage, resolvedConfig, type Settings } from "../settings.ts";

/**
 * `accsr config`.
 *
 * @example
 * ```ts
 * import { config } from "./config.ts";
 * console.log(config.spec.options); // ["explain", "check"]
 * ```
 */
export const config: Command = {
  spec: {
    name: "config",
    summary: "show the merged configuration, secrets redacted",
    description: [
      "Shows the configuration files read, the effective remote storage settings (the",
      '"remote_storage" section with the flags and environment credentials applied) and the',
      'merged configuration with "env:" values resolved. Values of secret-like keys (secret,',
      "password, token, session_token, account_key, connection_string…), values read from",
      "secret-like variables and credentials inside URLs or connection strings are shown as",
      "***. --explain adds where each remote storage value came from: a file (and the",
      "variable of an env: marker, or that it is unset or its :-fallback was used), a flag, or",
      "an environment variable. With a KEY (dotted, e.g. remote_storage.bucket) only that",
      "value is shown; with --explain every layer that set it, the winner first: the env:",
      "variable, ACCSR__ override variables, profile files and files.",
      "--check lists every problem before any work starts: env: values whose variable is",
      "unset (no NAME_FILE, no :-fallback), secret files that cannot be read, unknown keys in",
      '"remote_storage" (with the closest known key) and invalid storage settings; it exits 1',
      'when there is any, 0 with "configuration OK" otherwise.',
    ].join("\n"),
    args: [{
      name: "key",
      required: false,
      help: "a dotted key path, e.g. remote_storage.bucket (default: everything)",
    }],
    options: ["explain", "check"],
    storage: true,
    json: [
      '{ "files": [absolute paths read, in order], "config_directory": absolute path,',
      '  "section": "remote_storage" | "remote_storage_config" | null,',
      '  "remote_storage": { effective settings, secrets "***" },',
      '  "config": { merged configuration, env: resolved, secrets "***" },',
      '  "sources": { key: "/abs/config.json" | "/abs/f.json (env:NAME)" | "--flag" | "env NAME" }',
      '}   (sources only with --explain; keys whose variable is unset under "unset")',
      'with KEY: { "key", "value", "layers": [{ "kind", "source", "value" }] (with --explain) }',
      'with --check: { "ok": boolean, "problems": [{ "key", "source", "message", "kind" }] }',
    ].join("\n"),
    examples: [
      ["accsr config", "what the other commands will use"],
      ["accsr config --explain", "and where each storage value comes from"],
      ["accsr config remote_storage.bucket --explain", "every layer that set one key"],
      ["accsr config --check --profile production", "a pre-flight check, e.g. in CI"],
      ["accsr config --config base.yml --config ci.json --json", "other files, as JSON"],
    ],
  },
  run(ctx: CommandContext): Promise<number> {
    if (ctx.flag("check")) {
      let settings: Settings;
      try {
        settings = ctx.settings();
      } catch (e) {
        // a file that cannot be read or parsed is a problem like the others
        if (!(e instanceof ConfigError)) throw e;
        const problem: ConfigProblem = {
          key: "(root)",
          ...(e.file === undefined ? {} : { source: e.file }),
          message: e.message,
        };
        return Promise.resolve(report(ctx, [problem]));
      }
      return Promise.resolve(check(ctx, settings));
    }
    const settings = ctx.settings();
    const key = ctx.parsed.positionals[0];
    if (key !== undefined) return Promise.resolve(showKey(ctx, settings, key));
    const storage = redactedStorage(settings);
    const merged = settings.configuration === undefined
      ? {}
      : redactDeep(resolvedConfig(settings.configuration), settings.configuration.config) as Record<
        string,
        unknown
      >;
    const explain = ctx.flag("explain");
    if (ctx.json) {
      ctx.out.json({
        files: settings.files,
        config_directory: settings.configDirectory,
        section: settings.section ?? null,
        remote_storage: storage,
        config: merged,
        ...(explain ? { sources: settings.sources, unset: unsetJson(settings) } : {}),
      });
      return Promise.resolve(0);
    }
    const out = ctx.out;
    out.line(out.style("bold", "Files read:"));
    if (settings.files.length === 0) {
      out.line(`  none (no configuration file in ${settings.configDirectory})`);
    } else {
      for (const f of settings.files) out.line(`  ${f}`);
    }
    out.line(out.style("bold", `Remote storage (${settings.section ?? "flags and environment"}):`));
    const rows = Object.entries(storage).map(([k, v]) => {
      const row = [k, JSON.stringify(v) ?? "undefined"];
      if (explain) row.push(out.style("dim", settings.sources[k] ?? ""));
      return row;
    });
    if (explain) {
      for (const [k, u] of Object.entries(settings.unset)) {
        rows.push([
          k,
          out.style("yellow", "(unset)"),
          out.style("dim", `${u.source} (env:${u.variable}, unset)`),
        ]);
      }
    }
    if (rows.length === 0) out.line("  not configured");
    for (const line of table(rows)) out.line(`  ${line}`);
    out.line(out.style("bold", "Configuration (merged, secrets redacted):"));
    out.line(JSON.stringify(merged, null, 2));
    return Promise.resolve(0);
  },
};

function unsetJson(settings: Settings): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, u] of Object.entries(settings.unset)) out[k] = `${u.source} (env:${u.variable})`;
  return out;
}

/** `accsr config KEY [--explain]`. */
function showKey(ctx: CommandContext, settings: Settings, key: string): number {
  const configuration = settings.configuration;
  const keyPath = key.split(".");
  if (keyPath.some((k) => k === "")) {
    throw new UsageError(`invalid key "${key}": write a dotted path like remote_storage.bucket`);
  }
  const layers = configuration?.explainLayers(keyPath) ?? [];
  if (configuration === undefined || layers.length === 0) {
    throw new ConfigError(
      `Cannot show config entry "${key}": not set in ${
        settings.files.length > 0 ? settings.files.join(", ") : "any configuration file"
      } (run "accsr config" to see every key)`,
      { code: "CONFIG_KEY_MISSING" },
    );
  }
  let value: unknown;
  try {
    value = configuration.getEntry(keyPath);
  } catch (e) {
    if (!(e instanceof ConfigError) || e.code !== "CONFIG_KEY_MISSING") throw e;
    value = null;
  }
  const raw = layers.find((l) => l.kind !== "marker")?.raw;
  const fromFile = layers[0].kind === "marker" && layers[0].resolution?.via === "file";
  const hide = (v: unknown, rawValue: unknown) =>
    fromFile ? (v === undefined ? v : "***") : redactDeep(v, rawValue, keyPath.at(-1));
  const shown = hide(value, raw);
  const rows = layers.map((l) => ({
    kind: l.kind,
    source: l.source,
    value: l.kind === "marker" ? hide(l.raw, raw) : redactDeep(l.raw, undefined, keyPath.at(-1)),
  }));
  if (ctx.json) {
    ctx.out.json({ key, value: shown ?? null, ...(ctx.flag("explain") ? { layers: rows } : {}) });
    return 0;
  }
  const out = ctx.out;
  if (!ctx.flag("explain")) {
    out.line(shown === undefined ? "(unset)" : JSON.stringify(shown, null, 2));
    return 0;
  }
  out.line(
    `${out.style("bold", key)} = ${
      shown === undefined ? out.style("yellow", "(unset)") : JSON.stringify(shown)
    }`,
  );
  out.line(out.style("bold", "Set by (winner first):"));
  const lines = table(rows.map((r, i) => [
    `${i + 1}.`,
    r.kind,
    r.source,
    r.value === undefined ? "(unset)" : JSON.stringify(r.value) ?? "",
  ]));
  for (const line of lines) out.line(`  ${line}`);
  return 0;
}

/** `accsr config --check`: the problems of the configuration and of the storage settings. */
function check(ctx: CommandContext, settings: Settings): number {
  const problems: ConfigProblem[] = settings.configuration?.check() ?? [];
  if (settings.configuration === undefined && Object.keys(settings.storage).length === 0) {
    problems.push({
      key: "(root)",
      message: `no configuration file in ${settings.configDirectory} and no storage flags`,
    });
  }
  // the storage settings as a command would use them (what the CLI's schema is)
  const section = settings.section ?? "remote_storage";
  if (settings.section !== undefined || Object.keys(settings.storage).length > 0) {
    try {
      normalizeStorageConfig(settings.storage as unknown as RemoteStorageConfig);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      const field = /config "([^"]+)"/.exec(e.message)?.[1];
      const key = field === undefined ? section : `${section}.${field}`;
      const source = field === undefined ? undefined : settings.sources[field] ??
        settings.sources[field.replace(/_([a-z])/g, (_, c) => c.toUpperCase())];
      if (!problems.some((p) => p.key === key)) {
        problems.push({
          key,
          ...(source === undefined ? {} : { source: source.replace(/ \(env:.*\)$/, "") }),
          kind: "schema",
          message: e.message,
        });
      }
    }
  }
  return report(ctx, problems);
}

/** Prints the problems (or "configuration OK"); the exit code. */
function report(ctx: CommandContext, problems: ConfigProblem[]): number {
  if (ctx.json) {
    ctx.out.json({ ok: problems.length === 0, problems });
    return problems.length === 0 ? 0 : 1;
  }
  const out = ctx.out;
  if (problems.length === 0) {
    out.line("configuration OK");
    return 0;
  }
  for (const p of problems) {
    out.line(
      `${out.style("bold", p.key)}${
        p.source ? out.style("dim", ` (${p.source})`) : ""
      }: ${p.message}`,
    );
  }
  out.errLine(`${problems.length} configuration problem${problems.length === 1 ? "" : "s"} found`);
  return 1;
}
