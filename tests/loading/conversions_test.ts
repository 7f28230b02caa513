import { describe, it } from "node:test";
import { expect } from "expect";
import { toJsonCompatibleDict, toJsonCompatibleValue } from "../../loading/mod.ts";

class Point {
  constructor(readonly x: number, readonly y: number) {}
  toJSON() {
    return { x: this.x, y: this.y, norm: Math.hypot(this.x, this.y) };
  }
}

class Opaque {
  toString() {
    return "<opaque>";
  }
}

// [description, input, expected]
const valueCases: [string, unknown, unknown][] = [
  // accsr's doctests, translated: np.array([1,2,3]), np.array([[1],[2],[3]]), nan, 3.3
  ["a flat array", [1, 2, 3], [1, 2, 3]],
  ["a nested array", [[1], [2], [3]], [[1], [2], [3]]],
  ["NaN", NaN, "nan"],
  ["a float", 3.3, 3.3],
  ["Infinity", Infinity, "inf"],
  ["-Infinity", -Infinity, "-inf"],
  ["an integer", 42, 42],
  ["zero", 0, 0],
  ["a Float64Array", Float64Array.of(1.5, 2.5), [1.5, 2.5]],
  ["a Float32Array (float32 precision, like np.float32)", Float32Array.of(0.1), [
    0.10000000149011612,
  ]],
  ["a Float64Array with NaN and Infinity (accsr keeps them)", Float64Array.of(1, NaN, -Infinity), [
    1,
    "nan",
    "-inf",
  ]],
  ["an Int32Array", Int32Array.of(1, -2), [1, -2]],
  ["a Uint8Array", Uint8Array.of(255, 0), [255, 0]],
  ["a BigInt64Array", BigInt64Array.of(1n, -(2n ** 63n)), [1, "-9223372036854775808"]],
  ["an array of typed arrays (a 2-d array)", [Int32Array.of(1), Int32Array.of(2)], [[1], [2]]],
  ["a safe bigint", 123n, 123],
  ["an unsafe bigint", 2n ** 64n, "18446744073709551616"],
  ["a negative unsafe bigint", -(2n ** 60n), "-1152921504606846976"],
  ["true", true, true],
  ["false", false, false],
  ["a string", "text", "text"],
  ["the empty string", "", ""],
  ["null", null, null],
  ["undefined", undefined, null],
  ["a Date", new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)), "2024-01-02T03:04:05.006Z"],
  ["an invalid Date", new Date(NaN), "Invalid Date"],
  ["a Map", new Map<unknown, unknown>([["a", 1], [2, NaN]]), { a: 1, 2: "nan" }],
  ["a Set", new Set([1, Infinity]), [1, "inf"]],
  ["a plain object, recursively (accsr is not recursive)", {
    a: { b: Int32Array.of(1, 2), c: NaN },
  }, {
    a: { b: [1, 2], c: "nan" },
  }],
  ["a null-prototype object", Object.assign(Object.create(null), { k: 1n }), { k: 1 }],
  ["an array with holes and undefined", [1, , undefined], [1, null, null]],
  ["an object with toJSON", new Point(3, 4), { x: 3, y: 4, norm: 5 }],
  ["an ArrayBuffer", Uint8Array.of(1, 2).buffer, [1, 2]],
  ["a DataView", new DataView(Uint8Array.of(9, 8, 7).buffer, 1), [8, 7]],
  ["an instance without toJSON", new Opaque(), "<opaque>"],
  ["an Error", new Error("boom"), "Error: boom"],
  ["a symbol", Symbol("s"), "Symbol(s)"],
];

describe("toJsonCompatibleValue", () => {
  for (const [description, input, expected] of valueCases) {
    it(`converts ${description}`, () => {
      const out = toJsonCompatibleValue(input);
      expect(out).toEqual(expected);
      // and the result survives a JSON round trip unchanged
      expect(JSON.parse(JSON.stringify(out))).toEqual(expected);
    });
  }

  it("keeps -0 as a number", () => {
    expect(Object.is(toJsonCompatibleValue(-0), -0)).toBe(true);
  });

  it("rejects cyclic structures with a TypeError", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(() => toJsonCompatibleValue(cyclic)).toThrow(TypeError);
    const list: unknown[] = [];
    list.push(list);
    expect(() => toJsonCompatibleValue(list)).toThrow(TypeError);
  });

  it("accepts the same object twice when it is not a cycle", () => {
    const shared = { v: NaN };
    expect(toJsonCompatibleValue([shared, shared])).toEqual([{ v: "nan" }, { v: "nan" }]);
  });
});

describe("toJsonCompatibleDict", () => {
  it("converts accsr's doctest: {a: int32(1), b: array([1, 2])} → {a: 1, b: [1, 2]}", () => {
    expect(toJsonCompatibleDict({ a: 1, b: Int32Array.of(1, 2) })).toEqual({ a: 1, b: [1, 2] });
  });

  it("converts nested values at every depth", () => {
    const d = {
      metrics: { loss: NaN, best: Infinity, counts: BigInt64Array.of(3n) },
      when: new Date(0),
      tags: new Set(["x"]),
      big: 2n ** 70n,
    };
    expect(toJsonCompatibleDict(d)).toEqual({
      metrics: { loss: "nan", best: "inf", counts: [3] },
      when: "1970-01-01T00:00:00.000Z",
      tags: ["x"],
      big: "1180591620717411303424",
    });
  });

  it("does not modify its input", () => {
    const d = { a: Float64Array.of(NaN) };
    toJsonCompatibleDict(d);
    expect(Number.isNaN(d.a[0])).toBe(true);
  });

  it("rejects non-objects with a TypeError", () => {
    expect(() => toJsonCompatibleDict(null as unknown as Record<string, unknown>)).toThrow(
      TypeError,
    );
    expect(() => toJsonCompatibleDict([1] as unknown as Record<string, unknown>)).toThrow(
      TypeError,
    );
  });
});
