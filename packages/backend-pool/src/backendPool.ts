import type {
  BackendInfo,
  BackendNotificationEvent,
  BackendPoolOptions,
  BackendRequestHandler,
  BackendSpec,
  Disposable,
  PoolRequestOptions,
  StateChangeEvent,
} from "./types.js";

/**
 * Owns the processes of many MCP servers, keyed by name (skeleton: implementation pending).
 */
export class BackendPool implements AsyncDisposable {
  constructor(options: BackendPoolOptions = {}) {
    void options;
  }

  /** Add a backend (not started until its first request). */
  add(spec: BackendSpec): void {
    void spec;
    throw new Error("not implemented");
  }
  /** Stop and forget a backend; its pending requests reject with ERR_BACKEND_REMOVED. */
  async remove(name: string): Promise<void> {
    void name;
    throw new Error("not implemented");
  }
  /** Swap a backend's spec: the old process is stopped, the new one starts on demand. */
  async replace(spec: BackendSpec): Promise<void> {
    void spec;
    throw new Error("not implemented");
  }
  has(name: string): boolean {
    void name;
    throw new Error("not implemented");
  }
  names(): string[] {
    throw new Error("not implemented");
  }
  info(name: string): BackendInfo {
    void name;
    throw new Error("not implemented");
  }
  infos(): BackendInfo[] {
    throw new Error("not implemented");
  }
  /** Start the backend if needed and resolve when it is ready. */
  async start(name: string, options: { signal?: AbortSignal } = {}): Promise<BackendInfo> {
    void name;
    void options;
    throw new Error("not implemented");
  }
  async request<R = unknown>(
    name: string,
    method: string,
    params?: unknown,
    options: PoolRequestOptions = {},
  ): Promise<R> {
    void name;
    void method;
    void params;
    void options;
    throw new Error("not implemented");
  }
  async notify(name: string, method: string, params?: unknown): Promise<void> {
    void name;
    void method;
    void params;
    throw new Error("not implemented");
  }
  onStateChange(listener: (event: StateChangeEvent) => void): Disposable {
    void listener;
    throw new Error("not implemented");
  }
  onNotification(listener: (event: BackendNotificationEvent) => void): Disposable {
    void listener;
    throw new Error("not implemented");
  }
  setRequestHandler(handler: BackendRequestHandler | undefined): void {
    void handler;
    throw new Error("not implemented");
  }
  /** Finish in-flight requests, then stop every backend. Idempotent. */
  async close(): Promise<void> {
    throw new Error("not implemented");
  }
  /** Fail in-flight requests with `error` (or ERR_POOL_CLOSED) and stop every backend now. Idempotent. */
  async destroy(error?: Error): Promise<void> {
    void error;
    throw new Error("not implemented");
  }
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
