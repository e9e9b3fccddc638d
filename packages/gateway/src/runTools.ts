import { withAudience } from "./audience.js";
import type { CliIo, CommonOptions } from "./cliIo.js";
import { ExitCode } from "./cliIo.js";
import { closeOnSignals } from "./closeOnSignals.js";
import { createGateway } from "./createGateway.js";
import type { DiscoveredBackend } from "./discoveryText.js";
import { loadConfig, logConfigWarnings } from "./loadConfig.js";
import { createLogger } from "./logger.js";

/** Longest description in a table row (characters). */
const MAX_TABLE_DESCRIPTION = 80;

/**
 * `mcpware tools [backend]`: starts the backends, lists their tools as a table (or JSON with `json`) and
 * stops them. A backend that failed has one row pointing below the table, where its error is printed in full
 * (with the stderr lines that explain it). Status 0 when every backend listed its tools, 1 otherwise.
 */
export async function runTools(
  options: CommonOptions & { backend?: string | undefined; json: boolean },
  io: CliIo,
): Promise<number> {
  const config = await loadConfig({ configPath: options.configPath, envFile: options.envFile });
  logConfigWarnings(config, { level: options.logLevel, stream: io.stderr });
  const gateway = createGateway(config, {
    logger: createLogger({ level: options.logLevel, stream: io.stderr }),
  });
  const removeSignalHandlers = closeOnSignals(gateway);
  try {
    let backends: DiscoveredBackend[];
    try {
      backends = await withAudience("cli", () => gateway.describeBackends(options.backend));
    } catch (error) {
      io.stderr.write(`mcpware: ${(error as Error).message}\n`);
      return ExitCode.Failure;
    }
    if (options.backend !== undefined && backends[0]?.error !== undefined) {
      io.stderr.write(`mcpware: ${backends[0].error}\n`);
      return ExitCode.Failure;
    }
    if (options.json) io.stdout.write(`${JSON.stringify(backends, null, 2)}\n`);
    else io.stdout.write(renderTable(backends));
    return backends.some((backend) => backend.error !== undefined) ? ExitCode.Failure : ExitCode.Ok;
  } finally {
    removeSignalHandlers();
    await gateway.close();
  }
}

/** The table, then the error of each backend that failed, in full. */
function renderTable(backends: readonly DiscoveredBackend[]): string {
  const rows: string[][] = [["BACKEND", "STATE", "ERA", "TOOL", "DESCRIPTION"]];
  const errors: string[] = [];
  for (const backend of backends) {
    const era =
      backend.era === undefined ? "-" : `${backend.era.era} ${backend.era.protocolVersion ?? ""}`.trimEnd();
    if (backend.error !== undefined) {
      rows.push([backend.name, backend.state, era, "-", "(error: see below)"]);
      errors.push(`\n${backend.error}\n`);
      continue;
    }
    if (backend.tools.length === 0) rows.push([backend.name, backend.state, era, "-", "(no tools)"]);
    for (const tool of backend.tools)
      rows.push([backend.name, backend.state, era, tool.name, oneLine(tool.description ?? "")]);
  }
  const widths = [0, 1, 2, 3].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => (column < 4 ? cell.padEnd(widths[column]!) : cell))
        .join("  ")
        .trimEnd(),
    )
    .join("\n")
    .concat("\n", ...errors);
}

function oneLine(text: string): string {
  const line = text.trim().split(/\r?\n/, 1)[0] ?? "";
  return line.length > MAX_TABLE_DESCRIPTION ? `${line.slice(0, MAX_TABLE_DESCRIPTION - 1)}…` : line;
}
