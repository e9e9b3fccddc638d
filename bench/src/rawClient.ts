import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { once } from "node:events";
import { setTimeout as delay } from "node:timers/promises";
import { getDefaultEnvironment } from "@modelcontextprotocol/sdk/client/stdio.js";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { LineSplitter } from "./lineSplitter.js";
import { killLeftovers, killQuietly, listDescendantPids } from "./procfs.js";

const STDERR_TAIL_BYTES = 8 * 1024;
/** How long the process may take to exit after its stdin ended, then after SIGTERM. */
const EXIT_GRACE_MS = 5_000;
const TERM_GRACE_MS = 2_000;

/** A JSON-RPC response as read from the wire (only the fields the bench looks at). */
export interface RawResponse {
  readonly id?: unknown;
  readonly result?: unknown;
  readonly error?: { readonly code?: unknown; readonly message?: unknown };
}

/**
 * A newline-delimited JSON-RPC client over a child's stdio, without the SDK, so that it can stop reading the
 * child's stdout (`pauseReading`) while its requests are answered. Every message with an id that a
 * {@link request} waits for resolves it; every other response goes to `onResponse`.
 */
export class RawClient {
  /** Called for each response no {@link request} is waiting for. */
  onResponse: (response: RawResponse, line: string) => void = () => undefined;
  private readonly waiters = new Map<unknown, (response: RawResponse) => void>();
  private readonly splitter = new LineSplitter();
  private stderrTail = "";
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      for (const line of this.splitter.push(chunk)) this.handleLine(line);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString("utf8")).slice(-STDERR_TAIL_BYTES);
    });
    // A write after the child is gone fails with EPIPE; the exit is what the caller sees.
    child.stdin.on("error", () => undefined);
    this.exited = once(child, "exit").then(() => undefined);
  }

  /** Spawns `node <args>` with stdio pipes and the SDK's minimal environment. */
  static spawn(args: readonly string[]): RawClient {
    const child = spawn(process.execPath, args, {
      stdio: ["pipe", "pipe", "pipe"],
      env: getDefaultEnvironment(),
    });
    return new RawClient(child);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Whether the child has exited. */
  get hasExited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** The last lines the child wrote to stderr. */
  tail(): string {
    return this.stderrTail.trim().split("\n").slice(-10).join("\n");
  }

  /** Sends `initialize` and `notifications/initialized`; throws when the reply is not a result. */
  async initialize(timeoutMs: number): Promise<void> {
    const reply = await this.request(
      0,
      "initialize",
      {
        protocolVersion: LATEST_PROTOCOL_VERSION,
        capabilities: {},
        clientInfo: { name: "mcpware-bench-raw", version: "0.0.0" },
      },
      timeoutMs,
    );
    if (reply.result === undefined) throw new Error(`initialize failed: ${JSON.stringify(reply.error)}`);
    await this.write(`${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}\n`);
  }

  /** Sends one request and waits for its response (rejects on timeout or when the child exits first). */
  async request(id: number, method: string, params: unknown, timeoutMs: number): Promise<RawResponse> {
    const answered = new Promise<RawResponse>((resolve) => this.waiters.set(id, resolve));
    await this.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
    const timer = delay(timeoutMs, "timeout" as const, { ref: false });
    const outcome = await Promise.race([answered, timer, this.exited.then(() => "exited" as const)]);
    this.waiters.delete(id);
    if (outcome === "timeout") throw new Error(`${method} (id ${id}): no reply within ${timeoutMs} ms`);
    if (outcome === "exited") throw new Error(`${method} (id ${id}): the process exited`);
    return outcome;
  }

  /**
   * Writes `text` and resolves once it has been handed to the pipe (the write's callback), after waiting for
   * `drain` when the stream's buffer is full, so a caller writing in a loop holds at most one buffer's worth.
   */
  async write(text: string): Promise<void> {
    const written = new Promise<void>((resolve) => this.child.stdin.write(text, () => resolve()));
    if (this.child.stdin.writableNeedDrain) {
      await Promise.race([once(this.child.stdin, "drain"), this.exited]);
    }
    await Promise.race([written, this.exited]);
  }

  /** Stops reading the child's stdout: once the stream's buffer is full the pipe fills and the child's writes wait. */
  pauseReading(): void {
    this.child.stdout.pause();
  }

  resumeReading(): void {
    this.child.stdout.resume();
  }

  /**
   * Ends the child's stdin and waits for it to exit (SIGTERM after {@link EXIT_GRACE_MS}, SIGKILL after
   * {@link TERM_GRACE_MS} more), then for its descendants; returns the pids of descendants it left running
   * (killed here).
   */
  async close(leftoverGraceMs: number): Promise<number[]> {
    const descendants = listDescendantPids(this.pid);
    this.child.stdout.resume();
    this.child.stdin.end();
    if (!(await this.exitsWithin(EXIT_GRACE_MS))) {
      killQuietly(this.pid, "SIGTERM");
      if (!(await this.exitsWithin(TERM_GRACE_MS))) {
        killQuietly(this.pid, "SIGKILL");
        await this.exited;
      }
    }
    return killLeftovers(descendants, leftoverGraceMs);
  }

  private async exitsWithin(ms: number): Promise<boolean> {
    if (this.hasExited) return true;
    const outcome = await Promise.race([this.exited.then(() => true), delay(ms, false, { ref: false })]);
    return outcome;
  }

  private handleLine(line: string): void {
    if (line.trim() === "") return;
    let message: RawResponse & { readonly method?: unknown };
    try {
      message = JSON.parse(line) as RawResponse & { readonly method?: unknown };
    } catch {
      return;
    }
    if (message.method !== undefined || message.id === undefined) return; // requests and notifications
    const waiter = this.waiters.get(message.id);
    if (waiter !== undefined) waiter(message);
    else this.onResponse(message, line);
  }
}
