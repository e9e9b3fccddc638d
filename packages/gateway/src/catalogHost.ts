import { BackendError, BackendErrorCode } from "@mcpware/backend-pool";
import type { CancelSignal, RawJson, ServerCapabilities } from "@mcpware/protocol";
import { ErrorCode, ProtocolError } from "@mcpware/protocol";
import { describeFailure } from "./describeFailure.js";
import type { GatewayContext } from "./gatewayContext.js";
import { timeoutOf, unavailableReason } from "./gatewayContext.js";

/** What the relays of resources, prompts and completion work with: a part of the gateway's context. */
export type CatalogHost = Pick<GatewayContext, "pool" | "logger" | "redactor" | "backends" | "unavailable">;

export interface BackendRequestOptions {
  /** The client's cancellation, when the request is made for one client request. */
  signal?: CancelSignal | undefined;
  /** What the request does, for error texts: e.g. `reading resource "demo://x"`. */
  action: string;
  /** The request deadline (ms); default the backend's `timeout`. */
  timeoutMs?: number | undefined;
}

/**
 * Sends one request to a backend, bounded by its `timeout`. A JSON-RPC error from the backend comes back as a
 * `ProtocolError` with the backend's code, message (secrets masked) and `data`; a local failure (timeout, exit,
 * start failure…) as a -32603 `ProtocolError` saying what happened (see `describeFailure`).
 */
export function requestBackend(
  host: CatalogHost,
  backend: string,
  method: string,
  params: unknown,
  options: BackendRequestOptions & { raw: true },
): Promise<RawJson>;
export function requestBackend<R = unknown>(
  host: CatalogHost,
  backend: string,
  method: string,
  params: unknown,
  options: BackendRequestOptions,
): Promise<R>;
export async function requestBackend(
  host: CatalogHost,
  backend: string,
  method: string,
  params: unknown,
  options: BackendRequestOptions & { raw?: boolean },
): Promise<unknown> {
  const timeoutMs = options.timeoutMs ?? backendTimeout(host, backend);
  try {
    return await host.pool.request(backend, method, params, {
      signal: options.signal,
      timeoutMs,
      raw: options.raw,
    });
  } catch (error) {
    throw toClientError(host, backend, error, { timeoutMs, action: options.action });
  }
}

/** Codes a backend may not pass on: local codes of vscode-jsonrpc and LSP's RequestCancelled (PROTOCOL §14). */
function isLocalCode(code: number): boolean {
  return (code >= -32099 && code <= -32096) || code === -32800;
}

/** The one mapping of a failed backend request to the client's error (see {@link requestBackend}). */
export function toClientError(
  host: CatalogHost,
  backend: string,
  error: unknown,
  facts: { timeoutMs: number; action: string },
): ProtocolError {
  if (error instanceof ProtocolError) return error;
  if (
    error instanceof BackendError &&
    error.code === BackendErrorCode.Remote &&
    error.cause instanceof ProtocolError &&
    !isLocalCode(error.cause.code)
  ) {
    const cause = error.cause;
    return new ProtocolError(cause.code, host.redactor.redact(cause.message), cause.data, { cause: error });
  }
  const text = describeFailure(error, {
    backend,
    timeoutMs: facts.timeoutMs,
    action: facts.action,
    redactor: host.redactor,
  });
  return new ProtocolError(ErrorCode.InternalError, text, undefined, { cause: error });
}

/** True for the backend's -32601 answer: it does not implement the method. */
export function isMethodNotFound(error: unknown): boolean {
  return error instanceof ProtocolError && error.code === ErrorCode.MethodNotFound;
}

/** The backend's request deadline (ms). */
export function backendTimeout(host: CatalogHost, backend: string): number {
  const resolved = host.backends.get(backend);
  if (resolved === undefined) throw new TypeError(`no backend "${backend}" is configured`);
  return timeoutOf(resolved);
}

/** What the backend declared in its last handshake; undefined while that is not known (never started). */
export function capabilitiesOf(host: CatalogHost, backend: string): ServerCapabilities | undefined {
  try {
    return host.pool.info(backend).capabilities;
  } catch {
    return undefined;
  }
}

/**
 * The backends that can run, in config order, leaving out those known to lack `capability` (known once a backend
 * started; one never started is asked and may answer -32601).
 */
export function backendsOffering(host: CatalogHost, capability: "resources" | "prompts"): string[] {
  const names: string[] = [];
  for (const backend of host.backends.values()) {
    if (unavailableReason(host, backend) !== undefined) continue;
    const capabilities = capabilitiesOf(host, backend.name);
    if (capabilities !== undefined && capabilities[capability] === undefined) continue;
    names.push(backend.name);
  }
  return names;
}
