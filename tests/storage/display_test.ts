/**
 * The notebook display of plans and listings: the first 50 rows and a "… N more" line,
 * totals, and a DRY RUN badge on the plan of a dry run.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { expect } from "expect";
import { RemoteStorage } from "../../storage/mod.ts";

type Display = { [Symbol.iterator]?: unknown } & Record<symbol, () => Record<string, string>>;
const display = (value: unknown): Record<string, string> =>
  (value as Display)[Symbol.for("Jupyter.display")]();
const rowsOf = (html: string) => (html.match(/<tr>/g) ?? []).length - 1; // minus the header

describe("notebook display", () => {
  it("a 2,000-file plan shows 50 rows, '… 1950 more', totals and a DRY RUN badge", async () => {
    const dir = mkdtempSync(join(tmpdir(), "accsr-display-"));
    try {
      mkdirSync(join(dir, "data"));
      for (let i = 0; i < 2000; i++) writeFileSync(join(dir, "data", `f${i}.txt`), `${i}`);
      const storage = new RemoteStorage({ provider: "memory", bucket: "display-bucket" });
      await storage.createBucket();
      const plan = await storage.push("data", { localPathPrefix: dir, dryrun: true });
      const shown = display(plan);
      expect(rowsOf(shown["text/html"])).toBe(51); // 50 files and the "more" line
      expect(shown["text/html"]).toContain("… 1950 more");
      expect(shown["text/html"]).toContain("DRY RUN");
      expect(shown["text/html"]).toContain("2000 file(s) to sync");
      expect(shown["text/plain"]).toMatch(/^DRY RUN /);
      expect(shown["text/html"].length).toBeLessThan(20_000);

      const done = await storage.push("data", { localPathPrefix: dir });
      expect(display(done)["text/html"]).not.toContain("DRY RUN");
      expect(display(done)["text/html"]).toContain("2000 synced");

      const listed = await storage.listObjects("data");
      expect(listed).toHaveLength(2000);
      const list = display(listed);
      expect(rowsOf(list["text/html"])).toBe(51);
      expect(list["text/html"]).toContain("… 1950 more");
      expect(list["text/plain"]).toMatch(/^2000 object\(s\), \d+ bytes$/);

      const doomed = await storage.delete("data", { dryrun: true });
      expect(display(doomed)["text/plain"]).toMatch(/^DRY RUN: would delete 2000 object\(s\)/);
      await storage.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a short plan shows every row and no 'more' line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "accsr-display-"));
    try {
      writeFileSync(join(dir, "a.txt"), "a");
      const storage = new RemoteStorage({ provider: "memory", bucket: "display-bucket-2" });
      await storage.createBucket();
      const plan = await storage.push("a.txt", { localPathPrefix: dir, dryrun: true });
      const html = display(plan)["text/html"];
      expect(rowsOf(html)).toBe(1);
      expect(html).not.toContain("more</i>");
      await storage.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
