/**
 * Translates a Python `re` pattern (str pattern, Python 3.11 syntax) into a JavaScript
 * `RegExp` with the same `re.match` selection, or refuses it with a `RangeError` that names
 * the construct. Nothing is passed through untranslated: every literal, class, anchor and
 * escape is re-emitted for the JavaScript `u` flag, so JavaScript-only readings (`\p{…}`,
 * `\k<…>`, `.` excluding `\r`, ASCII `\w`, `$` only at the very end) cannot leak in.
 *
 * Supported: literals and escapes (`\x`, `\u`, `\U`, octal, `\a\f\n\r\t\v`), classes
 * (including a leading `]`, ranges, `\d\D\s\S\w\W` inside), `.`, `^`, `$`, `\A`, `\Z`,
 * `\b`, `\B`, groups `(…)`, `(?:…)`, `(?P<name>…)`, backreferences `\1`…`\99` and
 * `(?P=name)`, lookahead, fixed-width lookbehind, comments `(?#…)`, all quantifiers
 * including lazy ones and `{,n}`, and leading global flags `(?i)`, `(?m)`, `(?s)`, `(?x)`,
 * `(?u)`. Refused by name: `(?a)`, `(?L)`, scoped flags `(?i:…)`, flags not at the start,
 * atomic groups `(?>…)`, possessive quantifiers, conditionals `(?(…)…)`, `\N{…}`, and
 * backreferences inside lookbehind. Patterns Python itself rejects are refused too.
 *
 * @module
 */

/** Python's `\w` for str patterns: `str.isalnum()` or `_` (Unicode letters and numbers). */
const WORD = String.raw`\p{L}\p{N}_`;
/** Python's `\d` for str patterns: Unicode decimal digits (`str.isdecimal()`). */
const DIGIT = String.raw`\p{Nd}`;
/** Python's `\s` for str patterns (`str.isspace()`), listed: JavaScript's `\s` differs. */
const SPACE = String
  .raw`\t-\r\u{1c}-\u{20}\u{85}\u{a0}\u{1680}\u{2000}-\u{200a}\u{2028}\u{2029}\u{202f}\u{205f}\u{3000}`;
const W = `[${WORD}]`;
const ANY = String.raw`[\s\S]`;

/** Width range of a piece, for Python's fixed-width lookbehind rule. */
type Width = [number, number];

interface Piece {
  src: string;
  width: Width;
  /** Python refuses to repeat anchors such as `^`, `$`, `\b` ("nothing to repeat"). */
  anchor?: boolean;
  /** Contains a backreference (refused inside lookbehind). */
  backref?: boolean;
}

/** A class item: a code point range or a named set (`\d`, `\W`, …). */
type ClassItem =
  | { kind: "range"; lo: number; hi: number }
  | { kind: "set"; positive: string; negated: boolean };

/** Result of {@linkcode translatePythonRegex}: `new RegExp(source, flags)`. */
export interface TranslatedRegex {
  source: string;
  flags: string;
}

const FLAG_LETTERS = "aiLmsux";

/**
 * Splits the leading global inline flags (`(?i)`, `(?ms)`, …) off a Python pattern.
 *
 * @example
 * ```ts
 * import { leadingFlags } from "./_python_regex.ts";
 * leadingFlags("(?i)(?s)a.b"); // { flags: "is", rest: "a.b" }
 * ```
 */
export function leadingFlags(pattern: string): { flags: string; rest: string } {
  let flags = "";
  let i = 0;
  for (;;) {
    if (flags.includes("x")) i = skipVerbose(pattern, i);
    const m = /^\(\?([a-zA-Z]+)\)/.exec(pattern.slice(i));
    if (m === null || [...m[1]].some((c) => !FLAG_LETTERS.includes(c))) break;
    for (const c of m[1]) if (!flags.includes(c)) flags += c;
    i += m[0].length;
  }
  return { flags, rest: pattern.slice(i) };
}

function skipVerbose(p: string, i: number): number {
  for (;;) {
    if (i < p.length && " \t\n\r\v\f".includes(p[i])) i++;
    else if (p[i] === "#") {
      while (i < p.length && p[i] !== "\n") i++;
    } else return i;
  }
}

function lit(cp: number): string {
  const c = String.fromCodePoint(cp);
  return /^[A-Za-z0-9_]$/.test(c) ? c : `\\u{${cp.toString(16)}}`;
}

const add = (a: number, b: number) => a + b;

/**
 * Translates a Python `re` pattern into JavaScript `RegExp` source and flags (always `u`,
 * plus `i` for `(?i)`; the caller adds `y` to anchor like `re.match`).
 *
 * @throws {RangeError} The pattern is invalid in Python, or uses a construct that is not
 * translated; the message names the construct and its position.
 *
 * @example
 * ```ts
 * import { translatePythonRegex } from "./_python_regex.ts";
 * const t = translatePythonRegex("(?i)data\\Z");
 * new RegExp(t.source, t.flags + "y").test("DATA"); // true
 * ```
 */
export function translatePythonRegex(pattern: string): TranslatedRegex {
  return new Translator(pattern).run();
}

class Translator {
  private i = 0;
  private flags = "";
  private groups = 0;
  private readonly names = new Map<string, number>();
  private readonly open = new Set<number>();
  constructor(private readonly p: string) {}

  private fail(what: string, at = this.i): never {
    throw new RangeError(`${what} at position ${at}`);
  }

  private refuse(construct: string, at: number): never {
    throw new RangeError(
      `${construct} at position ${at} is not supported (Python and JavaScript would select differently)`,
    );
  }

  run(): TranslatedRegex {
    const { flags, rest } = leadingFlags(this.p);
    this.i = this.p.length - rest.length;
    if (flags.includes("L")) {
      this.fail("bad inline flags: cannot use 'L' flag with a str pattern", 0);
    }
    if (flags.includes("a")) this.refuse("the ASCII flag (?a)", 0);
    this.flags = flags;
    const body = this.alternation();
    if (this.i < this.p.length) this.fail("unbalanced parenthesis");
    return { source: body.src, flags: "u" + (flags.includes("i") ? "i" : "") };
  }

  private get verbose(): boolean {
    return this.flags.includes("x");
  }

  private alternation(): Piece {
    const branches = [this.sequence()];
    while (this.p[this.i] === "|") {
      this.i++;
      branches.push(this.sequence());
    }
    if (branches.length === 1) return branches[0];
    return {
      src: branches.map((b) => b.src).join("|"),
      width: [
        Math.min(...branches.map((b) => b.width[0])),
        Math.max(...branches.map((b) => b.width[1])),
      ],
      backref: branches.some((b) => b.backref),
    };
  }

  private sequence(): Piece {
    const items: (Piece & { repeated?: boolean })[] = [];
    for (;;) {
      if (this.verbose) this.i = skipVerbose(this.p, this.i);
      const c = this.p[this.i];
      if (c === undefined || c === "|" || c === ")") break;
      const at = this.i;
      const q = this.quantifier();
      if (q !== undefined) {
        const last = items[items.length - 1];
        if (last === undefined || last.anchor) this.fail("nothing to repeat", at);
        if (last.repeated) this.fail("multiple repeat", at);
        const [lo, hi] = last.width;
        items[items.length - 1] = {
          src: `(?:${last.src})${q.src}`,
          width: [lo * q.min, hi === Infinity || q.max === Infinity ? Infinity : hi * q.max],
          backref: last.backref,
          repeated: true,
        };
        continue;
      }
      items.push(this.atom());
    }
    return {
      src: items.map((x) => x.src).join(""),
      width: [
        items.map((x) => x.width[0]).reduce(add, 0),
        items.map((x) => x.width[1]).reduce(add, 0),
      ],
      backref: items.some((x) => x.backref),
    };
  }

  /** Parses a quantifier at the cursor, or returns undefined (cursor unchanged). */
  private quantifier(): { src: string; min: number; max: number } | undefined {
    const at = this.i;
    const c = this.p[this.i];
    let min: number, max: number;
    if (c === "*") [min, max] = [0, Infinity];
    else if (c === "+") [min, max] = [1, Infinity];
    else if (c === "?") [min, max] = [0, 1];
    else if (c === "{") {
      const m = /^\{(\d*)(?:(,)(\d*))?\}/.exec(this.p.slice(this.i));
      if (m === null || m[0] === "{}") return undefined;
      min = m[1] === "" ? 0 : Number(m[1]);
      max = m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]);
      if (max < min) this.fail("min repeat greater than max repeat", at + 1);
      this.i += m[0].length - 1;
    } else return undefined;
    this.i++;
    let src = max === Infinity ? `{${min},}` : `{${min},${max}}`;
    if (this.p[this.i] === "?") {
      this.i++;
      src += "?";
    } else if (this.p[this.i] === "+") {
      this.refuse("possessive quantifier", this.i);
    }
    return { src, min, max };
  }

  private atom(): Piece {
    const at = this.i;
    const c = this.p[this.i++];
    const one: Width = [1, 1];
    const zero: Width = [0, 0];
    switch (c) {
      case "(":
        return this.group(at);
      case "[":
        return { src: this.charClass(at), width: one };
      case ".":
        return { src: this.flags.includes("s") ? ANY : String.raw`[^\n]`, width: one };
      case "^":
        return {
          src: this.flags.includes("m") ? String.raw`(?:^|(?<=\n))` : "^",
          width: zero,
          anchor: true,
        };
      case "$":
        return {
          src: this.flags.includes("m") ? String.raw`(?=\n|$)` : String.raw`(?=\n?$)`,
          width: zero,
          anchor: true,
        };
      case "\\":
        return this.escape(at);
      default:
        return { src: lit(this.codePointBefore(c)), width: one };
    }
  }

  /** The code point that starts with the UTF-16 unit just consumed (advances past a pair). */
  private codePointBefore(c: string): number {
    const cp = this.p.codePointAt(this.i - 1)!;
    if (cp > 0xffff) this.i++;
    void c;
    return cp;
  }

  private group(at: number): Piece {
    const p = this.p;
    if (p[this.i] !== "?") {
      const n = ++this.groups;
      this.open.add(n);
      const body = this.close(this.alternation(), at);
      this.open.delete(n);
      return { src: `(${body.src})`, width: body.width, backref: body.backref };
    }
    this.i++;
    const c = p[this.i];
    if (c === ":") {
      this.i++;
      const body = this.close(this.alternation(), at);
      return { src: `(?:${body.src})`, width: body.width, backref: body.backref };
    }
    if (c === "P") {
      const m = /^P(?:<([^>]*)>|=([^)]*)\))/.exec(p.slice(this.i));
      if (m === null) this.fail(`unknown extension ?P${p[this.i + 1] ?? ""}`, at + 1);
      this.i += m[0].length;
      const name = m[1] ?? m[2];
      if (!/^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*$/u.test(name)) {
        this.fail(`bad character in group name '${name}'`, at + 4);
      }
      if (m[1] !== undefined) {
        if (this.names.has(name)) this.fail(`redefinition of group name '${name}'`, at + 4);
        const n = ++this.groups;
        this.names.set(name, n);
        this.open.add(n);
        const body = this.close(this.alternation(), at);
        this.open.delete(n);
        return { src: `(?<${name}>${body.src})`, width: body.width, backref: body.backref };
      }
      const n = this.names.get(name);
      if (n === undefined) this.fail(`unknown group name '${name}'`, at + 4);
      if (this.open.has(n)) this.fail("cannot refer to an open group", at);
      return { src: `\\k<${name}>`, width: [0, Infinity], backref: true };
    }
    if (c === "=" || c === "!") {
      this.i++;
      const body = this.close(this.alternation(), at);
      return { src: `(?${c}${body.src})`, width: [0, 0], backref: body.backref };
    }
    if (c === "<" && (p[this.i + 1] === "=" || p[this.i + 1] === "!")) {
      const kind = p[this.i + 1];
      this.i += 2;
      const body = this.close(this.alternation(), at);
      if (body.backref) this.refuse("a backreference inside a lookbehind", at);
      if (body.width[0] !== body.width[1]) {
        this.fail("look-behind requires fixed-width pattern", at);
      }
      return { src: `(?<${kind}${body.src})`, width: [0, 0] };
    }
    if (c === "#") {
      const end = p.indexOf(")", this.i);
      if (end < 0) this.fail("missing ), unterminated comment", at);
      this.i = end + 1;
      return { src: "", width: [0, 0] };
    }
    if (c === "(") this.refuse("conditional group (?(…)…)", at);
    if (c === ">") this.refuse("atomic group (?>…)", at);
    const flags = /^[a-zA-Z]*(-[a-zA-Z]*)?[:)]/.exec(p.slice(this.i));
    if (flags !== null && /[a-zA-Z]/.test(flags[0])) {
      if (flags[0].endsWith(")") && flags[1] === undefined) {
        this.fail("global flags not at the start of the expression", at);
      }
      this.refuse(`scoped inline flags (?${flags[0].slice(0, -1)}:…)`, at);
    }
    this.fail(`unknown extension ?${c ?? ""}`, at + 1);
  }

  private close(body: Piece, at: number): Piece {
    if (this.p[this.i] !== ")") this.fail("missing ), unterminated subpattern", at);
    this.i++;
    return body;
  }

  /** A class escape or top-level escape that denotes one code point, or undefined. */
  private codeEscape(at: number, inClass: boolean): number | undefined {
    const p = this.p;
    const c = p[this.i];
    const simple: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
    if (c in simple) {
      this.i++;
      return simple[c];
    }
    if (inClass && c === "b") {
      this.i++;
      return 8;
    }
    const hex = (len: number, name: string): number => {
      const digits = p.slice(this.i + 1, this.i + 1 + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(digits)) {
        this.fail(`incomplete escape \\${name}${digits}`, at);
      }
      this.i += 1 + len;
      return parseInt(digits, 16);
    };
    if (c === "x") return hex(2, "x");
    if (c === "u") return hex(4, "u");
    if (c === "U") {
      const v = hex(8, "U");
      if (v > 0x10ffff) this.fail(`bad escape \\U${v.toString(16).padStart(8, "0")}`, at);
      return v;
    }
    if (c === "N") this.refuse("named Unicode escape \\N{…}", at);
    if (c === "0" || (inClass && /[0-7]/.test(c))) {
      const m = /^[0-7]{1,3}/.exec(p.slice(this.i))!;
      const digits = c === "0" ? m[0].slice(0, 3) : m[0];
      const v = parseInt(digits, 8);
      if (v > 0o377) this.fail(`octal escape value \\${digits} outside of range 0-0o377`, at);
      this.i += digits.length;
      return v;
    }
    if (/[1-9]/.test(c) && !inClass) {
      // Python: three octal digits are an octal escape; otherwise a group reference.
      if (/^[0-7]{3}/.test(p.slice(this.i)) && /[0-7]/.test(c)) {
        const digits = p.slice(this.i, this.i + 3);
        const v = parseInt(digits, 8);
        if (v > 0o377) this.fail(`octal escape value \\${digits} outside of range 0-0o377`, at);
        this.i += 3;
        return v;
      }
      return undefined;
    }
    if (inClass && /[89]/.test(c)) this.fail(`bad escape \\${c}`, at);
    return undefined;
  }

  private escape(at: number): Piece {
    const p = this.p;
    const c = p[this.i];
    if (c === undefined) this.fail("bad escape (end of pattern)", at);
    const one: Width = [1, 1];
    const zero: Width = [0, 0];
    const cp = this.codeEscape(at, false);
    if (cp !== undefined) return { src: lit(cp), width: one };
    if (/[1-9]/.test(c)) {
      const digits = /^[0-9]{1,2}/.exec(p.slice(this.i))![0];
      const n = Number(digits);
      if (n > this.groups) this.fail(`invalid group reference ${n}`, at + 1);
      if (this.open.has(n)) this.fail("cannot refer to an open group", at);
      this.i += digits.length;
      return { src: `(?:\\${n})`, width: [0, Infinity], backref: true };
    }
    this.i++;
    switch (c) {
      case "A":
        return { src: "^", width: zero, anchor: true };
      case "Z":
        return { src: "$", width: zero, anchor: true };
      case "b":
        return { src: `(?:(?<=${W})(?!${W})|(?<!${W})(?=${W}))`, width: zero, anchor: true };
      case "B":
        return { src: `(?:(?<=${W})(?=${W})|(?<!${W})(?!${W}))`, width: zero, anchor: true };
      case "d":
        return { src: `[${DIGIT}]`, width: one };
      case "D":
        return { src: `[^${DIGIT}]`, width: one };
      case "w":
        return { src: `[${WORD}]`, width: one };
      case "W":
        return { src: `[^${WORD}]`, width: one };
      case "s":
        return { src: `[${SPACE}]`, width: one };
      case "S":
        return { src: `[^${SPACE}]`, width: one };
    }
    if (/[A-Za-z]/.test(c)) this.fail(`bad escape \\${c}`, at);
    return { src: lit(this.codePointBefore(c)), width: one };
  }

  private charClass(at: number): string {
    const p = this.p;
    const negate = p[this.i] === "^";
    if (negate) this.i++;
    const start = this.i;
    const items: ClassItem[] = [];
    const item = (): ClassItem => {
      const itemAt = this.i;
      const c = p[this.i++];
      if (c === undefined) this.fail("unterminated character set", at);
      if (c !== "\\") {
        const v = this.codePointBefore(c);
        return { kind: "range", lo: v, hi: v };
      }
      const e = p[this.i];
      if (e === undefined) this.fail("unterminated character set", at);
      const cp = this.codeEscape(itemAt, true);
      if (cp !== undefined) return { kind: "range", lo: cp, hi: cp };
      this.i++;
      const sets: Record<string, string> = { d: DIGIT, w: WORD, s: SPACE };
      if (e.toLowerCase() in sets) {
        return { kind: "set", positive: sets[e.toLowerCase()], negated: e !== e.toLowerCase() };
      }
      if (/[A-Za-z0-9]/.test(e)) this.fail(`bad escape \\${e}`, itemAt);
      const v = this.codePointBefore(e);
      return { kind: "range", lo: v, hi: v };
    };
    for (;;) {
      if (p[this.i] === undefined) this.fail("unterminated character set", at);
      if (p[this.i] === "]" && this.i !== start) {
        this.i++;
        break;
      }
      const itemAt = this.i;
      const a = item();
      if (p[this.i] === "-") {
        this.i++;
        if (p[this.i] === undefined) this.fail("unterminated character set", at);
        if (p[this.i] === "]") {
          this.i++;
          items.push(a, { kind: "range", lo: 45, hi: 45 });
          break;
        }
        const b = item();
        const text = p.slice(itemAt, this.i);
        if (a.kind !== "range" || b.kind !== "range") {
          this.fail(`bad character range ${text}`, itemAt);
        }
        if (b.lo < a.lo) this.fail(`bad character range ${text}`, itemAt);
        items.push({ kind: "range", lo: a.lo, hi: b.hi });
      } else items.push(a);
    }
    const positive = items.map((x) =>
      x.kind === "set"
        ? (x.negated ? "" : x.positive)
        : x.lo === x.hi
        ? lit(x.lo)
        : `${lit(x.lo)}-${lit(x.hi)}`
    ).join("");
    const negatedSets = items.flatMap((x) =>
      x.kind === "set" && x.negated ? [`[^${x.positive}]`] : []
    );
    if (negatedSets.length === 0) return `[${negate ? "^" : ""}${positive}]`;
    const union = `(?:${
      [...(positive === "" ? [] : [`[${positive}]`]), ...negatedSets].join("|")
    })`;
    return negate ? `(?:(?!${union})${ANY})` : union;
  }
}
