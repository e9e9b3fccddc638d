import path from "node:path";
import type { PinningMode } from "./toolPins.js";
import { formatJsonPath } from "./configError.js";
import type { ConfigProblem } from "./configError.js";
import type { ClientVariableValues } from "./clientVariables.js";
import { clientVariableValues, expandClientPath, translateClientTemplate } from "./clientVariables.js";
import { REMOTE_UNSUPPORTED } from "./resolveConfig.js";
import type { BackendEntry, BackendFields, GatewayMode, StartPolicy } from "./validateConfig.js";
import { validateConfig } from "./validateConfig.js";

/** One backend of an imported config, in mcpware's keyed form: the fields of a config entry, one command. */
export type ImportedBackend = Omit<BackendFields, "name" | "command"> & { command: string };

/** An imported config: mcpware's own top-level settings as the file had them, and the backends. */
export interface ImportedConfig {
  mode?: GatewayMode;
  start?: StartPolicy;
  pinning?: PinningMode;
  backends: Record<string, ImportedBackend>;
}

export type ImportOutcome =
  | {
      ok: true;
      config: ImportedConfig;
      warnings: string[];
    }
  | { ok: false; problems: ConfigProblem[] };

/**
 * Converts a config document (an MCP client's file, or mcpware's own) into mcpware's keyed form, meaning the
 * same wherever it is saved: `${VAR}` references are kept; `${env:NAME}` becomes `${NAME}`; the editors'
 * predefined variables (`${workspaceFolder}`, …) and relative `envFile`/`cwd` paths become absolute, against
 * `configDir` (the source file's folder). Dropped, each with a warning: keys mcpware does not use and remote
 * servers. `${input:ID}` references are kept with a warning (mcpware lists such a backend as unavailable).
 * Disabled backends are kept disabled.
 */
export function importConfig(document: unknown, configDir: string): ImportOutcome {
  const outcome = validateConfig(document, { includeDisabled: true });
  if (!outcome.ok) return outcome;
  const values = clientVariableValues(configDir);
  const warnings = [...outcome.config.warnings];
  const backends: Record<string, ImportedBackend> = {};
  const remote: string[] = [];
  const prompted: string[] = [];
  for (const entry of outcome.config.entries) {
    if (entry.remote) {
      remote.push(formatJsonPath(entry.path));
      continue;
    }
    const { backend, inputs } = convertEntry(entry, configDir, values);
    backends[entry.name] = backend;
    if (inputs.length > 0) {
      prompted.push(`${formatJsonPath(entry.path)} (${inputs.map((id) => `\${input:${id}}`).join(", ")})`);
    }
  }
  if (remote.length > 0)
    warnings.push(`skipping remote servers (${REMOTE_UNSUPPORTED}): ${remote.join(", ")}`);
  if (prompted.length > 0) {
    warnings.push(
      `values VS Code prompts for are kept, and make their backend unavailable: ${prompted.join(", ")}; ` +
        "put each value in mcpware's .env (or --dotenv file) and reference it as ${NAME}",
    );
  }
  const { mode, start, pinning } = outcome.config;
  const config: ImportedConfig = {
    ...(mode === undefined ? {} : { mode }),
    ...(start === undefined ? {} : { start }),
    ...(pinning === undefined ? {} : { pinning }),
    backends,
  };
  return { ok: true, config, warnings };
}

function convertEntry(
  entry: BackendEntry,
  configDir: string,
  values: ClientVariableValues,
): { backend: ImportedBackend; inputs: string[] } {
  const inputs: string[] = [];
  const translate = (template: string): string => {
    const translated = translateClientTemplate(template, values, { keepInputs: true });
    for (const id of translated.inputs) if (!inputs.includes(id)) inputs.push(id);
    return translated.template;
  };
  const absolute = (written: string): string => path.resolve(configDir, expandClientPath(written, values));
  const [command, ...args] = entry.argv.map(translate);
  const backend: ImportedBackend = { command: command! };
  if (args.length > 0) backend.args = args;
  if (entry.env.size > 0) {
    backend.env = Object.fromEntries([...entry.env].map(([name, template]) => [name, translate(template)]));
  }
  if (entry.envFile !== undefined) backend.envFile = absolute(entry.envFile);
  if (entry.cwd !== undefined) backend.cwd = absolute(entry.cwd);
  if (entry.description !== undefined) backend.description = entry.description;
  if (entry.timeout !== undefined) backend.timeout = entry.timeout;
  if (entry.maxCallDuration !== undefined) backend.maxCallDuration = entry.maxCallDuration;
  if (entry.startTimeout !== undefined) backend.startTimeout = entry.startTimeout;
  if (entry.idleTimeout !== undefined) backend.idleTimeout = entry.idleTimeout;
  if (entry.maxInFlight !== undefined) backend.maxInFlight = entry.maxInFlight;
  if (entry.inheritEnv) backend.inheritEnv = true;
  if (!entry.manageDocker) backend.manageDocker = false;
  if (entry.docker !== undefined) backend.docker = entry.docker;
  if (entry.start !== undefined) backend.start = entry.start;
  if (entry.tools !== undefined) backend.tools = entry.tools;
  if (entry.disabled) backend.disabled = true;
  return { backend, inputs };
}
