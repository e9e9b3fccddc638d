/**
 * JSON-RPC and MCP error codes that travel on the wire. One table: every numeric code the project
 * sends or recognises is named here.
 */
export const ErrorCode = {
  /** Invalid JSON was received. Answered without an `id`. */
  ParseError: -32700,
  /** Valid JSON that is not a JSON-RPC request/notification/response object (batch array, number, …). */
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
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
