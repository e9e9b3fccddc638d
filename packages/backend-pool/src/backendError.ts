/** String codes of local backend errors. They never travel on the wire as such. */
export const BackendErrorCode = {
  /** The command could not be spawned (ENOENT, EACCES, …). */
  Spawn: "ERR_BACKEND_SPAWN",
  /** Start (spawn + initialize) exceeded the start timeout. */
  StartTimeout: "ERR_BACKEND_START_TIMEOUT",
  /** The initialize handshake failed (error reply, unusable result, unsupported version). */
  Initialize: "ERR_BACKEND_INITIALIZE",
  /** A request exceeded its deadline. */
  Timeout: "ERR_BACKEND_TIMEOUT",
  /** The request was aborted by the caller's signal. */
  Aborted: "ERR_BACKEND_ABORTED",
  /** The backend process exited or its pipes broke while the request was pending. */
  Exited: "ERR_BACKEND_EXITED",
  /** Too many crashes in the window: failing fast until the circuit cools down. */
  CircuitOpen: "ERR_BACKEND_CIRCUIT_OPEN",
  /**
   * The backend failed to start too often (the restart budget) and is not started again until it is replaced;
   * `cause` is the last start's error.
   */
  Failed: "ERR_BACKEND_FAILED",
  /** The backend answered with a JSON-RPC error; `cause` is the ProtocolError. */
  Remote: "ERR_BACKEND_REMOTE",
  /** A message from the backend exceeded the size cap. */
  MessageTooLarge: "ERR_BACKEND_MESSAGE_TOO_LARGE",
  /** The backend already has `maxInFlight` requests in flight: answered at once, nothing was sent. */
  Busy: "ERR_BACKEND_BUSY",
  /**
   * The request could not be sent: its params cannot be serialized or nest too deep (`cause` says which).
   * Nothing reached the backend, which is untouched.
   */
  BadRequest: "ERR_BACKEND_BAD_REQUEST",
  /**
   * A modern backend's `input_required` result could not be fulfilled: the request handler failed on one of its
   * input requests (`cause` is its error), an input request was malformed, or the result still asked for input
   * after `MAX_INPUT_REQUIRED_ROUNDS` rounds.
   */
  InputFailed: "ERR_BACKEND_INPUT_FAILED",
  /** No backend of that name. */
  Unknown: "ERR_BACKEND_UNKNOWN",
  /** A backend of that name already exists. */
  Exists: "ERR_BACKEND_EXISTS",
  /** The backend was removed or replaced while the request was pending. */
  Removed: "ERR_BACKEND_REMOVED",
  /** The pool was closed or destroyed. */
  PoolClosed: "ERR_POOL_CLOSED",
} as const;

export type BackendErrorCode = (typeof BackendErrorCode)[keyof typeof BackendErrorCode];

export interface BackendErrorFields {
  backend?: string;
  method?: string;
  requestId?: string | number;
  elapsedMs?: number;
  exitCode?: number | null;
  signal?: NodeJS.Signals | null;
  /** Last lines of the backend's stderr (bounded). */
  stderrTail?: readonly string[];
  cause?: unknown;
}

/** A local error about a backend: a string code plus the facts a caller needs to explain it. */
export class BackendError extends Error {
  override readonly name = "BackendError";
  readonly code: BackendErrorCode;
  readonly backend: string | undefined;
  readonly method: string | undefined;
  readonly requestId: string | number | undefined;
  readonly elapsedMs: number | undefined;
  readonly exitCode: number | null | undefined;
  readonly signal: NodeJS.Signals | null | undefined;
  readonly stderrTail: readonly string[];

  constructor(code: BackendErrorCode, message: string, fields: BackendErrorFields = {}) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.code = code;
    this.backend = fields.backend;
    this.method = fields.method;
    this.requestId = fields.requestId;
    this.elapsedMs = fields.elapsedMs;
    this.exitCode = fields.exitCode;
    this.signal = fields.signal;
    this.stderrTail = fields.stderrTail ?? [];
  }
}

export function isBackendError(value: unknown, code?: BackendErrorCode): value is BackendError {
  return value instanceof BackendError && (code === undefined || value.code === code);
}
