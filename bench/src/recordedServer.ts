/**
 * A tiny MCP server (an entry script: `node bench/dist/recordedServer.js <fixture.json>`) that serves one
 * recorded `tools/list` (a file of `bench/fixtures/tool-lists`) over stdio, newline-delimited JSON-RPC, with no
 * SDK: `initialize` (tools capability only), `ping`, `tools/list` (the recorded `tools` array, unchanged) and
 * `tools/call` (a short text naming the tool and its arguments, so a call can be checked). Anything else is
 * "method not found"; notifications are ignored. It exits when its stdin ends.
 */
import { readFileSync } from "node:fs";
import { LineSplitter } from "./lineSplitter.js";

const LATEST_PROTOCOL_VERSION = "2025-06-18";
const SUPPORTED_PROTOCOL_VERSIONS = new Set(["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"]);

interface Request {
  readonly id?: string | number | null;
  readonly method?: string;
  readonly params?: Record<string, unknown>;
}

const fixturePath = process.argv[2];
if (fixturePath === undefined) {
  process.stderr.write("usage: node recordedServer.js <fixture.json>\n");
  process.exit(2);
}
const fixture = JSON.parse(readFileSync(fixturePath, "utf8")) as {
  package: string;
  version: string;
  tools: { name: string }[];
};

function answer(request: Request): unknown {
  switch (request.method) {
    case "initialize": {
      const asked = request.params?.["protocolVersion"];
      const protocolVersion =
        typeof asked === "string" && SUPPORTED_PROTOCOL_VERSIONS.has(asked) ? asked : LATEST_PROTOCOL_VERSION;
      return {
        protocolVersion,
        capabilities: { tools: {} },
        serverInfo: { name: `recorded ${fixture.package}`, version: fixture.version },
      };
    }
    case "ping":
      return {};
    case "tools/list":
      return { tools: fixture.tools };
    case "tools/call": {
      const name = request.params?.["name"];
      if (!fixture.tools.some((tool) => tool.name === name)) {
        return { content: [{ type: "text", text: `Unknown tool: ${String(name)}` }], isError: true };
      }
      const text = `called ${String(name)} with ${JSON.stringify(request.params?.["arguments"] ?? {})}`;
      return { content: [{ type: "text", text }] };
    }
    default:
      return undefined;
  }
}

function handle(line: string): void {
  if (line.trim() === "") return;
  let request: Request;
  try {
    request = JSON.parse(line) as Request;
  } catch {
    send({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } });
    return;
  }
  if (request.id === undefined || request.method === undefined) return; // a notification or a response
  const result = answer(request);
  send(
    result === undefined
      ? {
          jsonrpc: "2.0",
          id: request.id,
          error: { code: -32601, message: `Method not found: ${request.method}` },
        }
      : { jsonrpc: "2.0", id: request.id, result },
  );
}

function send(message: unknown): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

const splitter = new LineSplitter();
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk: string) => {
  for (const line of splitter.push(chunk)) handle(line);
});
process.stdin.on("end", () => process.exit(0));
