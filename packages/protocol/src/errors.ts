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
  /** A handler failed (threw something that is not a ProtocolError), or its result could not be serialized. */
  InternalError: -32603,
  /** MCP (legacy versions): resource not found. */
  ResourceNotFound: -32002,
  /** MCP 2025-11-25: URL elicitation required. */
  UrlElicitationRequired: -32042,
  /** MCP 2026-07-28: the request needs a capability its `_meta` client capabilities lack (`data.requiredCapabilities`). */
  MissingRequiredClientCapability: -32021,
  /** MCP 2026-07-28: the request's protocol version is not spoken here (`data: {supported, requested}`). */
  UnsupportedProtocolVersion: -32022,
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
 * peer answers with an error, and only then: local failures are a `RequestError`.
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

/**
 * What a failure becomes on the wire: a {@link ProtocolError} as it is; anything else becomes
 * {@link ErrorCode.InternalError} with the error's message, the original as `cause`.
 */
export function toProtocolError(error: unknown): ProtocolError {
  if (error instanceof ProtocolError) return error;
  const message = error instanceof Error && error.message !== "" ? error.message : "Internal error";
  return new ProtocolError(ErrorCode.InternalError, message, undefined, { cause: error });
}
