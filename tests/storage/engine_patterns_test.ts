/** Unit tests of `storage/patterns.ts`: Python `re.match` semantics for include/exclude. */
import { describe, it } from "node:test";
import { expect } from "expect";
import { compilePattern, skipPredicate } from "../../storage/patterns.ts";

describe("compilePattern", () => {
  it("returns undefined for no pattern", () => {
    expect(compilePattern(undefined)).toBeUndefined();
    expect(compilePattern(null)).toBeUndefined();
  });

  it("matches at the start only, not necessarily the whole path (re.match)", () => {
    const m = compilePattern("sample")!;
    expect(m("sample_dir/a.txt")).toBe(true);
    expect(m("sample.txt")).toBe(true);
    expect(m("d/sample.txt")).toBe(false);
    const sub = compilePattern("sub")!;
    expect(sub("d/sub/b.txt")).toBe(false);
    expect(compilePattern(".*sub")!("d/sub/b.txt")).toBe(true);
  });

  it("an explicit $ anchors the end", () => {
    const m = compilePattern(".*\\.txt$")!;
    expect(m("a.txt")).toBe(true);
    expect(m("a.txt.bak")).toBe(false);
  });

  it("is repeatable (no lastIndex state leaks between calls)", () => {
    const m = compilePattern("a")!;
    for (let i = 0; i < 3; i++) {
      expect(m("abc")).toBe(true);
      expect(m("xa")).toBe(false);
    }
  });

  it("accepts RegExp objects, keeping their flags but anchoring at the start", () => {
    const m = compilePattern(/SAMPLE/gi)!;
    expect(m("sample.txt")).toBe(true);
    expect(m("sample.txt")).toBe(true); // the g flag does not make it stateful
    expect(m("x/sample.txt")).toBe(false);
    const unanchored = compilePattern(/.*b\.txt/)!;
    expect(unanchored("d/sub/b.txt")).toBe(true);
  });

  it("translates Python named groups", () => {
    const m = compilePattern("(?P<dir>[a-z]+)/(?P=dir)")!;
    expect(m("ab/ab")).toBe(true);
    expect(m("ab/cd")).toBe(false);
  });

  it("an invalid pattern is a RangeError naming it", () => {
    expect(() => compilePattern("(", "include")).toThrow(RangeError);
    expect(() => compilePattern("sample[", "exclude")).toThrow(/exclude regex "sample\["/);
  });

  it("a pattern of the wrong type is a TypeError", () => {
    expect(() => compilePattern(42 as unknown as string)).toThrow(TypeError);
  });
});

describe("skipPredicate", () => {
  it("skips nothing without patterns", () => {
    const skip = skipPredicate();
    expect(skip("anything")).toBe(false);
  });

  it("skips what include does not match", () => {
    const skip = skipPredicate("d/");
    expect(skip("d/a.txt")).toBe(false);
    expect(skip("top.txt")).toBe(true);
  });

  it("skips what exclude matches", () => {
    const skip = skipPredicate(undefined, "d/sub");
    expect(skip("d/sub/b.txt")).toBe(true);
    expect(skip("d/a.txt")).toBe(false);
    expect(skip("x/d/sub/b.txt")).toBe(false); // anchored at the start
  });

  it("exclude wins over include", () => {
    const skip = skipPredicate("sample", "sample_2");
    expect(skip("sample.txt")).toBe(false);
    expect(skip("sample_2.txt")).toBe(true);
    expect(skip("other.txt")).toBe(true);
    const both = skipPredicate("a", "a");
    expect(both("a.txt")).toBe(true);
  });

  it("accepts null like undefined", () => {
    expect(skipPredicate(null, null)("x")).toBe(false);
  });
});
