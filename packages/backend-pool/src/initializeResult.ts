import { McpMethod, isObject, isSupportedProtocolVersion } from "@mcpware/protocol";
import type { Implementation, InitializeResult } from "@mcpware/protocol";
import { BackendError, BackendErrorCode } from "./backendError.js";

/**
 * Check a backend's `initialize` result and give it the declared shape: a protocol version this project
 * speaks (else ERR_BACKEND_INITIALIZE), `capabilities` an object, `serverInfo` present, `instructions` a string
 * or absent. Other fields are kept.
 */
export function toInitializeResult(
  result: unknown,
  backend: string,
  stderrTail: readonly string[],
): InitializeResult {
  if (!isObject(result) || !isSupportedProtocolVersion(result.protocolVersion)) {
    const version = isObject(result)
      ? (JSON.stringify(result.protocolVersion) ?? "none")
      : "no result object";
    throw new BackendError(
      BackendErrorCode.Initialize,
      `backend "${backend}" answered initialize with an unsupported protocol version (${version})`,
      { backend, method: McpMethod.Initialize, stderrTail },
    );
  }
  const initialized: InitializeResult = {
    ...result,
    protocolVersion: result.protocolVersion,
    capabilities: isObject(result.capabilities) ? result.capabilities : {},
    serverInfo: (isObject(result.serverInfo)
      ? result.serverInfo
      : { name: "", version: "" }) as Implementation,
  };
  if (typeof result.instructions !== "string") delete initialized.instructions;
  return initialized;
}
