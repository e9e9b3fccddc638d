import { AsyncLocalStorage } from "node:async_hooks";
import { DISCOVER_TOOL_NAME, USE_TOOL_NAME } from "./metaTools.js";

/**
 * Who reads a text: the model, through the meta-tools or (`aggregate`) through the backends' tools listed
 * directly, or a person at the terminal, through the CLI.
 */
export type Audience = "model" | "aggregate" | "cli";

/** The words a text uses for what its reader can do next. */
export interface Wording {
  /** What the tool's arguments are called: the path prefix of every argument problem. */
  readonly args: string;
  /** How the reader sends the request again after fixing it. */
  readonly again: string;
  /** How the reader gets the full tool list of `backend`: a sentence. */
  listTools(backend: string): string;
  /** How to call a tool: a sentence. */
  readonly usage: string;
  /** The sentence for a backend or tool name that is missing. */
  missing(name: "backend" | "tool"): string;
}

const WORDINGS: Readonly<Record<Audience, Wording>> = {
  model: {
    args: "tool_arguments",
    again: `call ${USE_TOOL_NAME} again`,
    listTools: (backend) => `Call ${DISCOVER_TOOL_NAME} with backend_name "${backend}" for the full list.`,
    usage:
      `${USE_TOOL_NAME} takes {"backend_server": "<backend>", "server_tool": "<tool>", "tool_arguments": {…}}; ` +
      `call ${DISCOVER_TOOL_NAME} to find the names.`,
    missing: (name) => `${name === "backend" ? "backend_server" : "server_tool"} is missing or not a string.`,
  },
  aggregate: {
    args: "arguments",
    again: "call the tool again",
    listTools: (backend) => `Its tools are the ones whose names start with "${backend}__" in tools/list.`,
    usage: "Call a tool listed in tools/list with its arguments.",
    missing: (name) => `the ${name} name is missing.`,
  },
  cli: {
    args: "--args",
    again: "run the command again",
    listTools: (backend) => `Run \`mcpware tools ${backend}\` to see its tools.`,
    usage: "Usage: mcpware call <backend> <tool> [--args JSON]; run `mcpware tools` to see the names.",
    missing: (name) => `the ${name} name is empty.`,
  },
};

/** The wording of `audience`. */
export function wordingFor(audience: Audience): Wording {
  return WORDINGS[audience];
}

const current = new AsyncLocalStorage<Audience>();

/**
 * Runs `task` with `audience` as the reader of the texts built while it runs. The CLI wraps its gateway calls
 * in it: `Gateway.callTool` takes no audience, and the texts are built deep inside it.
 */
export function withAudience<T>(audience: Audience, task: () => T): T {
  return current.run(audience, task);
}

/** The reader set by the nearest `withAudience`; the model outside any. */
export function currentAudience(): Audience {
  return current.getStore() ?? "model";
}
