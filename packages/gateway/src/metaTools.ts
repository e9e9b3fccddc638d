import type { Tool } from "@mcpware/protocol";

export const DISCOVER_TOOL_NAME = "discover_backend_tools";
export const USE_TOOL_NAME = "use_tool";

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
        "Find the tools of the MCP servers (backends) behind this gateway. query: a few words about the task; " +
        "answers the best-matching tools. backend_name with tool_names: those tools' input schemas. " +
        "backend_name alone: all its tools. No arguments: an overview.",
      inputSchema: {
        type: "object",
        properties: {
          query: { type: "string", description: "What you want to do, in a few words." },
          backend_name: backendName("One backend."),
          tool_names: {
            type: "array",
            items: { type: "string" },
            description: "With backend_name: these tools.",
          },
        },
        additionalProperties: false,
      },
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
        "Call a backend's tool; its result comes back unchanged. Get the tool's input schema from " +
        "discover_backend_tools first.",
      inputSchema: {
        type: "object",
        properties: {
          backend_server: backendName("The backend that has the tool."),
          server_tool: { type: "string", description: "The tool's name." },
          tool_arguments: { type: "object", description: "Arguments matching the tool's input schema." },
        },
        required: ["backend_server", "server_tool"],
        additionalProperties: false,
      },
    },
  ];
}
