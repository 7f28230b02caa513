/** Python regex semantics of include/exclude patterns: every construct of docs/patterns.md
 * selects what Python's `re.match` selects on a fixed list of paths. The expected results were
 * computed once with Python 3.11.7 (`re.match(p, path) is not None`) and are written in here. */
import { describe, it } from "node:test";
import { expect } from "expect";
import { compilePattern, joinPatterns } from "../../storage/patterns.ts";

const PATHS = [
  "data/a.txt",
  "data/sub/b.csv",
  "Data/A.TXT",
  "data/ü.txt",
  "données/é.csv",
  "x/data/a.txt",
  "data/a.txt\n",
  "line1\nline2",
  "a b/c d.txt",
  "2024/01/x.bin",
  "٣/arabic-digit",
  "résumé.pdf",
  "aa/aa",
  "ab/cd",
  "data",
  "_tmp/x",
  "CON]",
  "tab\there",
  "ſ.txt",
  "data/a.txt.bak",
  "😀/smile.txt",
];
/** pattern → whether re.match(pattern, path) is not None, per PATHS (Python 3.11.7). */
const EXPECTED: [string, string][] = [
  ["data", "11.1..1.......1....1."],
  ["data\\Z", "..............1......"],
  ["data\\A", "....................."],
  ["\\Adata/", "11.1..1............1."],
  [".*\\.txt\\Z", "1..1.1..1.........1.1"],
  [".*\\.txt$", "1..1.11.1.........1.1"],
  ["data/a\\.txt$", "1.....1.............."],
  ["(?i)data/", "1111..1............1."],
  ["(?i)DATA/A\\.TXT$", "1.1...1.............."],
  ["(?i)s\\.txt", "..................1.."],
  ["(?s)line1.line2", ".......1............."],
  ["line1.line2", "....................."],
  ["(?m)line1$", ".......1............."],
  ["line1$", "....................."],
  ["(?m).*^line2", "....................."],
  [".*^line2", "....................."],
  ["(?x) data / \\w+  # a comment\n\\.txt", "1..1..1............1."],
  ["(?x)a\\ b", "........1............"],
  ["(?ix) DATA / a", "1.1...1............1."],
  ["(?P<d>[a-z]+)/(?P=d)", "............1........"],
  ["(\\w+)/\\1", "............1........"],
  ["\\w+/\\w\\.txt", "1..1..1............1."],
  ["\\w+/ü", "...1................."],
  ["\\d+/", ".........11.........."],
  ["\\d/", "..........1.........."],
  ["[\\d]/", "..........1.........."],
  [".*\\bsub\\b", ".1..................."],
  ["\\w+\\b/", "1111111..11.11.1...1."],
  [".*\\Bata", "1111.11.......1....1."],
  ["d\\B", "11.11.1.......1....1."],
  ["[^\\W\\d]+/", "1111111.....11.1...1."],
  ["[\\w.]+/", "1111111..11.11.1...1."],
  ["[^/]+\\.csv", "....................."],
  ["[]a-z]+/", "11.1.11.....11.....1."],
  ["CON\\]", "................1...."],
  ["[\\s]?tab\\s", ".................1..."],
  [".*\\S\\.pdf", "...........1........."],
  ["a{2}/", "............1........"],
  ["a{,1}/", "....................."],
  ["a{1,}b", ".............1......."],
  ["x{}", "....................."],
  ["d(?=ata)", "11.1..1.......1....1."],
  ["(?!data)\\w+/", "..1.11...11.11.1....."],
  ["data/(?<=a/)a", "1.....1............1."],
  ["(?<!x)data", "11.1..1.......1....1."],
  ["(?#comment)data", "11.1..1.......1....1."],
  ["\\x64ata", "11.1..1.......1....1."],
  ["\\u0064ata", "11.1..1.......1....1."],
  ["\\U00000064ata", "11.1..1.......1....1."],
  ["\\144ata", "11.1..1.......1....1."],
  ["data/.\\.txt", "1..1..1............1."],
  ["😀", "....................1"],
  ["\\W", "....................1"],
  ["\\S+/smile", "....................1"],
  ["(?:data|Data)/[aA]", "1.1...1............1."],
  ["r\\u00e9sum", "...........1........."],
  ["[\\x00-\\x7f]+/", "1111.11.11..11.1...1."],
  ["(?u)\\w", "11111111111111111111."],
  ["tab\\t", ".................1..."],
  ["[a-c]{2}/", "............11......."],
  [".*?\\.txt", "1..1.11.1.........111"],
  ["(data|x)/", "11.1.11............1."],
  ["(?i)[^a-z]", ".........11....1....1"],
  ["(?i)ſ", "..................1.."],
  ["(?i)S", "..................1.."],
  ["[\\]]", "....................."],
  ["[a\\-z]+", "........1...11......."],
  ["[\\b]", "....................."],
];

describe("Python regex constructs select what re.match selects", () => {
  for (const [pattern, expected] of EXPECTED) {
    it(`${JSON.stringify(pattern)} on the fixed paths`, () => {
      const m = compilePattern(pattern)!;
      const got = PATHS.map((p) => (m(p) ? "1" : ".")).join("");
      expect({ pattern, got }).toEqual({ pattern, got: expected });
    });
  }
});

describe("constructs that are refused by name", () => {
  const refused: [string, RegExp][] = [
    ["(?a)\\w", /ASCII flag \(\?a\)/],
    ["(?i:a)", /scoped inline flags \(\?i:…\)/],
    ["(?-i:a)", /scoped inline flags/],
    ["(?>a)", /atomic group/],
    ["a*+", /possessive quantifier/],
    ["a{1,2}+", /possessive quantifier/],
    ["(a)?(?(1)b|c)", /conditional group/],
    ["\\N{LATIN SMALL LETTER A}", /named Unicode escape/],
    ["(a)(?<=\\1)", /backreference inside a lookbehind/],
  ];
  for (const [pattern, message] of refused) {
    it(`refuses ${JSON.stringify(pattern)} (Python accepts it, JavaScript would differ)`, () => {
      expect(() => compilePattern(pattern, "include")).toThrow(RangeError);
      expect(() => compilePattern(pattern, "include")).toThrow(message);
      expect(() => compilePattern(pattern, "include")).toThrow(/not supported/);
    });
  }
});

describe("patterns Python rejects are rejected with Python's reason", () => {
  const rejected: [string, string][] = [
    ["a(?i)", "global flags not at the start of the expression"],
    [" (?x)a", "global flags not at the start of the expression"],
    ["(?i) (?x)a", "global flags not at the start of the expression"],
    ["\\z", "bad escape \\z"],
    ["(?<n>a)", "unknown extension ?<"],
    ["(?<=a|bc)", "look-behind requires fixed-width pattern"],
    ["\\b*", "nothing to repeat"],
    ["a**", "multiple repeat"],
    ["(a\\1)", "cannot refer to an open group"],
    ["(a)\\2", "invalid group reference 2"],
    ["[z-a]", "bad character range z-a"],
    ["[\\w-z]", "bad character range \\w-z"],
    ["(", "missing ), unterminated subpattern"],
    [")", "unbalanced parenthesis"],
    ["[a", "unterminated character set"],
    ["\\8", "invalid group reference 8"],
    ["(?L)a", "cannot use 'L' flag"],
    ["a{3,2}", "min repeat greater than max repeat"],
  ];
  for (const [pattern, reason] of rejected) {
    it(`rejects ${JSON.stringify(pattern)}: ${reason}`, () => {
      let message = "";
      try {
        compilePattern(pattern, "exclude");
      } catch (e) {
        expect(e).toBeInstanceOf(RangeError);
        message = (e as Error).message;
      }
      expect(message).toContain(`exclude regex "${pattern}"`);
      expect(message).toContain(reason);
    });
  }
});

describe("joinPatterns (repeated --include / --exclude)", () => {
  it("joins plain patterns as alternatives", () => {
    const m = compilePattern(joinPatterns(["data/a", "aa/"]))!;
    expect(PATHS.filter(m)).toEqual(["data/a.txt", "data/a.txt\n", "aa/aa", "data/a.txt.bak"]);
  });

  it("hoists equal leading flags so the joined pattern stays valid Python", () => {
    const joined = joinPatterns(["(?i)DATA/A", "(?i)AA/"]);
    expect(joined).toBe("(?i)(?:DATA/A)|(?:AA/)");
    expect(PATHS.filter(compilePattern(joined)!)).toEqual([
      "data/a.txt",
      "Data/A.TXT",
      "data/a.txt\n",
      "aa/aa",
      "data/a.txt.bak",
    ]);
  });

  it("keeps verbose comments from swallowing the closing parenthesis", () => {
    const joined = joinPatterns(["(?x) aa / # comment", "(?x) ab / # other"]);
    expect(PATHS.filter(compilePattern(joined)!)).toEqual(["aa/aa", "ab/cd"]);
  });

  it("refuses patterns whose leading flags differ", () => {
    expect(() => joinPatterns(["(?i)a", "b"])).toThrow(/leading inline flags differ/);
  });
});

describe("leading flags", () => {
  it("(?x) lets whitespace and comments separate later leading flags, as in Python", () => {
    const m = compilePattern("(?x) # verbose\n (?i) a")!;
    expect(["a", "A", " a"].map(m)).toEqual([true, true, false]);
  });
});
