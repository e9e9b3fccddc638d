/**
 * Most tokens the no-argument overview of discover_backend_tools may take (o200k_base, the GPT-4o encoding).
 * Past it, backends are summarised; past that, the last ones are only counted.
 */
export const OVERVIEW_TOKEN_BUDGET = 2_000;

type CountTokens = (text: string) => number;

let counter: Promise<CountTokens> | undefined;

/** The tokens of `text`, counted with gpt-tokenizer's o200k_base encoding (loaded on first use, about 0.4 s). */
export async function countTokens(text: string): Promise<number> {
  counter ??= import("gpt-tokenizer/encoding/o200k_base").then((module) => module.countTokens);
  return (await counter)(text);
}

/**
 * Whether `text` takes at most `budget` tokens. A text of no more UTF-8 bytes than that is not counted (a BPE
 * token is at least one byte), so small answers never load the encoding.
 */
export async function fitsTokenBudget(text: string, budget: number): Promise<boolean> {
  return Buffer.byteLength(text) <= budget || (await countTokens(text)) <= budget;
}
