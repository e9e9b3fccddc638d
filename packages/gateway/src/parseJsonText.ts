import type { ConfigProblem } from "./configError.js";
import { formatJsonPath } from "./configError.js";

/** Deeper nesting than any config needs; bounds the recursion of the syntax scan. */
const MAX_JSON_DEPTH = 256;

/** The outcome of parsing a JSON document: the value, or the problems (syntax error, duplicate keys). */
export type JsonParseOutcome = { ok: true; value: unknown } | { ok: false; problems: ConfigProblem[] };

/**
 * Parses JSON text for a config file. A syntax error is reported with its line and column (1-based);
 * a key repeated in one object (which `JSON.parse` would silently resolve to the last) is a problem too,
 * reported at the JSON path of the object. A leading byte-order mark is ignored.
 */
export function parseJsonText(text: string): JsonParseOutcome {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const scanner = new JsonScanner(source);
  const problems = scanner.scan();
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: JSON.parse(source) as unknown };
}

class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;

class JsonScanner {
  private index = 0;
  private readonly duplicates: ConfigProblem[] = [];

  constructor(private readonly text: string) {}

  scan(): ConfigProblem[] {
    try {
      this.skipWhitespace();
      if (this.index >= this.text.length) throw new JsonSyntaxError("the file is empty", this.index);
      this.value([], 0);
      this.skipWhitespace();
      if (this.index < this.text.length) {
        throw new JsonSyntaxError(
          `unexpected ${this.describe()} after the end of the JSON value`,
          this.index,
        );
      }
      return this.duplicates;
    } catch (error) {
      if (!(error instanceof JsonSyntaxError)) throw error;
      const { line, column } = this.locate(error.offset);
      return [{ path: "$", message: `invalid JSON at line ${line}, column ${column}: ${error.message}` }];
    }
  }

  private value(path: (string | number)[], depth: number): void {
    if (depth > MAX_JSON_DEPTH)
      throw new JsonSyntaxError(`nesting deeper than ${MAX_JSON_DEPTH}`, this.index);
    const char = this.text[this.index];
    if (char === "{") this.object(path, depth);
    else if (char === "[") this.array(path, depth);
    else if (char === '"') this.string();
    else if (char === "-" || (char !== undefined && char >= "0" && char <= "9")) this.number();
    else if (this.text.startsWith("true", this.index)) this.index += 4;
    else if (this.text.startsWith("false", this.index)) this.index += 5;
    else if (this.text.startsWith("null", this.index)) this.index += 4;
    else throw new JsonSyntaxError(`expected a value, found ${this.describe()}`, this.index);
  }

  private object(path: (string | number)[], depth: number): void {
    this.index += 1;
    const seen = new Set<string>();
    this.skipWhitespace();
    if (this.text[this.index] === "}") {
      this.index += 1;
      return;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.index] !== '"') {
        throw new JsonSyntaxError(`expected a double-quoted key, found ${this.describe()}`, this.index);
      }
      const key = this.string();
      if (seen.has(key)) {
        this.duplicates.push({ path: formatJsonPath(path), message: `key "${key}" appears more than once` });
      }
      seen.add(key);
      this.skipWhitespace();
      if (this.text[this.index] !== ":") {
        throw new JsonSyntaxError(`expected ':' after a key, found ${this.describe()}`, this.index);
      }
      this.index += 1;
      this.skipWhitespace();
      this.value([...path, key], depth + 1);
      this.skipWhitespace();
      const next = this.text[this.index];
      this.index += 1;
      if (next === "}") return;
      if (next !== ",") {
        throw new JsonSyntaxError(
          `expected ',' or '}' in an object, found ${this.describe(-1)}`,
          this.index - 1,
        );
      }
    }
  }

  private array(path: (string | number)[], depth: number): void {
    this.index += 1;
    this.skipWhitespace();
    if (this.text[this.index] === "]") {
      this.index += 1;
      return;
    }
    for (let position = 0; ; position += 1) {
      this.skipWhitespace();
      this.value([...path, position], depth + 1);
      this.skipWhitespace();
      const next = this.text[this.index];
      this.index += 1;
      if (next === "]") return;
      if (next !== ",") {
        throw new JsonSyntaxError(
          `expected ',' or ']' in an array, found ${this.describe(-1)}`,
          this.index - 1,
        );
      }
    }
  }

  /** Scans a string literal and returns its value. */
  private string(): string {
    const start = this.index;
    this.index += 1;
    for (;;) {
      const char = this.text[this.index];
      if (char === undefined) throw new JsonSyntaxError("unterminated string", start);
      if (char === '"') break;
      if (char < " ") throw new JsonSyntaxError("control character in a string (escape it)", this.index);
      if (char === "\\") {
        const escape = this.text[this.index + 1];
        if (escape === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.index + 2, this.index + 6))) {
            throw new JsonSyntaxError("invalid \\u escape", this.index);
          }
          this.index += 6;
          continue;
        }
        if (escape === undefined || !'"\\/bfnrt'.includes(escape)) {
          throw new JsonSyntaxError("invalid escape in a string", this.index);
        }
        this.index += 2;
        continue;
      }
      this.index += 1;
    }
    this.index += 1;
    return JSON.parse(this.text.slice(start, this.index)) as string;
  }

  private number(): void {
    NUMBER.lastIndex = this.index;
    const match = NUMBER.exec(this.text);
    if (match === null) throw new JsonSyntaxError(`invalid number`, this.index);
    this.index += match[0].length;
  }

  private skipWhitespace(): void {
    WHITESPACE.lastIndex = this.index;
    WHITESPACE.exec(this.text);
    this.index = WHITESPACE.lastIndex;
  }

  private describe(delta = 0): string {
    const char = this.text[this.index + delta];
    return char === undefined ? "the end of the file" : JSON.stringify(char);
  }

  private locate(offset: number): { line: number; column: number } {
    let line = 1;
    let lineStart = 0;
    for (let index = 0; index < offset && index < this.text.length; index += 1) {
      if (this.text[index] === "\n") {
        line += 1;
        lineStart = index + 1;
      }
    }
    return { line, column: offset - lineStart + 1 };
  }
}
