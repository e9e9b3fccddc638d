import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseEnv } from "node:util";
import { findPrivilegedDockerOptions, isDockerRunCommand, parseDockerRunArgv } from "@mcpware/backend-pool";
import { ConfigError, formatJsonPath } from "./configError.js";
import type { ConfigProblem } from "./configError.js";
import { parseJsonText } from "./parseJsonText.js";
import type { LogLevel } from "./logger.js";
import { createLogger } from "./logger.js";
import type { GatewayConfig } from "./resolveConfig.js";
import { resolveConfig } from "./resolveConfig.js";
import { validateConfig } from "./validateConfig.js";
import type { BackendEntry } from "./validateConfig.js";

/** The config file used when neither `--config` nor `MCPWARE_CONFIG` names one. */
export const DEFAULT_CONFIG_FILE = "config.json";
/** The env file read, if present, from the config file's folder when `--dotenv` is not given. */
export const DEFAULT_ENV_FILE = ".env";

export interface LoadConfigOptions {
  /** The config file (relative to the working directory). */
  configPath: string;
  /** An env file that must exist. Default: `.env` beside the config file, if present. */
  envFile?: string | undefined;
  /** The environment; default `process.env`. Its variables win over the env file's. */
  env?: NodeJS.ProcessEnv;
}

export interface ParseConfigOptions {
  /** Variables for `${VAR}`; default `process.env`. */
  env?: NodeJS.ProcessEnv | ReadonlyMap<string, string>;
  /** Folder for relative `cwd` values; default the working directory. */
  baseDir?: string;
  /** Source file, for messages. */
  file?: string;
}

/**
 * Reads, validates and resolves a config file: mcpware's own shapes or an MCP client's file as it is (keys the
 * client writes that mcpware does not use are named in `warnings`; remote servers are unavailable backends).
 *
 * @throws ConfigError listing every problem (unreadable file, invalid JSON with line and column, schema
 *   violations, duplicate names, malformed `${…}`) with its JSON path. A missing variable is not an error:
 *   it makes that backend unavailable.
 */
export async function loadConfig(options: LoadConfigOptions): Promise<GatewayConfig> {
  const file = path.resolve(options.configPath);
  const document = await readConfigDocument(options.configPath);
  const fileVariables = await readEnvFile(file, options.envFile, options.configPath);
  const variables = new Map(fileVariables);
  for (const [name, value] of Object.entries(options.env ?? process.env)) {
    if (value !== undefined) variables.set(name, value);
  }
  return parseConfig(document, { env: variables, baseDir: path.dirname(file), file: options.configPath });
}

/**
 * Reads and parses a JSON config file (relative to the working directory), not yet validated.
 *
 * @throws ConfigError for an unreadable file or invalid JSON (with line and column).
 */
export async function readConfigDocument(configPath: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path.resolve(configPath), "utf8");
  } catch (error) {
    throw new ConfigError(
      [{ path: "$", message: `cannot read the config file: ${describeIoError(error)}` }],
      { file: configPath, cause: error },
    );
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok) throw new ConfigError(parsed.problems, { file: configPath });
  return parsed.value;
}

/**
 * Writes a loaded config's warnings to `stream` as `warn` log lines (`mcpware:config warn …`): every command
 * calls it after loading, before starting anything.
 */
export function logConfigWarnings(
  config: Pick<GatewayConfig, "warnings">,
  options: { level: LogLevel; stream: NodeJS.WritableStream },
): void {
  if (config.warnings.length === 0) return;
  const logger = createLogger({ level: options.level, stream: options.stream, namespace: "config" });
  for (const warning of config.warnings) logger.warn(warning);
}

/**
 * Validates and resolves a config object (any of the accepted shapes). Reads the backends' `envFile`s
 * (relative to `baseDir`); one that cannot be read makes its backend unavailable.
 *
 * @throws ConfigError with every problem and its JSON path.
 */
export function parseConfig(document: unknown, options: ParseConfigOptions = {}): GatewayConfig {
  const outcome = validateConfig(document);
  if (!outcome.ok) throw new ConfigError(outcome.problems, { file: options.file });
  const env = options.env ?? process.env;
  const variables =
    env instanceof Map
      ? (env as ReadonlyMap<string, string>)
      : new Map(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const config = resolveConfig(outcome.config, {
    variables,
    baseDir: options.baseDir ?? process.cwd(),
    ...(options.file === undefined ? {} : { file: options.file }),
    readEnvFile: readBackendEnvFile,
  });
  const refused = findRefusedDockerRuns(outcome.config.entries, config);
  if (refused.length > 0) throw new ConfigError(refused, { file: options.file });
  return config;
}

/**
 * Managed `docker run` backends that ask for power over the host (`--privileged`, a host namespace,
 * `--cap-add=ALL`, the Docker socket) without `"docker": {"allowPrivileged": true}`: refused at load.
 */
function findRefusedDockerRuns(entries: readonly BackendEntry[], config: GatewayConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const backend of config.backends) {
    const spec = backend.spec;
    if (spec === undefined || spec.manageDocker === false || spec.docker?.allowPrivileged === true) continue;
    if (!isDockerRunCommand(spec.command, spec.args ?? [])) continue;
    const parsed = parseDockerRunArgv(spec.args ?? []);
    const refused = parsed === undefined ? [] : findPrivilegedDockerOptions(parsed.flags);
    if (refused.length === 0) continue;
    const entry = entries.find((item) => item.name === backend.name);
    problems.push({
      path: formatJsonPath([...(entry?.path ?? ["backends", backend.name]), "args"]),
      message:
        `its docker run asks for power over the host (${refused.join(", ")}); mcpware refuses that unless the ` +
        'backend sets "docker": {"allowPrivileged": true}',
    });
  }
  return problems;
}

/** A backend's envFile: read when the config is resolved, which happens once, at start. */
function readBackendEnvFile(file: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(describeIoError(error), { cause: error });
  }
  return variablesOf(text);
}

function variablesOf(envText: string): Map<string, string> {
  const parsed = parseEnv(envText);
  return new Map(Object.entries(parsed).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

async function readEnvFile(
  configFile: string,
  envFile: string | undefined,
  configPath: string,
): Promise<Map<string, string>> {
  const explicit = envFile !== undefined;
  const file = explicit ? path.resolve(envFile) : path.join(path.dirname(configFile), DEFAULT_ENV_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if (!explicit && (error as NodeJS.ErrnoException).code === "ENOENT") return new Map();
    throw new ConfigError(
      [
        {
          path: "--dotenv",
          message: `cannot read the env file ${envFile ?? file}: ${describeIoError(error)}`,
        },
      ],
      { file: configPath, cause: error },
    );
  }
  return variablesOf(text);
}

function describeIoError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES") return "permission denied";
  if (code === "EISDIR") return "it is a directory";
  return error instanceof Error ? error.message : String(error);
}
