import { MASK } from "./substituteVariables.js";

/** Values shorter than this are not treated as secrets: masking them would garble every message. */
export const MIN_SECRET_LENGTH = 4;

/** Replaces known secret values in text. Shared by every sink (logs and client-facing error text). */
export interface Redactor {
  /** The text with every occurrence of a known secret replaced by `***`. */
  redact(text: string): string;
  /** Learn more secrets (env values of backends, substituted variables). */
  add(values: Iterable<string>): void;
}

/** Creates a redactor that knows `values` (and what `add` teaches it later). */
export function createRedactor(values: Iterable<string> = []): Redactor {
  const secrets = new Set<string>();
  let ordered: string[] = [];
  const redactor: Redactor = {
    add(more) {
      for (const value of more) if (value.length >= MIN_SECRET_LENGTH) secrets.add(value);
      // Longest first, so a secret that contains another is masked whole.
      ordered = [...secrets].sort((a, b) => b.length - a.length);
    },
    redact(text) {
      let result = text;
      for (const secret of ordered) if (result.includes(secret)) result = result.split(secret).join(MASK);
      return result;
    },
  };
  redactor.add(values);
  return redactor;
}
