import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { REPO_ROOT } from "./benchPaths.js";

/** `bench/fixtures/tool-lists`: one recorded `tools/list` per real MCP server. */
export const TOOL_LISTS_DIR = join(REPO_ROOT, "bench", "fixtures", "tool-lists");

/** The servers whose recorded lists the token item uses, in the order backends are added to a config. */
export const RECORDED_SERVERS = [
  "github",
  "filesystem",
  "memory",
  "slack",
  "postgres",
  "brave-search",
  "everything",
  "sequential-thinking",
  "gdrive",
] as const;

/** A fixture file: the package and exact version it was recorded from, and its `tools` array as sent. */
export interface RecordedToolList {
  readonly package: string;
  readonly version: string;
  readonly tools: readonly Record<string, unknown>[];
}

/** The path of a server's fixture. */
export function toolListPath(server: string): string {
  return join(TOOL_LISTS_DIR, `${server}.json`);
}

/** Reads one server's fixture. */
export async function readToolList(server: string): Promise<RecordedToolList> {
  const parsed = JSON.parse(await readFile(toolListPath(server), "utf8")) as RecordedToolList;
  if (!Array.isArray(parsed.tools)) throw new Error(`${toolListPath(server)} has no tools array`);
  return parsed;
}
