import type {
  CancelSignal,
  ClientCapabilities,
  Implementation,
  LoggingLevel,
  ProgressNotificationParams,
} from "@mcpware/protocol";
import type { BackendError } from "./backendError.js";
import type { BackendProcess } from "./backendProcess.js";
import type { ResolvedBackendSpec } from "./normalizeSpec.js";
import type { StderrRing } from "./stderrRing.js";
import type { BackendDiagnosticEvent, InputRequiredMode } from "./types.js";

/** What a process reports to the backend that owns it. */
export interface BackendProcessHost {
  spec: ResolvedBackendSpec;
  env: Record<string, string>;
  instanceId: string;
  clientInfo: Implementation;
  readonly clientCapabilities: ClientCapabilities;
  /**
   * Sent (`logging/setLevel`) right after the handshake to a legacy backend that declares `logging`; put in the
   * `_meta` envelope of a modern one's requests.
   */
  readonly loggingLevel: LoggingLevel | undefined;
  stderr: StderrRing;
  onStderrLine(line: string): void;
  onNotification(method: string, params: unknown): void;
  onRequest(method: string, params: unknown, signal: AbortSignal): Promise<unknown>;
  onDiagnostic(event: Omit<BackendDiagnosticEvent, "backend">): void;
  /** True while the pool's owner wants backend output held back (see `BackendPool.pauseReading`). */
  isReadingPaused(): boolean;
  /** Fired once when the process is dead or unusable; `expected` when `stop()` caused it. */
  onDeath(process: BackendProcess, error: BackendError, expected: boolean): void;
}

export interface ProcessRequestOptions {
  /** Aborting it fails the request at once (ERR_BACKEND_ABORTED; the backend is sent `notifications/cancelled`). */
  signal: CancelSignal | undefined;
  /**
   * The deadline (ms): ERR_BACKEND_TIMEOUT when it passes (the backend is sent `notifications/cancelled`). It is
   * suspended while a request of the backend's, sent during this one, waits for its answer.
   */
  timeoutMs: number;
  /** The longest the request may take in all, suspended time included (ms). */
  maxTotalMs?: number | undefined;
  /** When the caller's deadline started (`performance.now()`): errors report the time elapsed since. */
  startedAt: number;
  /** Resolve with a `RawJson` of the result (see `RequestOptions.raw` of @mcpware/protocol). */
  raw?: boolean | undefined;
  onProgress?: ((progress: ProgressNotificationParams) => void) | undefined;
  /** What to do with a modern backend's `input_required` result (default `fulfil`; see `PoolRequestOptions`). */
  inputRequired?: InputRequiredMode | undefined;
}
