import type { CallToolResult, ContentBlock } from "@mcpware/protocol";
import { withAudience } from "./audience.js";
import type { CliIo, CommonOptions } from "./cliIo.js";
import { ExitCode } from "./cliIo.js";
import { closeOnSignals } from "./closeOnSignals.js";
import { createGateway } from "./createGateway.js";
import { isOwnError } from "./describeFailure.js";
import { loadConfig, logConfigWarnings } from "./loadConfig.js";
import { createLogger } from "./logger.js";

export interface CallOptions extends CommonOptions {
  backend: string;
  tool: string;
  /** The tool's arguments as JSON text (an object). */
  args: string | undefined;
  json: boolean;
}

/**
 * `mcpware call <backend> <tool> [--args JSON]`: one call through the same path as use_tool (argument
 * checks included); prints the result. mcpware's own errors (an unknown tool, arguments that do not match, a
 * backend that failed) go to stderr, worded for the person at the terminal; with `json`, every result goes to
 * stdout as is. Status 0 on success, 1 when the result is an error, 2 when `--args` is not a JSON object.
 */
export async function runCall(options: CallOptions, io: CliIo): Promise<number> {
  let args: unknown = {};
  if (options.args !== undefined) {
    try {
      args = JSON.parse(options.args) as unknown;
    } catch (error) {
      io.stderr.write(`mcpware: --args is not valid JSON: ${(error as Error).message}\n`);
      return ExitCode.Usage;
    }
    if (args === null || typeof args !== "object" || Array.isArray(args)) {
      io.stderr.write('mcpware: --args must be a JSON object, e.g. --args \'{"message": "hi"}\'\n');
      return ExitCode.Usage;
    }
  }
  const config = await loadConfig({ configPath: options.configPath, envFile: options.envFile });
  logConfigWarnings(config, { level: options.logLevel, stream: io.stderr });
  const gateway = createGateway(config, {
    logger: createLogger({ level: options.logLevel, stream: io.stderr }),
  });
  const removeSignalHandlers = closeOnSignals(gateway);
  try {
    const result = await withAudience("cli", () =>
      gateway.callTool(options.backend, options.tool, args, {
        onProgress: (progress) => {
          const total = progress.total === undefined ? "" : `/${progress.total}`;
          io.stderr.write(
            `progress ${progress.progress}${total}${progress.message === undefined ? "" : ` ${progress.message}`}\n`,
          );
        },
      }),
    );
    if (options.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else if (isOwnError(result)) io.stderr.write(`mcpware: ${renderContent(result)}\n`);
    else io.stdout.write(renderResult(result));
    return result.isError === true ? ExitCode.Failure : ExitCode.Ok;
  } finally {
    removeSignalHandlers();
    await gateway.close();
  }
}

/** A readable rendering of a tool result: text as is, binary content summarised, structured content as JSON. */
export function renderResult(result: CallToolResult): string {
  const parts: string[] = [];
  if (result.isError === true) parts.push("(the tool reported an error)");
  for (const block of contentOf(result)) parts.push(renderBlock(block));
  if (result.structuredContent !== undefined) {
    parts.push(`structuredContent: ${JSON.stringify(result.structuredContent, null, 2)}`);
  }
  return `${parts.join("\n")}\n`;
}

function renderContent(result: CallToolResult): string {
  return contentOf(result).map(renderBlock).join("\n");
}

function contentOf(result: CallToolResult): readonly ContentBlock[] {
  return Array.isArray(result.content) ? result.content : [];
}

function renderBlock(block: ContentBlock): string {
  switch (block.type) {
    case "text":
      return block.text;
    case "image":
    case "audio":
      return `[${block.type} ${block.mimeType}, ${Buffer.byteLength(block.data, "base64")} bytes]`;
    case "resource_link":
      return `[resource link ${block.uri}${block.name ? ` (${block.name})` : ""}]`;
    case "resource": {
      const text = typeof block.resource.text === "string" ? `\n${block.resource.text}` : "";
      return `[resource ${block.resource.uri}]${text}`;
    }
    default:
      return JSON.stringify(block);
  }
}
