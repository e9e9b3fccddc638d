import type { Tool } from "@mcpware/protocol";

export const DISCOVER_TOOL_NAME = "discover_backend_tools";
export const USE_TOOL_NAME = "use_tool";

const toolSummary = {
  type: "object",
  properties: {
    name: { type: "string" },
    title: { type: "string" },
    description: { type: "string" },
    inputSchema: { type: "object", description: "Only when one backend was asked for." },
    outputSchema: { type: "object", description: "Only when one backend was asked for." },
    annotations: { type: "object", description: "Only when one backend was asked for." },
  },
  required: ["name"],
} as const;

/** The `outputSchema` of discover_backend_tools: its `structuredContent` always has this shape. */
export const DISCOVERY_OUTPUT_SCHEMA = {
  type: "object",
  properties: {
    backends: {
      type: "array",
      items: {
        type: "object",
        properties: {
          name: { type: "string" },
          description: { type: "string" },
          state: {
            type: "string",
            description:
              "ready, starting, idle, stopping, crashed, circuit-open, or unavailable (cannot run: see error).",
          },
          error: { type: "string", description: "Why the backend's tools could not be listed." },
          tools: { type: "array", items: toolSummary },
        },
        required: ["name", "state", "tools"],
      },
    },
  },
  required: ["backends"],
} as const;

/**
 * The two tools the client sees. `names` (the configured backends, in order) become `enum`s, so the model
 * sees the valid values in the schema itself.
 */
export function buildMetaTools(names: readonly string[]): Tool[] {
  const backendName = (description: string): Record<string, unknown> =>
    names.length === 0 ? { type: "string", description } : { type: "string", enum: [...names], description };
  return [
    {
      name: DISCOVER_TOOL_NAME,
      title: "Discover backend tools",
      description:
        "List the MCP servers (backends) behind this gateway and their tools. Without backend_name: every " +
        "backend with its description, state and tools (name and one-line description). With backend_name: " +
        "that backend's tools with their full input schemas. Call it before use_tool to learn the exact tool " +
        "names and arguments.",
      inputSchema: {
        type: "object",
        properties: {
          backend_name: backendName("Only this backend, with full tool schemas. Omit to list every backend."),
          backend_server: backendName("Alias of backend_name."),
        },
        additionalProperties: false,
      },
      outputSchema: DISCOVERY_OUTPUT_SCHEMA as unknown as Tool["outputSchema"],
      annotations: {
        title: "Discover backend tools",
        readOnlyHint: true,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    {
      name: USE_TOOL_NAME,
      title: "Use a backend tool",
      description:
        "Call one tool of one backend and return its result unchanged. Use discover_backend_tools first to " +
        "learn the tool's name and input schema; tool_arguments must match that schema.",
      inputSchema: {
        type: "object",
        properties: {
          backend_server: backendName("The backend that has the tool."),
          server_tool: {
            type: "string",
            description: "The tool's name, exactly as discover_backend_tools lists it.",
          },
          tool_arguments: {
            type: "object",
            description: "The tool's arguments, matching its input schema. Default {}.",
            additionalProperties: true,
          },
        },
        required: ["backend_server", "server_tool"],
        additionalProperties: false,
      },
    },
  ];
}
