import type { CliIo, CommonOptions } from "./cliIo.js";
import { ExitCode, reportConfigError } from "./cliIo.js";
import { ConfigError } from "./configError.js";
import { DEFAULT_CONFIG_FILE } from "./loadConfig.js";
import type { LogLevel } from "./logger.js";
import { DEFAULT_LOG_LEVEL, LOG_LEVELS } from "./logger.js";
import { packageVersion } from "./packageVersion.js";
import type { ServeIo } from "./runServe.js";
import { parseServeArgs } from "./serveArgs.js";

export interface CliContext extends ServeIo {
  /** The environment (for MCPWARE_CONFIG). */
  env: NodeJS.ProcessEnv;
}

/**
 * Runs the `mcpware` command line (`args` without node and script) and resolves with the exit status:
 * 0 success, 1 runtime failure, 2 invalid config or usage. Nothing but MCP messages reaches stdout in
 * `serve`.
 */
export async function runCli(args: readonly string[], context: CliContext): Promise<number> {
  const io: CliIo = { stdout: context.stdout, stderr: context.stderr };
  let status: number = ExitCode.Ok;
  let usageError: string | undefined;
  const run = async (task: () => Promise<number>): Promise<void> => {
    try {
      status = await task();
    } catch (error) {
      if (error instanceof ConfigError) status = reportConfigError(error, io);
      else {
        io.stderr.write(
          `mcpware: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
        );
        status = ExitCode.Failure;
      }
    }
  };
  const serveOptions = parseServeArgs(args, context.env);
  if (serveOptions !== undefined) {
    // The common case (how MCP clients start mcpware) without loading yargs.
    await run(async () => (await import("./runServe.js")).runServe(serveOptions, context));
    return status;
  }
  const { default: yargs } = await import("yargs");
  const common = (argv: {
    config: string;
    dotenv?: string | undefined;
    "log-level": string;
    mode?: string | undefined;
  }): CommonOptions => ({
    configPath: argv.config,
    envFile: argv.dotenv,
    logLevel: argv["log-level"] as LogLevel,
    ...(argv.mode === undefined ? {} : { mode: argv.mode as "meta" | "aggregate" }),
  });

  const parser = yargs([...args])
    .scriptName("mcpware")
    .usage("$0 [command] [options]\n\nOne stdio MCP endpoint in front of many stdio MCP servers.")
    .option("config", {
      alias: "c",
      type: "string",
      default: context.env.MCPWARE_CONFIG ?? DEFAULT_CONFIG_FILE,
      defaultDescription: `$MCPWARE_CONFIG or ./${DEFAULT_CONFIG_FILE}`,
      describe: "The config file",
    })
    .option("dotenv", {
      // Node 20 itself reads every argument starting with --env-file, after the script name too, so that
      // spelling reaches mcpware only on Node versions that leave it to the program; kept as an alias for them.
      alias: "env-file",
      type: "string",
      describe:
        "A .env file of variables for ${VAR} in the config (default: .env beside the config, if present). " +
        "--env-file is the same where Node passes it on (Node 20 takes that spelling for itself)",
    })
    .option("mode", {
      type: "string",
      choices: ["meta", "aggregate"],
      describe: "Overrides the config's \"mode\": two meta-tools, or every backend's tools listed directly",
    })
    .option("log-level", {
      type: "string",
      choices: LOG_LEVELS,
      default: DEFAULT_LOG_LEVEL,
      describe: "Logging on stderr (DEBUG=mcpware:* also enables debug logs)",
    })
    .command(
      ["serve", "$0"],
      "Run the stdio MCP server (the default)",
      (command) => command,
      (argv) => {
        // The default command would otherwise take a mistyped command name as a stray argument.
        const stray = argv._.filter((item) => item !== "serve");
        if (stray.length > 0) {
          usageError = `unknown command: ${stray.join(" ")}`;
          return;
        }
        return run(async () => (await import("./runServe.js")).runServe(common(argv), context));
      },
    )
    .command(
      "validate",
      "Check the config and print each backend's resolved command (secrets masked)",
      (command) => command,
      (argv) => run(async () => (await import("./runValidate.js")).runValidate(common(argv), io)),
    )
    .command(
      "tools [backend]",
      "Start the backends and print their tools as a table",
      (command) =>
        command
          .positional("backend", { type: "string", describe: "Only this backend" })
          .option("json", { type: "boolean", default: false, describe: "Print JSON instead of a table" }),
      (argv) =>
        run(async () =>
          (await import("./runTools.js")).runTools(
            { ...common(argv), backend: argv.backend, json: argv.json },
            io,
          ),
        ),
    )
    .command(
      "call <backend> <tool>",
      "Call one tool and print its result",
      (command) =>
        command
          .positional("backend", { type: "string", demandOption: true, describe: "The backend's name" })
          .positional("tool", { type: "string", demandOption: true, describe: "The tool's name" })
          .option("args", { type: "string", describe: "The tool's arguments as a JSON object" })
          .option("json", { type: "boolean", default: false, describe: "Print the raw result as JSON" }),
      (argv) =>
        run(async () =>
          (await import("./runCall.js")).runCall(
            { ...common(argv), backend: argv.backend, tool: argv.tool, args: argv.args, json: argv.json },
            io,
          ),
        ),
    )
    .command(
      "pins [accept] [backend] [tool]",
      "Start the backends and show how their tools differ from the pinned definitions (a diff each); " +
        "`pins accept [backend] [tool]` accepts the changes",
      (command) =>
        command
          .positional("accept", { type: "string", describe: '"accept" to accept the changes' })
          .positional("backend", { type: "string", describe: "Only this backend" })
          .positional("tool", { type: "string", describe: "Only this tool (with accept)" }),
      (argv) => {
        // `pins <backend>` lists one backend; `pins accept [backend] [tool]` accepts.
        const accept = argv.accept === "accept";
        const backend = accept ? argv.backend : (argv.accept ?? argv.backend);
        const tool = accept ? argv.tool : undefined;
        if (!accept && argv.backend !== undefined) {
          usageError = `unexpected argument: ${argv.backend} (pins [backend], or pins accept [backend] [tool])`;
          return;
        }
        return run(async () =>
          (await import("./runPins.js")).runPins({ ...common(argv), accept, backend, tool }, io, context.env),
        );
      },
    )
    .command(
      "import <file>",
      "Print a mcpware config converted from an MCP client's config file (Claude Desktop, Claude Code, " +
        "Cursor, Cline, Roo Code, Windsurf, VS Code); what is left out is named on stderr",
      (command) =>
        command.positional("file", {
          type: "string",
          demandOption: true,
          describe: "The client's config file",
        }),
      (argv) =>
        run(async () =>
          (await import("./runImport.js")).runImport(
            { file: argv.file, logLevel: argv["log-level"] as LogLevel },
            io,
          ),
        ),
    )
    .command(
      "doctor",
      "Check the environment mcpware runs in (Docker, config, backends)",
      (command) => command,
      (argv) =>
        run(async () =>
          (await import("./doctor.js")).runDoctor(
            {
              configPath: argv.config,
              ...(argv.dotenv === undefined ? {} : { envFile: argv.dotenv }),
            },
            io,
          ),
        ),
    )
    .strict()
    .help()
    .alias("help", "h")
    .version(packageVersion())
    .alias("version", "V")
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .exitProcess(false)
    .fail((message, error) => {
      usageError = message ?? error?.message ?? "invalid command line";
    });

  let output = "";
  await parser.parseAsync([...args], {}, (_error, _argv, text) => {
    output = text;
  });
  if (usageError !== undefined) {
    context.stderr.write(`mcpware: ${usageError}\nRun "mcpware --help" for usage.\n`);
    return ExitCode.Usage;
  }
  // --help and --version text: the only output of a command that is not a server.
  if (output !== "") context.stdout.write(`${output}\n`);
  return status;
}
