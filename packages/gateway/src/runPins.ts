import { createTwoFilesPatch } from "diff";
import type { CliIo, CommonOptions } from "./cliIo.js";
import { ExitCode } from "./cliIo.js";
import { closeOnSignals } from "./closeOnSignals.js";
import { createGateway } from "./createGateway.js";
import { loadConfig } from "./loadConfig.js";
import { createLogger } from "./logger.js";
import { stateDir } from "./stateDir.js";
import { PinStore } from "./toolPins.js";
import type { PinChange, PinnedDefinition } from "./toolPins.js";

export interface PinsOptions extends CommonOptions {
  /** Accept the changes (of `backend`, of its `tool`) instead of listing them. */
  accept: boolean;
  backend?: string | undefined;
  tool?: string | undefined;
}

/**
 * `mcpware pins [backend]`: starts the backends, compares their tools with the pins (pinning the new ones) and
 * prints each change as a diff; status 1 while some change is not accepted. `mcpware pins accept [backend]
 * [tool]`: pins the current definitions of the changed tools (all, one backend's, or one tool).
 */
export async function runPins(
  options: PinsOptions,
  io: CliIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const config = await loadConfig({ configPath: options.configPath, envFile: options.envFile });
  const store = PinStore.forConfig(stateDir(env), options.configPath);
  const logger = createLogger({ level: options.logLevel, stream: io.stderr });
  // Warn, not block: this command shows the changes; a log line per change would only repeat them.
  const gateway = createGateway(config, { logger: logger.child("pins"), pins: { store, mode: "warn" } });
  const removeSignalHandlers = closeOnSignals(gateway);
  try {
    if (
      options.backend !== undefined &&
      !config.backends.some((backend) => backend.name === options.backend)
    ) {
      io.stderr.write(`mcpware: there is no backend "${options.backend}" in ${options.configPath}\n`);
      return ExitCode.Usage;
    }
    const { changes, failures } = await gateway.pinChanges(options.backend);
    for (const failure of failures) io.stderr.write(`mcpware: ${failure}\n`);
    const selected = changes.filter((change) => options.tool === undefined || change.tool === options.tool);
    if (options.accept) {
      if (options.tool !== undefined && selected.length === 0) {
        io.stderr.write(
          `mcpware: tool "${options.tool}" of backend "${options.backend}" has no change to accept\n`,
        );
        return ExitCode.Failure;
      }
      store.accept(selected);
      for (const change of selected) io.stdout.write(`accepted ${change.backend}/${change.tool}\n`);
      if (selected.length === 0) io.stdout.write("nothing to accept: every tool matches its pin\n");
      return failures.length > 0 ? ExitCode.Failure : ExitCode.Ok;
    }
    io.stdout.write(renderPins(store, selected, options.backend));
    return selected.length > 0 || failures.length > 0 ? ExitCode.Failure : ExitCode.Ok;
  } finally {
    removeSignalHandlers();
    await gateway.close();
  }
}

function renderPins(store: PinStore, changes: readonly PinChange[], backend: string | undefined): string {
  const lines: string[] = [`pins: ${store.file}`];
  for (const [name, tools] of Object.entries(store.list())) {
    if (backend !== undefined && name !== backend) continue;
    const changed = changes.filter((change) => change.backend === name).length;
    const count = Object.keys(tools).length;
    lines.push(
      `${name}: ${count} tool${count === 1 ? "" : "s"} pinned${changed > 0 ? `, ${changed} changed` : ""}`,
    );
  }
  for (const change of changes) {
    lines.push(
      "",
      `${change.backend}/${change.tool} changed since it was pinned on ${change.pinnedAt} (${change.fields.join(", ")}):`,
      ...(change.image === undefined
        ? []
        : [`its image changed too: ${change.image.pinned ?? "(not recorded)"} → ${change.image.now}`]),
      diffOf(change),
      `accept it with: mcpware pins accept ${change.backend} ${change.tool}`,
    );
  }
  if (changes.length === 0) lines.push("every tool matches its pin");
  return `${lines.join("\n")}\n`;
}

/** A unified diff of the two definitions, pretty-printed with sorted keys. */
function diffOf(change: PinChange): string {
  const text = (definition: PinnedDefinition): string => `${JSON.stringify(sortKeys(definition), null, 2)}\n`;
  return createTwoFilesPatch(
    "pinned",
    "now",
    text(change.pinned),
    text(change.current),
    undefined,
    undefined,
    {
      context: 2,
    },
  )
    .split("\n")
    .filter((line) => !line.startsWith("====="))
    .join("\n")
    .trimEnd();
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}
