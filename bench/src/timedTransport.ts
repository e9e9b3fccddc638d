import { performance } from "node:perf_hooks";
import type { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { Transport, TransportSendOptions } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage, MessageExtraInfo } from "@modelcontextprotocol/sdk/types.js";

/**
 * A transport that delegates to a {@link StdioClientTransport} and records, with `performance.now()`, when
 * `start()` was called (the spawn) and when the first response arrived (the `initialize` reply, since the
 * client sends nothing else before it).
 */
export class TimedTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;

  /** `performance.now()` when `start()` was called; NaN before. */
  startCalledAt = Number.NaN;
  /** `performance.now()` when the first response (with `result` or `error`) arrived; NaN before. */
  firstResponseAt = Number.NaN;

  constructor(private readonly inner: StdioClientTransport) {}

  /** The child's pid once started. */
  get pid(): number | null {
    return this.inner.pid;
  }

  async start(): Promise<void> {
    this.inner.onclose = () => this.onclose?.();
    this.inner.onerror = (error) => this.onerror?.(error);
    this.inner.onmessage = (message: JSONRPCMessage) => {
      if (Number.isNaN(this.firstResponseAt) && ("result" in message || "error" in message)) {
        this.firstResponseAt = performance.now();
      }
      this.onmessage?.(message);
    };
    this.startCalledAt = performance.now();
    await this.inner.start();
  }

  send(message: JSONRPCMessage, _options?: TransportSendOptions): Promise<void> {
    return this.inner.send(message);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
