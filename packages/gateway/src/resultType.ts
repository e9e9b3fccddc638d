import { McpMethod, RawJson, ResultType, isObject } from "@mcpware/protocol";

/**
 * Methods whose complete 2026-07-28 results must say how long they may be cached. mcpware's answers depend on
 * backends that change at any time: `ttlMs: 0` (ask again), `cacheScope: "private"` (this client's).
 */
const CACHEABLE: ReadonlySet<string> = new Set([
  McpMethod.ServerDiscover,
  McpMethod.ToolsList,
  McpMethod.PromptsList,
  McpMethod.ResourcesList,
  McpMethod.ResourceTemplatesList,
  McpMethod.ResourcesRead,
]);

const NO_CACHE = { ttlMs: 0, cacheScope: "private" } as const;

/**
 * A handler's result as a 2026-07-28 request of `method` gets it: with `resultType` (`"complete"` unless it says
 * otherwise) and, for a cacheable method's complete result, `ttlMs`/`cacheScope` unless it has them. A
 * {@link RawJson} (a backend's reply, never parsed) gets the members written in front of its text.
 */
export function withResultType(method: string, result: unknown): unknown {
  const cacheable = CACHEABLE.has(method);
  if (result === undefined || result === null) {
    return cacheable ? { resultType: ResultType.Complete, ...NO_CACHE } : { resultType: ResultType.Complete };
  }
  if (result instanceof RawJson) {
    const text = result.text;
    if (!text.startsWith("{")) return result;
    // Rare: the member name appears somewhere (a modern backend's reply); only a top-level one counts.
    if (text.includes('"resultType"') && isObject(result.value) && result.value.resultType !== undefined) {
      return result;
    }
    const members = `"resultType":"${ResultType.Complete}"${cacheable ? ',"ttlMs":0,"cacheScope":"private"' : ""}`;
    const rest = text.slice(1).trimStart();
    return RawJson.fromText(rest.startsWith("}") ? `{${members}}` : `{${members},${rest}`);
  }
  if (!isObject(result) || result.resultType !== undefined) return result;
  return cacheable
    ? { resultType: ResultType.Complete, ...NO_CACHE, ...result }
    : { resultType: ResultType.Complete, ...result };
}
