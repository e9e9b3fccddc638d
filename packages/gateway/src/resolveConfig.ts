import path from "node:path";
import type { PinningMode } from "./toolPins.js";
import type { BackendSpec } from "@mcpware/backend-pool";
import type { ClientVariableValues } from "./clientVariables.js";
import { clientVariableValues, expandClientPath, translateClientTemplate } from "./clientVariables.js";
import { MASK, substituteVariables } from "./substituteVariables.js";
import type {
  BackendEntry,
  ConfigShape,
  GatewayMode,
  StartPolicy,
  ValidatedConfig,
} from "./validateConfig.js";
import { toolFilter } from "./toolFilter.js";
import type { ToolFilter } from "./toolFilter.js";

const MS_PER_SECOND = 1000;
/** Why an MCP client's remote server (`url`, `serverUrl`) is listed but cannot be used. */
export const REMOTE_UNSUPPORTED = "remote servers are not supported yet";

/** One backend after substitution: runnable (`spec`) or unavailable (`unavailable` says why). */
export interface ResolvedBackend {
  name: string;
  description: string | undefined;
  /** What the pool runs; undefined when the backend is unavailable. */
  spec: BackendSpec | undefined;
  /** Why the backend cannot run, naming the backend and the variables (never a value). */
  unavailable: string | undefined;
  /** The argv with every value taken from a variable replaced by `***`. */
  displayArgv: readonly string[];
  /** Declared variables with their values masked. */
  displayEnv: readonly (readonly [string, string])[];
  /** Values that must never appear in a log: env values and substituted variables. */
  secrets: readonly string[];
  /** When it starts: on its first request, or right after the client's `initialized`. */
  start: StartPolicy;
  /** Which of its tools the model may see and call; undefined: all. */
  toolFilter: ToolFilter | undefined;
}

/** The whole configuration, resolved: what `createGateway` runs. */
export interface GatewayConfig {
  /** The file it was loaded from, if any. */
  file: string | undefined;
  shape: ConfigShape;
  /** In file order, without disabled backends. */
  backends: readonly ResolvedBackend[];
  /**
   * What was accepted but is not used, one line each (keys MCP clients write that mcpware ignores): the
   * commands print them on stderr. Unavailable backends are not repeated here.
   */
  warnings: readonly string[];
  /** What to do when a tool's definition changed since it was pinned (`"pinning"`); default `block`. */
  pinning?: PinningMode | undefined;
  /** How long a 2026-07-28 client has to retry an `input_required` result (`"inputRequiredTtl"`, ms). */
  inputRequiredTtlMs?: number | undefined;
  /** How the backends' tools reach the model (`"mode"`, `--mode`); default `meta`. */
  mode: GatewayMode;
}

export interface ResolveOptions {
  /** Variables for `${VAR}` (the environment merged with the env file). */
  variables: ReadonlyMap<string, string>;
  /**
   * The config file's folder: relative `cwd` values and commands given as relative paths are resolved against
   * it, and it is the working directory of a backend without `cwd`.
   */
  baseDir: string;
  /** The config file, for messages. */
  file?: string;
  /**
   * Reads a backend's `envFile` (an absolute path) into its variables.
   *
   * @throws Error saying why it cannot (the backend is then unavailable).
   */
  readEnvFile: (file: string) => ReadonlyMap<string, string>;
  /** The config's top-level `start`: the default of its backends. */
  start?: StartPolicy;
}

/**
 * Substitutes variables and builds each backend's pool spec (timeouts converted from seconds to ms). The
 * references VS Code and Cursor write (`${env:NAME}`, `${workspaceFolder}`, …) mean what they mean there.
 * A backend that references an unset variable or a value VS Code prompts for (`${input:ID}`), whose `envFile`
 * cannot be read, whose command becomes empty, or that is a remote server, is marked unavailable; the others
 * are unaffected.
 */
export function resolveConfig(config: ValidatedConfig, options: ResolveOptions): GatewayConfig {
  const values = clientVariableValues(options.baseDir);
  return {
    file: options.file,
    shape: config.shape,
    backends: config.entries.map((entry) =>
      resolveBackend(
        entry,
        { ...options, ...(config.start === undefined ? {} : { start: config.start }) },
        values,
      ),
    ),
    warnings: config.warnings,
    pinning: config.pinning,
    mode: config.mode ?? "meta",
    ...(config.inputRequiredTtl === undefined
      ? {}
      : { inputRequiredTtlMs: Math.round(config.inputRequiredTtl * MS_PER_SECOND) }),
  };
}

function resolveBackend(
  entry: BackendEntry,
  options: ResolveOptions,
  values: ClientVariableValues,
): ResolvedBackend {
  const lookup = (name: string): string | undefined => options.variables.get(name);
  const missing: string[] = [];
  const inputs: string[] = [];
  const secrets = new Set<string>();
  const substitute = (template: string) => {
    const translated = translateClientTemplate(template, values);
    inputs.push(...translated.inputs);
    const result = substituteVariables(translated.template, lookup);
    missing.push(...result.missing);
    return result;
  };
  const argv: string[] = [];
  const displayArgv: string[] = [];
  for (const template of entry.argv) {
    const result = substitute(template);
    argv.push(result.value);
    displayArgv.push(result.masked);
    result.substituted.forEach((value) => secrets.add(value));
  }
  // The envFile's variables first: the entry's own env wins.
  const env = new Map<string, string>();
  let envFileProblem: string | undefined;
  if (entry.envFile !== undefined) {
    const file = path.resolve(options.baseDir, expandClientPath(entry.envFile, values));
    try {
      for (const [name, value] of options.readEnvFile(file)) env.set(name, value);
    } catch (error) {
      envFileProblem = `cannot read its envFile ${file}: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  for (const [name, template] of entry.env) env.set(name, substitute(template).value);
  for (const value of env.values()) if (value !== "") secrets.add(value);
  const displayEnv = [...env].map(([name, value]): [string, string] => [name, value === "" ? "" : MASK]);
  const base = {
    name: entry.name,
    description: entry.description,
    start: entry.start ?? options.start ?? "lazy",
    toolFilter: toolFilter(entry.tools),
    displayArgv,
    displayEnv,
    secrets: [...secrets],
  };
  const unavailable = (reason: string): ResolvedBackend => ({
    ...base,
    spec: undefined,
    unavailable: `backend "${entry.name}" is unavailable: ${reason}`,
  });
  if (entry.remote) return unavailable(REMOTE_UNSUPPORTED);
  const prompted = [...new Set(inputs)];
  if (prompted.length > 0) {
    return unavailable(
      `it uses ${prompted.map((id) => `\${input:${id}}`).join(", ")}, a value VS Code prompts for; mcpware ` +
        "cannot prompt: put the value in the env file and reference it as ${NAME}",
    );
  }
  const unset = [...new Set(missing)];
  if (unset.length > 0) {
    const list = unset.join(", ");
    return unavailable(
      `${unset.length === 1 ? "variable" : "variables"} ${list} ${unset.length === 1 ? "is" : "are"} not set ` +
        `(set ${unset.length === 1 ? "it" : "them"} in the environment or in the env file)`,
    );
  }
  if (envFileProblem !== undefined) return unavailable(envFileProblem);
  const [command, ...args] = argv;
  if (command === undefined || command === "") {
    return unavailable("its command is empty after variable substitution");
  }
  const spec: BackendSpec = {
    name: entry.name,
    command: resolveCommandPath(command, options.baseDir),
    args,
    env: Object.fromEntries(env),
    inheritEnv: entry.inheritEnv,
    manageDocker: entry.manageDocker,
    ...(entry.docker === undefined ? {} : { docker: entry.docker }),
  };
  if (entry.description !== undefined) spec.description = entry.description;
  // Relative paths in a config mean the config's folder, wherever mcpware was started from (Claude Desktop
  // starts it in its own folder): the backend runs there, so relative file arguments resolve there too.
  spec.cwd = path.resolve(
    options.baseDir,
    entry.cwd === undefined ? "." : expandClientPath(entry.cwd, values),
  );
  if (entry.timeout !== undefined) spec.timeoutMs = Math.round(entry.timeout * MS_PER_SECOND);
  if (entry.maxCallDuration !== undefined)
    spec.maxCallDurationMs = Math.round(entry.maxCallDuration * MS_PER_SECOND);
  if (entry.startTimeout !== undefined) spec.startTimeoutMs = Math.round(entry.startTimeout * MS_PER_SECOND);
  if (entry.idleTimeout !== undefined) spec.idleTimeoutMs = Math.round(entry.idleTimeout * MS_PER_SECOND);
  if (entry.maxInFlight !== undefined) spec.maxInFlight = entry.maxInFlight;
  return { ...base, spec, unavailable: undefined };
}

/**
 * A command given as a relative path (`node_modules/.bin/x`, `./server.sh`) against the config's folder; a bare
 * name (`npx`, `docker`) is left to the PATH lookup, an absolute path as it is.
 */
export function resolveCommandPath(command: string, baseDir: string): string {
  const hasSeparator = command.includes("/") || (process.platform === "win32" && command.includes("\\"));
  return hasSeparator && !path.isAbsolute(command) ? path.resolve(baseDir, command) : command;
}
