import { ExitCode } from "./cliIo.js";
import type { Gateway } from "./createGateway.js";

/** Signals that end a one-shot command (`tools`, `call`). */
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/**
 * For one-shot commands: on SIGINT, SIGTERM or SIGHUP, stop the gateway's backends (their process groups
 * would otherwise outlive the command) and exit with status 1. Returns a function that removes the handlers.
 */
export function closeOnSignals(
  gateway: Gateway,
  exit: (code: number) => void = (code) => process.exit(code),
): () => void {
  const onSignal = (): void => {
    gateway.close().finally(() => exit(ExitCode.Failure));
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return () => {
    for (const signal of SIGNALS) process.removeListener(signal, onSignal);
  };
}
