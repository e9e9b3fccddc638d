import { formatJsonPath } from "./configError.js";

/**
 * Top-level keys that MCP clients write beside their servers, with the clients that write them. mcpware
 * accepts and ignores them (config.schema.json declares each; a test keeps the two in step), so a client's
 * file can be used as it is while a mistyped mcpware key is still an error.
 */
export const CLIENT_TOP_LEVEL_KEYS: ReadonlyMap<string, string> = new Map([
  ["inputs", "VS Code"],
  ["globalShortcut", "Claude Desktop"],
  ["preferences", "Claude Desktop"],
  ["isUsingBuiltInNodeForMcp", "Claude Desktop"],
  ["isDxtAutoUpdatesEnabled", "Claude Desktop"],
]);

/**
 * Keys of a server entry that MCP clients write and mcpware does not use, with the clients that write them.
 * `url`/`serverUrl` without a `command` make the entry a remote server (listed as unavailable); `transportType`
 * "stdio" means what mcpware does anyway. The keys clients share with mcpware (`command`, `args`, `env`, `cwd`,
 * `envFile`, `timeout` in seconds, `disabled`, `type`) are mcpware's own.
 */
export const CLIENT_BACKEND_KEYS: ReadonlyMap<string, string> = new Map([
  ["url", "Claude Code, Cursor, Cline, Roo Code, VS Code"],
  ["serverUrl", "Windsurf"],
  ["headers", "Claude Code, Cursor, Cline, Roo Code, Windsurf, VS Code"],
  ["transportType", "Cline"],
  ["autoApprove", "Cline"],
  ["alwaysAllow", "Cline, Roo Code"],
  ["disabledTools", "Windsurf, Roo Code"],
  ["watchPaths", "Roo Code"],
  ["dev", "VS Code"],
  ["gallery", "VS Code"],
  ["version", "VS Code"],
]);

/** The start of the warning that lists the ignored keys. */
export const IGNORED_KEYS_WARNING = "ignoring keys mcpware does not use:";

/** Whether an entry's fields describe a remote server: an address and no command. */
export function isRemoteEntry(fields: Readonly<Record<string, unknown>>): boolean {
  return (
    !Object.hasOwn(fields, "command") && (Object.hasOwn(fields, "url") || Object.hasOwn(fields, "serverUrl"))
  );
}

/** An empty list, object or string configures nothing: ignoring it loses nothing worth a warning. */
function isEmptyValue(value: unknown): boolean {
  if (value === "" || (Array.isArray(value) && value.length === 0)) return true;
  return value !== null && typeof value === "object" && Object.keys(value).length === 0;
}

function isIgnoredBackendKey(key: string, value: unknown): boolean {
  if (!CLIENT_BACKEND_KEYS.has(key) || isEmptyValue(value)) return false;
  return !(key === "transportType" && value === "stdio");
}

/**
 * The JSON paths of the client keys in a valid config document that carry a setting mcpware ignores: top-level
 * keys, and keys of the `entries` given (the backends that run; remote and disabled ones are skipped whole).
 */
export function findIgnoredClientKeys(
  document: Readonly<Record<string, unknown>>,
  entries: readonly { path: readonly (string | number)[]; fields: Readonly<Record<string, unknown>> }[],
): string[] {
  const paths: string[] = [];
  for (const [key, value] of Object.entries(document)) {
    if (CLIENT_TOP_LEVEL_KEYS.has(key) && !isEmptyValue(value)) paths.push(formatJsonPath([key]));
  }
  for (const { path, fields } of entries) {
    for (const [key, value] of Object.entries(fields)) {
      if (isIgnoredBackendKey(key, value)) paths.push(formatJsonPath([...path, key]));
    }
  }
  return paths;
}
