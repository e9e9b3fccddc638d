import MiniSearch from "minisearch";
import { stemmer } from "stemmer";
import { isObject } from "@mcpware/protocol";
import type { Tool } from "@mcpware/protocol";
import type { ToolList } from "./toolCatalog.js";

/** How many tools a query answers with by default. */
export const DEFAULT_QUERY_RESULTS = 6;

/** Weight of each searched field: a word in a tool's name counts most, one in its backend's words least. */
const FIELD_BOOSTS = { name: 3, title: 2, args: 1.5, description: 1, backend: 1 } as const;

/** Words that say nothing about which tool is meant ("list the files in my folder" → list, files, folder). */
const STOP_WORDS = new Set(
  (
    "a an the to of in on at by for from with and or is are be it its this that these those my me i we our " +
    "you your please can could would should will do does some any all into about as via using use"
  ).split(" "),
);

/** One backend's tools, as the index is built from. */
export interface SearchedBackend {
  readonly name: string;
  readonly description?: string | undefined;
  readonly list: ToolList;
}

/** One hit, best first. */
export interface ToolHit {
  readonly backend: string;
  readonly tool: Tool;
  /** True when the query is the tool's name (or `<backend>__<tool>`, `<backend>/<tool>`). */
  readonly exact: boolean;
}

interface IndexedTool {
  id: number;
  name: string;
  title: string;
  description: string;
  args: string;
  backend: string;
}

interface BuiltIndex {
  readonly lists: readonly ToolList[];
  readonly search: MiniSearch<IndexedTool>;
  readonly entries: readonly { backend: string; tool: Tool }[];
}

/**
 * Ranked search over every backend's tools with MiniSearch (BM25 over the tools' names, titles, descriptions,
 * argument names and their backend's name and description; words stemmed with `stemmer`, so "creating issues"
 * finds `create_issue`). The index is rebuilt only when a backend's list is replaced (lists are never changed in
 * place). A tool blocked by its pins is found by its name only: its changed text is never indexed.
 */
export class ToolSearch {
  private built: BuiltIndex | undefined;

  search(backends: readonly SearchedBackend[], query: string, limit = DEFAULT_QUERY_RESULTS): ToolHit[] {
    const index = this.indexFor(backends);
    const wanted = query.trim().toLowerCase();
    const exact = index.entries.filter(
      (entry) =>
        entry.tool.name.toLowerCase() === wanted ||
        `${entry.backend}__${entry.tool.name}`.toLowerCase() === wanted ||
        `${entry.backend}/${entry.tool.name}`.toLowerCase() === wanted,
    );
    const hits: ToolHit[] = exact.map((entry) => ({ ...entry, exact: true }));
    for (const result of index.search.search(query)) {
      if (hits.length >= limit) break;
      const entry = index.entries[result["id"] as number]!;
      if (!exact.includes(entry)) hits.push({ ...entry, exact: false });
    }
    return hits;
  }

  private indexFor(backends: readonly SearchedBackend[]): BuiltIndex {
    const lists = backends.map((backend) => backend.list);
    const built = this.built;
    if (
      built !== undefined &&
      built.lists.length === lists.length &&
      built.lists.every((list, at) => list === lists[at])
    ) {
      return built;
    }
    const search = new MiniSearch<IndexedTool>({
      fields: ["name", "title", "description", "args", "backend"],
      tokenize: splitWords,
      processTerm: normalizeWord,
      searchOptions: {
        boost: FIELD_BOOSTS,
        prefix: (term) => term.length >= 3,
        fuzzy: (term) => (term.length >= 5 ? 0.2 : false),
        combineWith: "OR",
      },
    });
    const entries: { backend: string; tool: Tool }[] = [];
    const documents: IndexedTool[] = [];
    for (const backend of backends) {
      for (const tool of backend.list.tools) {
        const blocked = backend.list.blockedBecause(tool.name) !== undefined;
        documents.push({
          id: entries.length,
          name: tool.name,
          title: blocked || typeof tool.title !== "string" ? "" : tool.title,
          description: blocked || typeof tool.description !== "string" ? "" : tool.description,
          args: blocked ? "" : argumentNames(tool).join(" "),
          backend: `${backend.name} ${backend.description ?? ""}`,
        });
        entries.push({ backend: backend.name, tool });
      }
    }
    search.addAll(documents);
    this.built = { lists, search, entries };
    return this.built;
  }
}

/** The names of a tool's top-level arguments, in schema order. */
export function argumentNames(tool: Tool): string[] {
  const properties = isObject(tool.inputSchema) ? tool.inputSchema["properties"] : undefined;
  return isObject(properties) ? Object.keys(properties) : [];
}

/** Words of a text: split at spaces, punctuation (`_`, `-`, `/`, `.`) and camelCase humps. */
function splitWords(text: string): string[] {
  return text
    .replace(/(\p{Ll}|\p{N})(\p{Lu})/gu, "$1 $2")
    .split(/[\s\p{P}\p{S}]+/u)
    .filter((word) => word !== "");
}

/** A word as indexed and searched: lower case and stemmed; `null` (skipped) for a stop word. */
function normalizeWord(word: string): string | null {
  const lower = word.toLowerCase();
  if (STOP_WORDS.has(lower)) return null;
  return stemmer(lower);
}
