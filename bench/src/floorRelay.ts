import { spawn } from "node:child_process";
import { LineSplitter } from "./lineSplitter.js";

/**
 * The floor of the benchmark: a minimal relay that does only what any gateway must do with a call, and nothing
 * else. It spawns one backend (the command line after the script), parses every line its client writes
 * (`JSON.parse`), turns a `tools/call` of `use_tool` into a `tools/call` of the backend's own tool with the same
 * id (`_meta` kept), forwards every other line unchanged, and copies the backend's stdout to its own stdout
 * byte for byte, without parsing it. No config, no validation, no catalog, no logging.
 *
 * Usage: `node bench/dist/floorRelay.js <command> [args...]`, e.g. `node floorRelay.js node <everything>/dist/index.js stdio`.
 *
 * When its stdin ends it ends the backend's stdin, sends SIGTERM after {@link TERM_AFTER_MS} and SIGKILL after
 * {@link KILL_AFTER_MS} if the backend is still there, and exits once the backend has exited. It exits as well
 * when the backend exits on its own, or on SIGTERM / SIGINT (after stopping the backend the same way).
 */

/** How long the backend may take to exit after its stdin ended (server-everything ignores EOF). */
const TERM_AFTER_MS = 1000;
const KILL_AFTER_MS = 1500;

interface UseToolArguments {
  readonly server_tool?: unknown;
  readonly tool_arguments?: unknown;
}

interface ClientMessage {
  readonly id?: unknown;
  readonly method?: unknown;
  readonly params?: {
    readonly name?: unknown;
    readonly arguments?: UseToolArguments;
    readonly _meta?: unknown;
  };
}

/** The line to send to the backend for one client line, newline included. */
function relayLine(line: string): string {
  let message: ClientMessage;
  try {
    message = JSON.parse(line) as ClientMessage;
  } catch {
    return `${line}\n`;
  }
  if (
    message === null ||
    typeof message !== "object" ||
    message.method !== "tools/call" ||
    message.params?.name !== "use_tool"
  ) {
    return `${line}\n`;
  }
  const { server_tool: name, tool_arguments: toolArguments } = message.params.arguments ?? {};
  const params: Record<string, unknown> = { name, arguments: toolArguments };
  if (message.params._meta !== undefined) params._meta = message.params._meta;
  return `${JSON.stringify({ jsonrpc: "2.0", id: message.id, method: "tools/call", params })}\n`;
}

function main(): void {
  const [command, ...args] = process.argv.slice(2);
  if (command === undefined) {
    process.stderr.write("usage: node floorRelay.js <command> [args...]\n");
    process.exitCode = 2;
    return;
  }
  const backend = spawn(command, args, { stdio: ["pipe", "pipe", "inherit"] });
  backend.stdout.pipe(process.stdout);
  // The backend's end may be gone before a write lands; its exit is handled below.
  backend.stdin.on("error", () => undefined);

  const timers: NodeJS.Timeout[] = [];
  let stopping = false;
  const stop = (signal?: NodeJS.Signals): void => {
    if (signal !== undefined) backend.kill(signal);
    if (stopping) return;
    stopping = true;
    process.stdin.pause();
    backend.stdin.end();
    timers.push(
      setTimeout(() => backend.kill("SIGTERM"), TERM_AFTER_MS),
      setTimeout(() => backend.kill("SIGKILL"), KILL_AFTER_MS),
    );
  };

  const splitter = new LineSplitter();
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk: string) => {
    let out = "";
    for (const line of splitter.push(chunk)) out += relayLine(line);
    if (out === "" || stopping) return;
    if (!backend.stdin.write(out)) {
      // The backend is not reading: stop reading the client until it drains.
      process.stdin.pause();
      backend.stdin.once("drain", () => {
        if (!stopping) process.stdin.resume();
      });
    }
  });
  process.stdin.on("end", () => stop());
  process.stdin.on("error", () => stop());
  process.stdout.on("error", () => stop("SIGTERM"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGTERM"));

  backend.on("error", (error) => {
    process.stderr.write(`floor relay: cannot start ${command}: ${error.message}\n`);
    process.exit(1);
  });
  backend.on("close", (code, signal) => {
    for (const timer of timers) clearTimeout(timer);
    const exitCode = stopping ? 0 : (code ?? (signal === null ? 1 : 128));
    // Everything the backend wrote has been handed to stdout by now; exit once it is flushed, or after a
    // second when the client no longer reads.
    process.stdout.write("", () => process.exit(exitCode));
    setTimeout(() => process.exit(exitCode), TERM_AFTER_MS).unref();
  });
}

main();
