/**
 * JSON-RPC and MCP error codes that travel on the wire. One table: every numeric code the project
 * sends or recognises is named here.
 */
export const ErrorCode = {
  /** Invalid JSON was received. Answered without an `id`. */
  ParseError: -32700,
  /** Valid JSON that is not a JSON-RPC request/notification/response object (batch array, number, …). */
  InvalidRequest: -32600,
  /** No handler for the method (also: a capability the peer lacks; the pre-init `server/discover` answer). */
  MethodNotFound: -32601,
  /** Bad params: unknown tool or prompt, bad cursor, unsupported protocol version. */
  InvalidParams: -32602,
  /** A handler failed; also what every vscode-jsonrpc-private code is mapped to. */
  InternalError: -32603,
  /** MCP (legacy versions): resource not found. */
  ResourceNotFound: -32002,
  /** MCP 2025-11-25: URL elicitation required. */
  UrlElicitationRequired: -32042,
  /** Local to a connection (as in the TypeScript SDK): the connection closed before a reply. */
  ConnectionClosed: -32000,
  /** Local to a connection (as in the TypeScript SDK): the request timed out or was cancelled. */
  RequestTimeout: -32001,
} as const;

export type ErrorCodeName = keyof typeof ErrorCode;

/** The wire shape of a JSON-RPC error object. */
export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/**
 * An error that travels on the wire: a numeric JSON-RPC code, a message and optional `data`.
 * Handlers throw it to choose the code of their error response; requests reject with it when the
 * peer answers with an error.
 */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
  readonly code: number;
  readonly data: unknown;

  constructor(code: number, message: string, data?: unknown, options?: { cause?: unknown }) {
    super(message, options);
    if (!Number.isInteger(code))
      throw new TypeError(`ProtocolError code must be an integer, got ${String(code)}`);
    this.code = code;
    this.data = data;
  }

  /** The JSON-RPC error object for this error (`data` omitted when undefined). */
  toJSON(): JsonRpcErrorObject {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

/** Why an outgoing request was settled locally with {@link ErrorCode.RequestTimeout}: its `data`. */
export type RequestTimeoutData =
  | {
      /** The request's deadline expired. */
      reason: "timeout";
      method: string;
      /** The deadline that expired, in ms. */
      timeoutMs: number;
    }
  | {
      /** The caller's `AbortSignal` fired (its `reason` is the error's `cause`). */
      reason: "aborted";
      method: string;
    };

/**
 * `data` of the -32603 an outgoing request rejects with when its reply was a line over `maxMessageBytes`
 * (discarded by the framing; the id was read from the line's start or end).
 */
export interface ReplyTooLargeData {
  reason: "tooLarge";
  /** The discarded line's size in bytes. */
  byteLength: number;
}

/**
 * `signal.reason` of an incoming request the peer cancelled with `notifications/cancelled`: a
 * {@link ProtocolError} with code {@link ErrorCode.RequestTimeout} and this `data`.
 */
export interface PeerCancelledData {
  reason: "cancelled";
  method: string;
  /** The `reason` string the peer gave, when it gave one. */
  peerReason?: string;
}

/**
 * True for codes that vscode-jsonrpc (and LSP) use locally and that must never reach an MCP peer or a caller:
 * -32096…-32099 (MessageWriteError, MessageReadError, PendingResponseRejected, ConnectionInactive) and -32800
 * (LSP RequestCancelled).
 */
export function isPrivateErrorCode(code: number): boolean {
  return (code >= -32099 && code <= -32096) || code === -32800;
}

/**
 * The code to put on the wire (or hand to a caller) for `code`: private vscode-jsonrpc codes and anything that
 * is not an integer become {@link ErrorCode.InternalError}; every other code is kept.
 */
export function toPublicErrorCode(code: unknown): number {
  if (typeof code !== "number" || !Number.isInteger(code) || isPrivateErrorCode(code)) {
    return ErrorCode.InternalError;
  }
  return code;
}

/**
 * What a failure becomes on the wire: a {@link ProtocolError} keeps its message and `data` (its code passed
 * through {@link toPublicErrorCode}); anything else becomes {@link ErrorCode.InternalError} with the error's
 * message. The original is the result's `cause`.
 */
export function toProtocolError(error: unknown): ProtocolError {
  if (error instanceof ProtocolError) {
    const code = toPublicErrorCode(error.code);
    return code === error.code ? error : new ProtocolError(code, error.message, error.data, { cause: error });
  }
  const message = error instanceof Error && error.message !== "" ? error.message : "Internal error";
  return new ProtocolError(ErrorCode.InternalError, message, undefined, { cause: error });
}
