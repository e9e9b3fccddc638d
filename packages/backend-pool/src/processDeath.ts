import type { ChildProcess } from "node:child_process";
import { BackendError, BackendErrorCode } from "./backendError.js";
import { EXIT_SETTLE_MS } from "./defaults.js";
import type { StderrRing } from "./stderrRing.js";
import { settleExit } from "./stopChild.js";
import type { ExitInfo } from "./stopChild.js";

function describeExit(exit: ExitInfo | undefined): string {
  if (exit === undefined) return "closed its pipes";
  return exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${String(exit.exitCode)}`;
}

/**
 * The death of one backend process. The first sign of breakage (`onBroken`) makes it broken at once; its death
 * error follows once the exit has settled, unless `die()` set one first (a stop, an over-cap message). The first
 * death error wins; `promise` resolves with it and never rejects.
 */
export class ProcessDeath {
  /** Resolves with the error that ended the process (never rejects). */
  readonly promise: Promise<BackendError>;
  readonly #child: ChildProcess;
  readonly #backend: string;
  readonly #stderr: StderrRing;
  readonly #onDie: (error: BackendError) => void;
  #resolve!: (error: BackendError) => void;
  #broken = false;
  #error: BackendError | undefined;

  /**
   * @param backend the backend's name, for the errors.
   * @param stderr the backend's stderr ring: its tail goes into the exit error.
   * @param onDie runs once, after `promise` resolved, with the death error.
   */
  constructor(
    child: ChildProcess,
    backend: string,
    stderr: StderrRing,
    onDie: (error: BackendError) => void,
  ) {
    this.#child = child;
    this.#backend = backend;
    this.#stderr = stderr;
    this.#onDie = onDie;
    this.promise = new Promise((resolve) => (this.#resolve = resolve));
  }

  /** True from the first sign of breakage on (and after `die()`). */
  get isBroken(): boolean {
    return this.#broken;
  }

  /**
   * A sign that the process broke (child 'exit', stdout 'end'/'error', stdin 'error', a failed write). Dies with
   * ERR_BACKEND_EXITED (exit code, signal, stderr tail, `cause`) once the exit has settled. Idempotent.
   */
  onBroken(cause?: Error): void {
    if (this.#broken) return;
    this.#broken = true;
    // The first sign is enough to stop sending; pending requests fail once both the exit status and the end of
    // stdout are in (a reply written just before exiting is still delivered), or after a short bound: a
    // grandchild holding stdout delays its end indefinitely, and an exit code is not always coming.
    void settleExit(this.#child, EXIT_SETTLE_MS).then((exit) => this.die(this.#exitError(exit, cause)));
  }

  /** The process is dead with `error`, unless it already died: resolves `promise`, then runs `onDie`. */
  die(error: BackendError): void {
    if (this.#error !== undefined) return;
    this.#error = error;
    this.#broken = true;
    // Resolved first: the requests the connection rejects in `onDie` map their failure to this death.
    this.#resolve(error);
    this.#onDie(error);
  }

  /** The death error specialised for one request (method, elapsed time). */
  errorFor(death: BackendError, method: string, startedAt: number | undefined): BackendError {
    return new BackendError(death.code, death.message, {
      backend: death.backend ?? this.#backend,
      method,
      elapsedMs: startedAt === undefined ? undefined : Math.round(performance.now() - startedAt),
      exitCode: death.exitCode,
      signal: death.signal,
      stderrTail: death.stderrTail,
      cause: death.cause ?? (death.code === BackendErrorCode.Exited ? undefined : death),
    });
  }

  /** Rejects, once the process is dead, with the death error specialised for the request. */
  failRequest(method: string, startedAt: number): Promise<never> {
    return this.promise.then((death) => Promise.reject(this.errorFor(death, method, startedAt)));
  }

  #exitError(exit: ExitInfo | undefined, cause: Error | undefined): BackendError {
    const name = this.#backend;
    const tail = this.#stderr.tail();
    return new BackendError(
      BackendErrorCode.Exited,
      `backend "${name}" ${describeExit(exit)}${tail.length > 0 ? `; last stderr lines:\n${tail.join("\n")}` : ""}`,
      { backend: name, exitCode: exit?.exitCode, signal: exit?.signal, stderrTail: tail, cause },
    );
  }
}
