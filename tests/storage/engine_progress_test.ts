import process from "node:process";
/** Unit tests of `storage/progress.ts`: accsr's readable sizes and the default reporter. */
import { describe, it } from "node:test";
import { expect } from "expect";
import { defaultReporter, logLevelFromEnv, readableSize } from "../../storage/progress.ts";

describe("readableSize", () => {
  const cases: [number, string][] = [
    [0, "0 B"],
    [999, "999 B"],
    [1000, "1 kB"],
    [2500, "2 kB"], // round half to even, like Python
    [1500, "2 kB"],
    [3500, "4 kB"],
    [2501, "3 kB"],
    [999999, "1000 kB"],
    [1_000_000, "1.0 MB"],
    [1_234_567, "1.2 MB"],
    [999999999, "1000.0 MB"],
    [1e9, "1.00 GB"],
    [12_345_678_901, "12.35 GB"],
  ];
  for (const [n, s] of cases) {
    it(`${n} → ${s}`, () => expect(readableSize(n)).toBe(s));
  }
});

describe("defaultReporter", () => {
  function fakeStream(isTTY: boolean): { out: string[]; stream: NodeJS.WriteStream } {
    const out: string[] = [];
    const stream = {
      isTTY,
      write: (s: string) => (out.push(s), true),
    } as unknown as NodeJS.WriteStream;
    return { out, stream };
  }

  it("without a terminal and with logLevel info, logs info and warnings as lines", () => {
    const { out, stream } = fakeStream(false);
    const r = defaultReporter({ usePbar: true, stream, logLevel: "info" });
    r.log?.("info", "Uploading file 1/1 to b: a.txt (1 B)");
    r.log?.("warn", "careful");
    r.transferStart?.({ direction: "push", files: 1, bytes: 1, force: false });
    r.bytes?.(1);
    r.transferEnd?.();
    expect(out).toEqual(["Uploading file 1/1 to b: a.txt (1 B)\n", "warning: careful\n"]);
  });

  it("verbose: false keeps only warnings", () => {
    const { out, stream } = fakeStream(false);
    const r = defaultReporter({ usePbar: false, stream, verbose: false });
    r.log?.("info", "quiet");
    r.log?.("warn", "loud");
    expect(out).toEqual(["warning: loud\n"]);
  });

  it("with a terminal and usePbar, info lines are not logged (the bar shows progress)", () => {
    const { out, stream } = fakeStream(true);
    const r = defaultReporter({ usePbar: true, stream, logLevel: "info" });
    r.log?.("info", "hidden behind the bar");
    expect(out).toEqual([]);
  });

  it("asks for nothing, prints nothing: no log line without ACCSR_LOG, a logger or logLevel", () => {
    const saved = process.env.ACCSR_LOG;
    delete process.env.ACCSR_LOG;
    try {
      const { out, stream } = fakeStream(false);
      const r = defaultReporter({ usePbar: true, stream });
      r.log?.("info", "Scanning files in /x");
      r.log?.("warn", "careful");
      r.transferStart?.({ direction: "push", files: 1, bytes: 1, force: false });
      r.bytes?.(1);
      r.fileDone?.({} as never, 1, 1);
      r.transferEnd?.();
      expect(out).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.ACCSR_LOG;
      else process.env.ACCSR_LOG = saved;
    }
  });

  it("ACCSR_LOG=info and ACCSR_LOG=warn turn the lines on", () => {
    expect(logLevelFromEnv({ ACCSR_LOG: "info" })).toBe("info");
    expect(logLevelFromEnv({ ACCSR_LOG: "WARN" })).toBe("warn");
    expect(logLevelFromEnv({})).toBe("off");
    // (process.env is shared with tests running in parallel: no ACCSR_LOG=info set here)
    const { out, stream } = fakeStream(false);
    const level = logLevelFromEnv({ ACCSR_LOG: "info" });
    defaultReporter({ usePbar: false, stream, logLevel: level }).log?.("info", "Scanning /x");
    expect(out).toEqual(["Scanning /x\n"]);
  });

  it("a logger receives every line instead of the stream", () => {
    const { out, stream } = fakeStream(false);
    const lines: string[] = [];
    const r = defaultReporter({
      usePbar: false,
      stream,
      logger: (l, m) => lines.push(`${l} ${m}`),
    });
    r.log?.("info", "a");
    r.log?.("warn", "b");
    expect(lines).toEqual(["info a", "warn b"]);
    expect(out).toEqual([]);
  });

  it("the bar on a terminal shows files done/total, bytes, rate and ETA", async () => {
    const { out, stream } = fakeStream(true);
    const r = defaultReporter({ usePbar: true, stream });
    r.transferStart?.({ direction: "push", files: 2, bytes: 2000, force: false });
    // the bar library loads lazily: wait until the bar is drawn (a loaded machine may take seconds)
    for (let i = 0; i < 200 && !out.join("").includes("pushing"); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    r.bytes?.(1000);
    r.fileDone?.({} as never, 1, 2);
    r.bytes?.(1000);
    r.fileDone?.({} as never, 2, 2);
    r.transferEnd?.();
    const text = out.join("");
    expect(text).toContain("pushing");
    expect(text).toMatch(/2\/2 files 2 kB\/2 kB/);
    expect(text).toMatch(/(B|kB|MB)\/s|-/);
    expect(text).toContain("ETA");
  });
});
