import { describe, it } from "node:test";
import { expect } from "expect";
import { deepMerge } from "../../config/mod.ts";

describe("deepMerge", () => {
  it("merges nested objects deeply, the override winning", () => {
    const merged = deepMerge(
      { a: 1, nested: { b: 2, deeper: { c: 3, d: 4 } } },
      { nested: { deeper: { d: 40, e: 50 } }, f: 6 },
    );
    expect(merged).toEqual({ a: 1, nested: { b: 2, deeper: { c: 3, d: 40, e: 50 } }, f: 6 });
  });

  it("replaces arrays instead of concatenating them", () => {
    expect(deepMerge({ l: [1, 2, 3], n: { l: ["a"] } }, { l: [4], n: { l: [] } })).toEqual({
      l: [4],
      n: { l: [] },
    });
  });

  it("lets null in the override replace the base value", () => {
    expect(deepMerge({ a: { b: 1 }, c: "x" }, { a: null, c: null })).toEqual({ a: null, c: null });
  });

  it("replaces a scalar with an object (where accsr crashed)", () => {
    expect(deepMerge({ a: "scalar", b: 1 }, { a: { now: "object" } })).toEqual({
      a: { now: "object" },
      b: 1,
    });
  });

  it("replaces an object with a scalar", () => {
    expect(deepMerge({ a: { x: 1 } }, { a: "scalar" })).toEqual({ a: "scalar" });
  });

  it("never mutates its inputs", () => {
    const base = { a: { b: 1 }, l: [1] };
    const override = { a: { c: 2 }, l: [2], s: { t: 3 } };
    const baseCopy = structuredClone(base);
    const overrideCopy = structuredClone(override);
    deepMerge(base, override);
    expect(base).toEqual(baseCopy);
    expect(override).toEqual(overrideCopy);
  });

  it("returns a result that shares no object or array with its inputs", () => {
    const base = { kept: { x: [1] }, merged: { y: 1 } };
    const override = { merged: { z: { w: 1 } }, list: [{ v: 1 }] };
    const merged = deepMerge(base, override) as {
      kept: { x: number[] };
      merged: { z: { w: number } };
      list: { v: number }[];
    };
    merged.kept.x.push(2);
    merged.merged.z.w = 99;
    merged.list[0].v = 99;
    expect(base).toEqual({ kept: { x: [1] }, merged: { y: 1 } });
    expect(override).toEqual({ merged: { z: { w: 1 } }, list: [{ v: 1 }] });
  });

  it("keeps a __proto__ key from a parsed file as data, without changing prototypes", () => {
    const merged = deepMerge({}, JSON.parse('{"__proto__": {"polluted": true}}'));
    expect(Object.keys(merged)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
