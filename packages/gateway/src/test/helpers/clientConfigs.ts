import { readFile } from "node:fs/promises";
import path from "node:path";
import { REPO_ROOT } from "./e2e.js";

/** The MCP clients' config files (JSON is not compiled: read from the sources). */
export const CLIENT_CONFIGS = path.join(
  REPO_ROOT,
  "packages",
  "gateway",
  "src",
  "test",
  "fixtures",
  "client-configs",
);

/** One client's config file as that client writes it, and what mcpware makes of it. */
export interface ClientConfigFixture {
  client: string;
  /** Relative to {@link CLIENT_CONFIGS}. */
  file: string;
  shape: "mcpServers" | "servers";
  /** The keys named in the "ignoring keys" warning, in file order. */
  ignoredKeys: string[];
  /** Backends that run (local commands, nothing missing), in file order. */
  runnable: string[];
  /** The remote server, listed as unavailable. */
  remote: string;
  /** Other backends that are listed as unavailable, with a word of the reason. */
  unavailable: Record<string, string>;
  /** Disabled backends (not listed). */
  disabled: string[];
}

export const CLIENT_CONFIG_FIXTURES: readonly ClientConfigFixture[] = [
  {
    client: "Claude Desktop",
    file: path.join("claude-desktop", "claude_desktop_config.json"),
    shape: "mcpServers",
    ignoredKeys: ["$.globalShortcut", "$.isUsingBuiltInNodeForMcp", "$.preferences"],
    runnable: ["memory", "github", "fetch"],
    remote: "linear",
    unavailable: {},
    disabled: [],
  },
  {
    client: "Claude Code",
    file: path.join("claude-code", ".mcp.json"),
    shape: "mcpServers",
    ignoredKeys: [],
    runnable: ["playwright", "postgres"],
    remote: "sentry",
    unavailable: {},
    disabled: [],
  },
  {
    client: "Cursor",
    file: path.join("cursor", ".cursor", "mcp.json"),
    shape: "mcpServers",
    ignoredKeys: [],
    runnable: ["notes"],
    remote: "linear",
    unavailable: { github: "GITHUB_PERSONAL_ACCESS_TOKEN" },
    disabled: [],
  },
  {
    client: "Cline",
    file: path.join("cline", "cline_mcp_settings.json"),
    shape: "mcpServers",
    ignoredKeys: ["$.mcpServers.memory.autoApprove"],
    runnable: ["memory", "brave-search"],
    remote: "context7",
    unavailable: {},
    disabled: ["sqlite"],
  },
  {
    client: "Roo Code",
    file: path.join("roo-code", "mcp_settings.json"),
    shape: "mcpServers",
    ignoredKeys: [
      "$.mcpServers.filesystem.alwaysAllow",
      "$.mcpServers.filesystem.disabledTools",
      '$.mcpServers["local-tools"].watchPaths',
    ],
    runnable: ["filesystem", "local-tools"],
    remote: "docs",
    unavailable: {},
    disabled: [],
  },
  {
    client: "Windsurf",
    file: path.join("windsurf", "mcp_config.json"),
    shape: "mcpServers",
    ignoredKeys: ["$.mcpServers.git.disabledTools"],
    runnable: ["git", "time"],
    remote: "deepwiki",
    unavailable: {},
    disabled: [],
  },
  {
    client: "VS Code",
    file: path.join("vscode", ".vscode", "mcp.json"),
    shape: "servers",
    ignoredKeys: [
      "$.inputs",
      "$.servers.playwright.gallery",
      "$.servers.playwright.version",
      "$.servers.notes.dev",
    ],
    runnable: ["playwright", "notes"],
    remote: "github",
    unavailable: { perplexity: "${input:perplexity-key}" },
    disabled: [],
  },
];

/** The absolute path of a fixture's file. */
export function fixturePath(fixture: ClientConfigFixture): string {
  return path.join(CLIENT_CONFIGS, fixture.file);
}

/** A fixture's document, parsed. */
export async function readFixture(fixture: ClientConfigFixture): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(fixturePath(fixture), "utf8")) as Record<string, unknown>;
}
