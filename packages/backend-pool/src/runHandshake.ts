import { LATEST_PROTOCOL_VERSION, McpMethod, ProtocolError } from "@mcpware/protocol";
import type { InitializeResult, McpConnection } from "@mcpware/protocol";
import { BackendError, BackendErrorCode } from "./backendError.js";
import type { BackendProcessHost } from "./backendProcess.js";
import { toInitializeResult } from "./initializeResult.js";
import type { ProcessDeath } from "./processDeath.js";

/** What the handshake tells the backend and reports in its errors. */
export type HandshakeHost = Pick<BackendProcessHost, "spec" | "clientInfo" | "clientCapabilities" | "stderr">;

/** How a handshake request ended: its reply, its failure, or the death of the process first. */
export type HandshakeReply = { result: unknown } | { error: unknown } | { death: BackendError };

/**
 * Wait for the reply to a handshake request, the process's death, or the abort of `signal`, whichever comes
 * first. Rejects with the signal's reason on abort (nothing is cancelled: the owner stops the process).
 */
export async function raceHandshakeReply(
  sent: Promise<unknown>,
  death: ProcessDeath,
  signal: AbortSignal,
): Promise<HandshakeReply> {
  const reply = sent.then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<{ aborted: true }>((resolve) => {
    onAbort = () => resolve({ aborted: true });
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  const died = death.promise.then((error) => ({ death: error }));
  const outcome = await Promise.race([reply, aborted, died]);
  if (onAbort !== undefined) signal.removeEventListener("abort", onAbort);
  if ("aborted" in outcome) throw signal.reason;
  return outcome;
}

/**
 * The legacy MCP handshake on a process's connection: `initialize` with the latest protocol version and the
 * caller's client capabilities, then `notifications/initialized`. Never cancels `initialize` (the spec forbids
 * it): on abort it rejects with the signal's reason. Rejects with ERR_BACKEND_INITIALIZE (error reply, unusable
 * result, unsupported version) or the process's death error; a local failure of the connection breaks the process.
 */
export async function runHandshake(
  connection: McpConnection,
  death: ProcessDeath,
  host: HandshakeHost,
  signal: AbortSignal,
): Promise<InitializeResult> {
  const name = host.spec.name;
  const sent = connection.sendRequest<unknown>(McpMethod.Initialize, {
    protocolVersion: LATEST_PROTOCOL_VERSION,
    capabilities: host.clientCapabilities,
    clientInfo: host.clientInfo,
  });
  const outcome = await raceHandshakeReply(sent, death, signal);
  if ("death" in outcome) throw death.errorFor(outcome.death, McpMethod.Initialize, undefined);
  if ("error" in outcome) {
    if (!(outcome.error instanceof ProtocolError)) {
      death.onBroken(outcome.error instanceof Error ? outcome.error : undefined);
      throw death.errorFor(await death.promise, McpMethod.Initialize, undefined);
    }
    throw new BackendError(
      BackendErrorCode.Initialize,
      `backend "${name}" refused initialize: ${String(outcome.error)}`,
      {
        backend: name,
        method: McpMethod.Initialize,
        stderrTail: host.stderr.tail(),
        cause: outcome.error,
      },
    );
  }
  const initialized = toInitializeResult(outcome.result, name, host.stderr.tail());
  await connection.sendNotification(McpMethod.Initialized).catch(() => {});
  return initialized;
}
