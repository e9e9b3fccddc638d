import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseEnv } from "node:util";
import { ConfigError } from "./configError.js";
import { parseJsonText } from "./parseJsonText.js";
import type { GatewayConfig } from "./resolveConfig.js";
import { resolveConfig } from "./resolveConfig.js";
import { validateConfig } from "./validateConfig.js";

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
 * Reads, validates and resolves a config file.
 *
 * @throws ConfigError listing every problem (unreadable file, invalid JSON with line and column, schema
 *   violations, duplicate names, malformed `${…}`) with its JSON path. A missing variable is not an error:
 *   it makes that backend unavailable.
 */
export async function loadConfig(options: LoadConfigOptions): Promise<GatewayConfig> {
  const file = path.resolve(options.configPath);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new ConfigError(
      [{ path: "$", message: `cannot read the config file: ${describeIoError(error)}` }],
      {
        file: options.configPath,
        cause: error,
      },
    );
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok) throw new ConfigError(parsed.problems, { file: options.configPath });
  const fileVariables = await readEnvFile(file, options.envFile, options.configPath);
  const variables = new Map(fileVariables);
  for (const [name, value] of Object.entries(options.env ?? process.env)) {
    if (value !== undefined) variables.set(name, value);
  }
  return parseConfig(parsed.value, { env: variables, baseDir: path.dirname(file), file: options.configPath });
}

/**
 * Validates and resolves a config object (any of the three shapes).
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
  return resolveConfig(outcome.config, {
    variables,
    baseDir: options.baseDir ?? process.cwd(),
    ...(options.file === undefined ? {} : { file: options.file }),
  });
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
  const parsed = parseEnv(text);
  return new Map(Object.entries(parsed).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

function describeIoError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES") return "permission denied";
  if (code === "EISDIR") return "it is a directory";
  return error instanceof Error ? error.message : String(error);
}
