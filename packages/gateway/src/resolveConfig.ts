import path from "node:path";
import type { BackendSpec } from "@mcpware/backend-pool";
import { MASK, substituteVariables } from "./substituteVariables.js";
import type { BackendEntry, ConfigShape, ValidatedConfig } from "./validateConfig.js";

const MS_PER_SECOND = 1000;

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
}

/** The whole configuration, resolved: what `createGateway` runs. */
export interface GatewayConfig {
  /** The file it was loaded from, if any. */
  file: string | undefined;
  shape: ConfigShape;
  /** In file order, without disabled backends. */
  backends: readonly ResolvedBackend[];
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
}

/**
 * Substitutes variables and builds each backend's pool spec (timeouts converted from seconds to ms).
 * A backend that references an unset variable, or whose command becomes empty, is marked unavailable;
 * the others are unaffected.
 */
export function resolveConfig(config: ValidatedConfig, options: ResolveOptions): GatewayConfig {
  return {
    file: options.file,
    shape: config.shape,
    backends: config.entries.map((entry) => resolveBackend(entry, options)),
  };
}

function resolveBackend(entry: BackendEntry, options: ResolveOptions): ResolvedBackend {
  const lookup = (name: string): string | undefined => options.variables.get(name);
  const missing: string[] = [];
  const secrets = new Set<string>();
  const argv: string[] = [];
  const displayArgv: string[] = [];
  for (const template of entry.argv) {
    const result = substituteVariables(template, lookup);
    argv.push(result.value);
    displayArgv.push(result.masked);
    result.missing.forEach((name) => missing.push(name));
    result.substituted.forEach((value) => secrets.add(value));
  }
  const env: [string, string][] = [];
  const displayEnv: [string, string][] = [];
  for (const [name, template] of entry.env) {
    const result = substituteVariables(template, lookup);
    env.push([name, result.value]);
    displayEnv.push([name, result.value === "" ? "" : MASK]);
    result.missing.forEach((variable) => missing.push(variable));
    if (result.value !== "") secrets.add(result.value);
  }
  const base = {
    name: entry.name,
    description: entry.description,
    displayArgv,
    displayEnv,
    secrets: [...secrets],
  };
  const unset = [...new Set(missing)];
  if (unset.length > 0) {
    const list = unset.join(", ");
    return {
      ...base,
      spec: undefined,
      unavailable:
        `backend "${entry.name}" is unavailable: ${unset.length === 1 ? "variable" : "variables"} ${list} ` +
        `${unset.length === 1 ? "is" : "are"} not set (set ${unset.length === 1 ? "it" : "them"} in the ` +
        "environment or in the env file)",
    };
  }
  const [command, ...args] = argv;
  if (command === undefined || command === "") {
    return {
      ...base,
      spec: undefined,
      unavailable: `backend "${entry.name}" is unavailable: its command is empty after variable substitution`,
    };
  }
  const spec: BackendSpec = {
    name: entry.name,
    command: resolveCommandPath(command, options.baseDir),
    args,
    env: Object.fromEntries(env),
    inheritEnv: entry.inheritEnv,
    manageDocker: entry.manageDocker,
  };
  if (entry.description !== undefined) spec.description = entry.description;
  // Relative paths in a config mean the config's folder, wherever mcpware was started from (Claude Desktop
  // starts it in its own folder): the backend runs there, so relative file arguments resolve there too.
  spec.cwd = path.resolve(options.baseDir, entry.cwd ?? ".");
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
