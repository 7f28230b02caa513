/**
 * `accsr completion bash|zsh|fish`: the shell completion script.
 *
 * @module
 */
import { UsageError } from "../args.ts";
import { completionScript, type Shell, SHELLS } from "../completion.ts";
import type { Command, CommandContext } from "../context.ts";
import { COMMAND_SPECS } from "./mod.ts";

/**
 * `accsr completion`.
 *
 * @example
 * ```ts
 * import { completion } from "./completion.ts";
 * console.log(completion.spec.args[0].name); // "shell"
 * ```
 */
export const completion: Command = {
  spec: {
    name: "completion",
    summary: "print the shell completion script (bash, zsh, fish)",
    description: [
      "Prints a script that completes accsr's commands and options in your shell. Load it",
      "for the current session, or save it where your shell looks for completions:",
      "  bash: source <(accsr completion bash)",
      "        (or save as ~/.local/share/bash-completion/completions/accsr)",
      "  zsh:  source <(accsr completion zsh)   (or save as _accsr in a folder of $fpath)",
      "  fish: accsr completion fish | source",
      "        (or save as ~/.config/fish/completions/accsr.fish)",
    ].join("\n"),
    args: [{ name: "shell", required: true, help: "bash, zsh or fish" }],
    options: [],
    storage: false,
    json: "none (the script is printed as it is)",
    examples: [
      ["source <(accsr completion bash)", "completion in this bash session"],
      ["accsr completion fish > ~/.config/fish/completions/accsr.fish", "fish, permanently"],
    ],
  },
  run(ctx: CommandContext): Promise<number> {
    const shell = ctx.parsed.positionals[0];
    if (!(SHELLS as readonly string[]).includes(shell)) {
      throw new UsageError(
        `unknown shell "${shell}" (use one of ${SHELLS.join(", ")})`,
        completion.spec,
      );
    }
    ctx.out.io.stdout.write(completionScript(shell as Shell, COMMAND_SPECS));
    return Promise.resolve(0);
  },
};
