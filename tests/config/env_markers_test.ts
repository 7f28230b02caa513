import { describe, it } from "node:test";
import process from "node:process";
import { expect } from "expect";
import { ENV_VAR_MARKER, parseEnvMarker, resolveEnvMarkers } from "../../config/mod.ts";
import { withProcessEnv } from "./_helpers.ts";

describe("resolveEnvMarkers", () => {
  it("exposes the marker accsr uses", () => {
    expect(ENV_VAR_MARKER).toBe("env:");
  });

  it("replaces an env: string by the variable's value", () => {
    expect(resolveEnvMarkers("env:HOST", { HOST: "db.local" })).toBe("db.local");
  });

  it("gives undefined for an unset variable", () => {
    expect(resolveEnvMarkers({ a: "env:UNSET" }, {})).toEqual({ a: undefined });
    expect(resolveEnvMarkers("env:", {})).toBeUndefined();
  });

  it("gives the empty string for a variable set to empty, without a fallback", () => {
    expect(resolveEnvMarkers("env:EMPTY", { EMPTY: "" })).toBe("");
  });

  it("resolves markers at every depth: objects, lists in objects, lists in lists", () => {
    const env = { X: "x" };
    const value = {
      a: "env:X",
      nested: { b: "env:X", list: ["env:X", "plain", { c: "env:X" }, ["env:X", 1]] },
      top: [{ d: ["env:X"] }],
    };
    expect(resolveEnvMarkers(value, env)).toEqual({
      a: "x",
      nested: { b: "x", list: ["x", "plain", { c: "x" }, ["x", 1]] },
      top: [{ d: ["x"] }],
    });
  });

  it("returns a copy and leaves the input unchanged", () => {
    const value = { a: "env:X", l: ["env:X"] };
    const resolved = resolveEnvMarkers(value, { X: "x" });
    expect(value).toEqual({ a: "env:X", l: ["env:X"] });
    expect(resolved.l).not.toBe(value.l);
  });

  it("removes the literal env: prefix, not a set of characters", () => {
    const env = { nvidia_home: "/opt/nvidia", idia_home: "wrong", v1: "right", "1": "wrong" };
    expect(resolveEnvMarkers("env:nvidia_home", env)).toBe("/opt/nvidia");
    expect(resolveEnvMarkers("env:v1", env)).toBe("right");
  });

  it("only treats a case-sensitive env: at the very start as a marker", () => {
    const env = { X: "x" };
    expect(resolveEnvMarkers(["ENV:X", " env:X", "xenv:X"], env)).toEqual([
      "ENV:X",
      " env:X",
      "xenv:X",
    ]);
  });

  it("uses the :- fallback when the variable is unset or empty (shell semantics)", () => {
    expect(resolveEnvMarkers("env:PORT:-8080", {})).toBe("8080");
    expect(resolveEnvMarkers("env:PORT:-8080", { PORT: "" })).toBe("8080");
    expect(resolveEnvMarkers("env:PORT:-8080", { PORT: "9000" })).toBe("9000");
    expect(resolveEnvMarkers("env:PORT:-", {})).toBe("");
    expect(resolveEnvMarkers("env:URL:-http://h:1/x", {})).toBe("http://h:1/x");
  });

  it("leaves non-string values alone", () => {
    const value = { n: 1, b: false, z: null, l: [] as unknown[] };
    expect(resolveEnvMarkers(value, {})).toEqual(value);
  });

  it("does not read inherited properties such as toString as variables", () => {
    expect(resolveEnvMarkers("env:toString", {})).toBeUndefined();
  });

  it("reads process.env at call time by default", () => {
    withProcessEnv("ACCSR_TEST_MARKER_VAR", "first", () => {
      expect(resolveEnvMarkers("env:ACCSR_TEST_MARKER_VAR")).toBe("first");
      process.env.ACCSR_TEST_MARKER_VAR = "second";
      expect(resolveEnvMarkers("env:ACCSR_TEST_MARKER_VAR")).toBe("second");
    });
  });
});

describe("parseEnvMarker", () => {
  it("splits a marker into name and fallback", () => {
    expect(parseEnvMarker("env:A")).toEqual({ name: "A" });
    expect(parseEnvMarker("env:A:-b:-c")).toEqual({ name: "A", fallback: "b:-c" });
    expect(parseEnvMarker("not a marker")).toBeUndefined();
    expect(parseEnvMarker(3)).toBeUndefined();
  });
});
