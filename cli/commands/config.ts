/**
 * `accsr config`: the merged configuration, secrets redacted, optionally with provenance.
 *
 * @module
 */
import type { Command, CommandContext } from "../context.ts";
import { table } from "../output.ts";
import { redactDeep } from "../../redact.ts";
import { redactedStorage, resolvedConfig } from "../settings.ts";

/**
 * `accsr config`.
 *
 * @example
 * ```ts
 * import { config } from "./config.ts";
 * console.log(config.spec.options); // ["explain"]
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
      "variable of an env: marker), a flag, or an environment variable.",
    ].join("\n"),
    args: [],
    options: ["explain"],
    storage: true,
    json: [
      '{ "files": [absolute paths read, in order], "config_directory": absolute path,',
      '  "section": "remote_storage" | "remote_storage_config" | null,',
      '  "remote_storage": { effective settings, secrets "***" },',
      '  "config": { merged configuration, env: resolved, secrets "***" },',
      '  "sources": { key: "/abs/config.json" | "/abs/f.json (env:NAME)" | "--flag" | "env NAME" }',
      "}   (sources only with --explain)",
    ].join("\n"),
    examples: [
      ["accsr config", "what the other commands will use"],
      ["accsr config --explain", "and where each storage value comes from"],
      ["accsr config --config base.yml --config ci.json --json", "other files, as JSON"],
    ],
  },
  run(ctx: CommandContext): Promise<number> {
    const settings = ctx.settings();
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
        ...(explain ? { sources: settings.sources } : {}),
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
    if (rows.length === 0) out.line("  not configured");
    for (const line of table(rows)) out.line(`  ${line}`);
    out.line(out.style("bold", "Configuration (merged, secrets redacted):"));
    out.line(JSON.stringify(merged, null, 2));
    return Promise.resolve(0);
  },
};
