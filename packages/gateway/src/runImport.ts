import path from "node:path";
import type { CliIo } from "./cliIo.js";
import { ExitCode } from "./cliIo.js";
import { ConfigError } from "./configError.js";
import { importConfig } from "./importConfig.js";
import { logConfigWarnings, readConfigDocument } from "./loadConfig.js";
import type { LogLevel } from "./logger.js";

export interface ImportOptions {
  /** The MCP client's config file (relative to the working directory). */
  file: string;
  logLevel: LogLevel;
}

/**
 * `mcpware import FILE`: prints a mcpware config (keyed form, pretty JSON) converted from an MCP client's
 * config file, and on stderr a warning for each thing left out. Nothing is started. Status 0, or 2 when the
 * file cannot be read, is not JSON or is not a config (ConfigError, reported by the caller).
 */
export async function runImport(options: ImportOptions, io: CliIo): Promise<number> {
  const document = await readConfigDocument(options.file);
  const outcome = importConfig(document, path.dirname(path.resolve(options.file)));
  if (!outcome.ok) throw new ConfigError(outcome.problems, { file: options.file });
  logConfigWarnings(outcome, { level: options.logLevel, stream: io.stderr });
  io.stdout.write(`${JSON.stringify(outcome.config, null, 2)}\n`);
  return ExitCode.Ok;
}
