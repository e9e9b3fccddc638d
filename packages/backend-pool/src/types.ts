import type {
  CancelSignal,
  ClientCapabilities,
  Disposable,
  Implementation,
  ProgressNotificationParams,
  ServerCapabilities,
} from "@mcpware/protocol";
import type { BackendError } from "./backendError.js";

/** Restart, backoff and circuit-breaker settings of one backend. */
export interface RestartPolicy {
  /** First backoff after a crash (ms). Default 1 000; doubles up to `maxBackoffMs`, ±20 % jitter. */
  initialBackoffMs?: number;
  /** Largest backoff (ms). Default 30 000. */
  maxBackoffMs?: number;
  /** Crashes within `windowMs` that open the circuit. Default 5. */
  maxCrashes?: number;
  /** The crash-counting window (ms). Default 300 000. */
  windowMs?: number;
  /** How long an open circuit fails fast before one probe start is allowed (ms). Default 30 000. */
  cooldownMs?: number;
  /** Consecutive request timeouts after which the backend is recycled (stopped, restarted on demand). Default 3. */
  maxConsecutiveTimeouts?: number;
  /**
   * The restart budget: failed starts within `failedStartWindowMs` after which the backend is `failed` and never
   * started again (until it is replaced). Default 5.
   */
  maxFailedStarts?: number;
  /** The window of `maxFailedStarts` (ms). Default 300 000. */
  failedStartWindowMs?: number;
}

/** How to run one MCP server. Validated by the pool; a bad field throws a TypeError naming it. */
export interface BackendSpec {
  /** Unique (case-insensitively) name. */
  name: string;
  /** Program to run (argv[0]); never run through a shell. */
  command: string;
  args?: readonly string[];
  /** Variables added to the child's environment. */
  env?: Readonly<Record<string, string>>;
  cwd?: string;
  description?: string;
  /**
   * Request deadline (ms). Default 55 000. It does not run while the backend waits for the client to answer a
   * request of its own (sampling, elicitation, roots) sent during the call.
   */
  timeoutMs?: number;
  /**
   * The longest one request may take in all (ms), that waiting included. Default 600 000 (or `timeoutMs` when
   * that is longer); never less than `timeoutMs`.
   */
  maxCallDurationMs?: number;
  /** Spawn + initialize deadline (ms). Default 30 000 (120 000 for `docker run`). */
  startTimeoutMs?: number;
  /** Stop the backend after this long without requests (ms). Default: never. */
  idleTimeoutMs?: number;
  restart?: RestartPolicy;
  /** Pass the whole environment instead of the allowlist. Default false. */
  inheritEnv?: boolean;
  /** Requests in flight (waiting for the start included) past which new ones fail at once with ERR_BACKEND_BUSY. Default 256. */
  maxInFlight?: number;
  /** Cap on one message from the backend (bytes). Default 64 MiB. */
  maxMessageBytes?: number;
  /** For `docker run` commands: add name/label/--init and remove the container on stop. Default true. */
  manageDocker?: boolean;
  /** For managed `docker run` commands: resource limits, pull policy, and whether host powers are allowed. */
  docker?: DockerOptions;
}

/** Settings of a managed `docker run` backend. */
export interface DockerOptions {
  /** `--cpus` unless the args set it. Default `"1"`. */
  cpus?: string | number;
  /** `--memory` unless the args set it, e.g. `"512m"`. Default `"2g"`. */
  memory?: string;
  /** `--pull` unless the args set it. Default `"never"`: only images already present run. */
  pull?: "never" | "missing" | "always";
  /**
   * Allow `--privileged`, host namespaces (`--pid=host`, `--network=host`, …), `--cap-add=ALL` and a mount of
   * the Docker socket, which are refused otherwise (they give the container power over the host). Default false.
   */
  allowPrivileged?: boolean;
}

/**
 * The MCP era a backend speaks: `modern` (2026-07-28: `server/discover`, a `_meta` envelope on every request, no
 * handshake and no server→client requests) or `legacy` (the `initialize` handshake, 2025-11-25 and before).
 */
export type BackendEra = "modern" | "legacy";

/**
 * What the pool does with an `input_required` result of a modern backend (on `tools/call`, `prompts/get`,
 * `resources/read`): `fulfil` answers its input requests through the pool's request handler and retries until the
 * result is complete; `return` hands it back as it is.
 */
export type InputRequiredMode = "fulfil" | "return";

export type BackendState =
  "idle" | "starting" | "ready" | "stopping" | "crashed" | "circuit-open" | "failed" | "removed";

/** A snapshot of one backend. */
export interface BackendInfo {
  name: string;
  description: string | undefined;
  state: BackendState;
  pid: number | undefined;
  /** For a modern backend "2026-07-28"; otherwise the version its `initialize` result named. */
  protocolVersion: string | undefined;
  /**
   * The era its last handshake found (kept while it is stopped); undefined until the first handshake is done. A
   * modern backend's `protocolVersion`, `serverInfo`, `capabilities` and `instructions` come from its
   * `server/discover` result.
   */
  era: BackendEra | undefined;
  serverInfo: Implementation | undefined;
  capabilities: ServerCapabilities | undefined;
  instructions: string | undefined;
  /** Start attempts after the first one (failed attempts included). */
  restarts: number;
  lastError: BackendError | undefined;
  stderrTail: readonly string[];
  /** Requests in flight (including those waiting for the start). */
  inFlight: number;
  /** Lines on the backend's stdout that were not JSON-RPC messages (skipped), over all its processes. */
  noiseLines: number;
  /** While the circuit is open: when the next (probe) start is allowed (ms since the epoch). */
  circuitOpenUntil: number | undefined;
}

export interface PoolRequestOptions {
  /** An `AbortSignal`, or an incoming request's `cancellation` when relaying. */
  signal?: CancelSignal | undefined;
  /** Overrides the backend's `timeoutMs` for this request (the wait for a start included). */
  timeoutMs?: number | undefined;
  /**
   * Resolve with a `RawJson` (@mcpware/protocol) of the result: a success reply in the usual shape is handed over
   * as the backend wrote it, never parsed, so a relay can forward it untouched.
   */
  raw?: boolean | undefined;
  /**
   * Receives the backend's `notifications/progress` for this request until it settles (later ones are
   * dropped). If `params._meta.progressToken` is set it is sent unchanged; otherwise the pool mints one. A
   * token set without `onProgress` has its progress delivered to `onNotification` listeners instead.
   */
  onProgress?: (progress: ProgressNotificationParams) => void;
  /**
   * For a modern backend's `input_required` result (`tools/call`, `prompts/get`, `resources/read`). Default
   * `"fulfil"`: each of its `inputRequests` (elicitation/create, sampling/createMessage, roots/list) goes to the
   * pool's request handler (see `setRequestHandler`) as a backend request would, those of a round in parallel,
   * then the request is sent again with the original params plus `inputResponses` and the `requestState`, until
   * the result is complete (at most `MAX_INPUT_REQUIRED_ROUNDS` rounds, then ERR_BACKEND_INPUT_FAILED; a handler
   * that fails fails the request with ERR_BACKEND_INPUT_FAILED naming the input request, its error as `cause`).
   * Time spent waiting for the handler does not count against `timeoutMs` (it does against `maxCallDurationMs`).
   * `"return"`: the result is handed back as it is (a `RawJson` with `raw`), for a caller serving a modern client
   * that fulfils it itself. Legacy backends never return such results.
   */
  inputRequired?: InputRequiredMode | undefined;
}

export interface StateChangeEvent {
  backend: string;
  state: BackendState;
  previous: BackendState;
  error?: BackendError;
}

/** A backend process was spawned (before its handshake). */
export interface SpawnEvent {
  backend: string;
  pid: number;
  /** For a managed `docker run`: the container's name. */
  containerName: string | undefined;
}

export interface BackendNotificationEvent {
  backend: string;
  method: string;
  params: unknown;
}

export interface BackendRequestEvent {
  backend: string;
  method: string;
  params: unknown;
  /**
   * Aborted when the backend cancels the request or exits; when every request in flight on it at the time (the
   * calls it may have been sent for) ended without a reply (cancelled, timed out); or after the backend's
   * `maxCallDurationMs`.
   */
  signal: AbortSignal;
}

/**
 * Answers a backend-to-client request (sampling, elicitation, roots/list; `ping` is answered by the pool). Throw
 * a ProtocolError to fail it. While it is unanswered, the deadlines of the requests that were in flight on that
 * backend when it arrived are suspended (their `maxCallDurationMs` still runs).
 */
export type BackendRequestHandler = (event: BackendRequestEvent) => Promise<unknown>;

export interface StderrLine {
  backend: string;
  line: string;
}

/** Something worth a log line that is not an error of a request: the pool itself never logs. */
export interface BackendDiagnosticEvent {
  backend: string;
  /**
   * `stdout-noise`: a non-JSON-RPC line on stdout was skipped (`count` = lines so far);
   * `message-too-large`: a line over `maxMessageBytes` (the backend is stopped);
   * `stream-error`: any other error reading or writing the backend's pipes;
   * `listener-error`: a listener or the request handler threw;
   * `cleanup-error`: stopping the process or removing its container failed;
   * `request-error`: a request the pool sends on its own (`logging/setLevel`, `subscriptions/listen`) failed;
   * `cache-error`: the era cache file could not be read (damaged: ignored) or written (the verdicts stay in memory).
   */
  kind:
    | "stdout-noise"
    | "message-too-large"
    | "stream-error"
    | "listener-error"
    | "cleanup-error"
    | "request-error"
    | "cache-error";
  message: string;
  count?: number;
  error?: Error;
}

export interface BackendPoolOptions {
  /** Sent in each backend's initialize. Default `{ name: "mcpware", version }`. */
  clientInfo?: Implementation;
  /**
   * Client capabilities declared to backends: only what the caller can honour. Default `{}`. See
   * `setClientCapabilities` to change them for later starts.
   */
  clientCapabilities?: ClientCapabilities;
  /** Receives every stderr line of every backend. */
  onStderr?: (line: StderrLine) => void;
  /** Identifies this pool's Docker containers (label value). Default: random. */
  instanceId?: string;
  /**
   * A folder where the pool records the process group of every process it starts (one small file per pool,
   * removed once they are all stopped), so that after this process is killed a later one can stop them with
   * `sweepOrphanProcessGroups(folder)`. Linux only (needs `/proc`); default: nothing is recorded.
   */
  processGroupsDir?: string;
  /** Receives diagnostics (stdout noise, listener errors, …). Same as `pool.onDiagnostic(listener)`. */
  onDiagnostic?: (event: BackendDiagnosticEvent) => void;
  /**
   * Where the era verdicts of backend commands are kept across runs (a small JSON file keyed by a hash of command,
   * args and docker image), so a backend's era is probed once, not at every start: a known-legacy backend gets
   * `initialize` at once, a known-modern one `server/discover`. Default `defaultEraCacheFile()`
   * (`<cache dir>/mcpware/eras.json`); `false`: verdicts are kept in memory only, for this pool's lifetime. A
   * damaged or unwritable file never stops a backend (a `cache-error` diagnostic).
   */
  eraCacheFile?: string | false;
}

export type { Disposable };
