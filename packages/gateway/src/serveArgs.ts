import type { CommonOptions } from "./cliIo.js";
import { DEFAULT_CONFIG_FILE } from "./loadConfig.js";
import type { LogLevel } from "./logger.js";
import { DEFAULT_LOG_LEVEL, LOG_LEVELS } from "./logger.js";

const OPTION_NAMES: Readonly<Record<string, keyof CommonOptions>> = {
  "--config": "configPath",
  "-c": "configPath",
  "--dotenv": "envFile",
  "--env-file": "envFile",
  "--log-level": "logLevel",
  "--mode": "mode",
};

/**
 * The options of a plain `serve` command line, read without yargs (loading it is a sizeable part of the time
 * before `initialize` can be answered), or `undefined` when `args` is anything else and yargs must parse it.
 *
 * Accepted: an optional leading `serve`, then each of `--config`/`-c`, `--dotenv` (or `--env-file`) and `--log-level` at most
 * once, as `--name value` or `--name=value`, with a non-empty value that does not start with `-` (a log level
 * must be one of {@link LOG_LEVELS}). Defaults as in the yargs definition: `$MCPWARE_CONFIG` or
 * {@link DEFAULT_CONFIG_FILE}, {@link DEFAULT_LOG_LEVEL}.
 */
export function parseServeArgs(args: readonly string[], env: NodeJS.ProcessEnv): CommonOptions | undefined {
  const given = new Map<keyof CommonOptions, string>();
  let index = args[0] === "serve" ? 1 : 0;
  while (index < args.length) {
    const arg = args[index]!;
    const equals = arg.indexOf("=");
    const name = equals > 0 && arg.startsWith("--") ? arg.slice(0, equals) : arg;
    const key = OPTION_NAMES[name];
    if (key === undefined || given.has(key)) return undefined;
    let value: string | undefined;
    if (name !== arg) {
      value = arg.slice(equals + 1);
      index += 1;
    } else {
      value = args[index + 1];
      index += 2;
    }
    if (value === undefined || value === "" || value.startsWith("-")) return undefined;
    given.set(key, value);
  }
  const logLevel = given.get("logLevel") ?? DEFAULT_LOG_LEVEL;
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) return undefined;
  const mode = given.get("mode");
  if (mode !== undefined && mode !== "meta" && mode !== "aggregate") return undefined;
  return {
    configPath: given.get("configPath") ?? env.MCPWARE_CONFIG ?? DEFAULT_CONFIG_FILE,
    envFile: given.get("envFile"),
    logLevel: logLevel as LogLevel,
    ...(mode === undefined ? {} : { mode }),
  };
}
