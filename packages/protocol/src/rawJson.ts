/**
 * A JSON value kept as the text a peer wrote, so a relay can forward it without parsing and re-serializing it.
 * Returned by `sendRequest(…, { raw: true })`; a request handler may return one as its result, which is then
 * written as is. `value` parses on demand; a `RawJson` made from a value serializes on demand.
 */
export class RawJson {
  #text: string | undefined;
  #value: unknown;
  #hasValue: boolean;

  private constructor(text: string | undefined, value: unknown, hasValue: boolean) {
    this.#text = text;
    this.#value = value;
    this.#hasValue = hasValue;
  }

  /** `text` must be one JSON value on one line (it is not checked here). */
  static fromText(text: string): RawJson {
    return new RawJson(text, undefined, false);
  }

  static fromValue(value: unknown): RawJson {
    return new RawJson(undefined, value, true);
  }

  /** The JSON text; for a `RawJson` made from a value, `JSON.stringify` of it (which may throw). */
  get text(): string {
    if (this.#text === undefined) {
      const text = JSON.stringify(this.#value);
      if (typeof text !== "string") throw new TypeError("the value has no JSON text");
      this.#text = text;
    }
    return this.#text;
  }

  /** The parsed value (parsed once, on first use). */
  get value(): unknown {
    if (!this.#hasValue) {
      this.#value = JSON.parse(this.#text!);
      this.#hasValue = true;
    }
    return this.#value;
  }
}
