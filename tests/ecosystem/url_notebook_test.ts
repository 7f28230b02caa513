/**
 * The intro notebook (examples/quick_intro.ipynb) in a user's own folder, with no deno.json,
 * importing the library by http URL, executed headless through Deno's Jupyter kernel with
 * scripts/notebook/run_notebook.py (as scripts/test_notebook.sh runs it in CI). Skipped when
 * Debian's jupyter-client or the Deno kernel is missing, unless ACCSR_REQUIRE_NOTEBOOK=1
 * (scripts/test_notebook.sh installs both and sets it).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, it } from "node:test";
import { expect } from "expect";
import { type CheckoutServer, ok, ROOT, runIn, serveCheckout, userFolder } from "./_serve.ts";

const PYTHON = "/usr/bin/python3";

async function skipReason(): Promise<string | undefined> {
  if (!existsSync(PYTHON)) return `${PYTHON} is missing`;
  const probe = await runIn(ROOT, PYTHON, ["-c", "import jupyter_client"]);
  if (probe.code !== 0) {
    return "python3 jupyter_client is missing (apt-get install jupyter-client jupyter-nbconvert)";
  }
  const dataHome = process.env.XDG_DATA_HOME ?? join(homedir(), ".local", "share");
  if (!existsSync(join(dataHome, "jupyter", "kernels", "deno", "kernel.json"))) {
    return "the Deno Jupyter kernel is not registered (deno jupyter --install)";
  }
  return undefined;
}

describe("the intro notebook importing the library by URL", () => {
  let server: CheckoutServer;
  before(async () => {
    server = await serveCheckout();
  });
  after(async () => {
    await server?.close();
  });

  it("runs headless through the Deno kernel from a folder without deno.json", async (t) => {
    const skip = await skipReason();
    if (skip) {
      if (process.env.ACCSR_REQUIRE_NOTEBOOK === "1") throw new Error(skip);
      t.skip(`notebook test skipped: ${skip}`);
      return;
    }
    const folder = userFolder("accsr-url-notebook-");
    try {
      const source = readFileSync(join(ROOT, "examples", "quick_intro.ipynb"), "utf8");
      const pointed = source.replaceAll('\\"../mod.ts\\"', `\\"${server.url}/mod.ts\\"`);
      expect(pointed).not.toBe(source); // the notebook's import was found and rewritten
      const notebook = join(folder.path, "quick_intro.ipynb");
      writeFileSync(notebook, pointed);
      const r = ok(
        "run_notebook.py",
        await runIn(folder.path, PYTHON, [
          join(ROOT, "scripts", "notebook", "run_notebook.py"),
          notebook,
          "--out",
          join(folder.path, "executed.ipynb"),
        ]),
      );
      expect(r.stdout).toContain("notebook OK");
      expect(server.requested).toContain("/mod.ts");
    } finally {
      folder.remove();
    }
  });
});
