/**
 * Locates the first syntax error of a JSON text. `JSON.parse` messages differ between
 * runtimes and often carry no position, so the text is scanned again once it failed to parse.
 *
 * @module
 */

/** Where and why a JSON text is invalid; `line` and `column` are 1-based. */
export interface JsonSyntaxError {
  /** 0-based offset in the text (UTF-16 code units). */
  offset: number;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
  /** What is wrong, e.g. `expected "," or "}"`. */
  reason: string;
}

/**
 * 1-based line and column of a 0-based `offset` in `text`.
 *
 * @example
 * ```ts
 * import { lineAndColumn } from "./_json_error.ts";
 * console.log(lineAndColumn("ab\ncd", 4)); // { line: 2, column: 2 }
 * ```
 */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  return { line: before.split("\n").length, column: offset - before.lastIndexOf("\n") };
}

class Failure {
  constructor(readonly offset: number, readonly reason: string) {}
}

/**
 * Returns the first syntax error of `text` as JSON (RFC 8259), or `undefined` when it is valid.
 *
 * @example
 * ```ts
 * import { findJsonSyntaxError } from "./_json_error.ts";
 * console.log(findJsonSyntaxError('{\n  "a": 1,\n}'));
 * // { offset: 12, line: 3, column: 1, reason: "expected a property name in double quotes" }
 * ```
 */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  try {
    new Scanner(text).document();
    return undefined;
  } catch (e) {
    if (!(e instanceof Failure)) throw e;
    return { offset: e.offset, ...lineAndColumn(text, e.offset), reason: e.reason };
  }
}

class Scanner {
  #i = 0;
  constructor(readonly text: string) {}

  document(): void {
    this.#ws();
    this.#value();
    this.#ws();
    if (this.#i < this.text.length) this.#fail("unexpected content after the JSON value");
  }

  #fail(reason: string): never {
    throw new Failure(this.#i, reason);
  }

  #peek(): string | undefined {
    return this.text[this.#i];
  }

  #ws(): void {
    while (/[ \t\r\n]/.test(this.#peek() ?? "")) this.#i++;
  }

  #expect(char: string, reason: string): void {
    if (this.#peek() !== char) this.#fail(reason);
    this.#i++;
  }

  #value(): void {
    const c = this.#peek();
    if (c === "{") return this.#object();
    if (c === "[") return this.#array();
    if (c === '"') return this.#string();
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return this.#number();
    for (const word of ["true", "false", "null"]) {
      if (this.text.startsWith(word, this.#i)) {
        this.#i += word.length;
        return;
      }
    }
    this.#fail(c === undefined ? "unexpected end of file" : `unexpected character ${quote(c)}`);
  }

  #object(): void {
    this.#i++;
    this.#ws();
    if (this.#peek() === "}") {
      this.#i++;
      return;
    }
    for (;;) {
      if (this.#peek() !== '"') this.#fail("expected a property name in double quotes");
      this.#string();
      this.#ws();
      this.#expect(":", 'expected ":" after the property name');
      this.#ws();
      this.#value();
      this.#ws();
      if (this.#peek() === "}") {
        this.#i++;
        return;
      }
      this.#expect(",", 'expected "," or "}"');
      this.#ws();
    }
  }

  #array(): void {
    this.#i++;
    this.#ws();
    if (this.#peek() === "]") {
      this.#i++;
      return;
    }
    for (;;) {
      this.#value();
      this.#ws();
      if (this.#peek() === "]") {
        this.#i++;
        return;
      }
      this.#expect(",", 'expected "," or "]"');
      this.#ws();
    }
  }

  #string(): void {
    this.#i++;
    for (;;) {
      const c = this.#peek();
      if (c === undefined) this.#fail("unterminated string");
      if (c === '"') {
        this.#i++;
        return;
      }
      if (c === "\\") {
        this.#i++;
        const e = this.#peek();
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.#i + 1, this.#i + 5))) {
            this.#fail("invalid \\u escape");
          }
          this.#i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          this.#i++;
        } else {
          this.#fail("invalid escape in string");
        }
      } else if (c < " ") {
        this.#fail("control character in string (escape it)");
      } else {
        this.#i++;
      }
    }
  }

  #number(): void {
    NUMBER.lastIndex = this.#i;
    const match = NUMBER.exec(this.text);
    if (match === null) this.#fail("invalid number");
    this.#i += match[0].length;
  }
}

const NUMBER = /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;

function quote(char: string): string {
  return char === "'" ? `"'"` : `'${char}'`;
}
