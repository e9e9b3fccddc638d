// A tiny stdio MCP server for the container tests: newline-delimited JSON-RPC, two tools.
// MCPWARE_TEST_IGNORE_EOF=1 makes it outlive the end of its stdin, like servers that never watch stdin: the
// leftover container a SIGKILLed gateway leaves behind.
import { hostname } from "node:os";
import { createInterface } from "node:readline";

const ignoreEof = process.env.MCPWARE_TEST_IGNORE_EOF === "1";

const tools = [
  {
    name: "echo",
    description: "Returns its text argument.",
    inputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
  },
  {
    name: "where",
    description: "Tells the container's hostname.",
    inputSchema: { type: "object", properties: {} },
  },
];

function reply(id, result) {
  process.stdout.write(`${JSON.stringify({ jsonrpc: "2.0", id, result })}\n`);
}

function fail(id, code, message) {
  process.stdout.write(`${JSON.stringify({ jsonrpc: "2.0", id, error: { code, message } })}\n`);
}

function handle(message) {
  const { id, method, params } = message;
  if (id === undefined) return;
  switch (method) {
    case "initialize":
      return reply(id, {
        protocolVersion: params?.protocolVersion ?? "2025-06-18",
        capabilities: { tools: {} },
        serverInfo: { name: "mcpware-test-backend", version: "1.0.0" },
      });
    case "ping":
      return reply(id, {});
    case "tools/list":
      return reply(id, { tools });
    case "tools/call": {
      const name = params?.name;
      if (name === "echo")
        return reply(id, { content: [{ type: "text", text: String(params.arguments?.text) }] });
      if (name === "where") return reply(id, { content: [{ type: "text", text: hostname() }] });
      return fail(id, -32602, `unknown tool ${name}`);
    }
    default:
      return fail(id, -32601, `method not found: ${method}`);
  }
}

const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  if (line.trim() === "") return;
  try {
    handle(JSON.parse(line));
  } catch {
    process.stdout.write(
      `${JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } })}\n`,
    );
  }
});
lines.on("close", () => {
  if (ignoreEof) setInterval(() => {}, 60_000);
  else process.exit(0);
});
