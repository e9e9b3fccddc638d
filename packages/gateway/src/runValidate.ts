import type { CliIo, CommonOptions } from "./cliIo.js";
import { checkCommand } from "./checkCommand.js";
import { ExitCode, quoteArgument } from "./cliIo.js";
import { loadConfig, logConfigWarnings } from "./loadConfig.js";
import { createRedactor } from "./redactor.js";

/**
 * `mcpware validate`: loads the config and prints each backend's resolved command and environment with
 * secrets masked. Status 0 when every backend can run, 1 when some cannot (missing variables, or a command
 * that is not found: the line says where it was looked for), 2 when the config is invalid (ConfigError,
 * reported by the caller).
 */
export async function runValidate(options: CommonOptions, io: CliIo): Promise<number> {
  const config = await loadConfig({ configPath: options.configPath, envFile: options.envFile });
  logConfigWarnings(config, { level: options.logLevel, stream: io.stderr });
  const count = config.backends.length;
  io.stdout.write(
    `config ${options.configPath} is valid (${config.shape} form, ${count} backend${count === 1 ? "" : "s"})\n`,
  );
  // The command may hold a substituted value: masked like the argv above.
  const redactor = createRedactor(config.backends.flatMap((backend) => [...backend.secrets]));
  let failed = 0;
  for (const backend of config.backends) {
    io.stdout.write(
      `\n${backend.name}${backend.description === undefined ? "" : ` — ${backend.description}`}\n`,
    );
    io.stdout.write(`  command: ${backend.displayArgv.map(quoteArgument).join(" ")}\n`);
    if (backend.displayEnv.length > 0) {
      io.stdout.write(`  env: ${backend.displayEnv.map(([name, value]) => `${name}=${value}`).join(" ")}\n`);
    }
    const spec = backend.spec;
    if (spec?.cwd !== undefined) io.stdout.write(`  cwd: ${spec.cwd}\n`);
    if (spec?.timeoutMs !== undefined) io.stdout.write(`  timeout: ${spec.timeoutMs / 1000} s\n`);
    if (spec?.inheritEnv === true) io.stdout.write("  inheritEnv: true (the whole environment is passed)\n");
    if (backend.unavailable !== undefined) {
      failed += 1;
      io.stdout.write(`  UNAVAILABLE: ${backend.unavailable}\n`);
    }
    if (spec !== undefined) {
      const check = await checkCommand(backend.name, spec.command, spec, process.env, process.platform);
      if (check.ok === false) {
        failed += 1;
        io.stdout.write(`  COMMAND NOT FOUND: ${redactor.redact(check.detail)}\n`);
      }
    }
  }
  if (failed > 0) {
    io.stdout.write(`\n${failed} backend${failed === 1 ? "" : "s"} cannot run.\n`);
  }
  return failed === 0 ? ExitCode.Ok : ExitCode.Failure;
}
