import type { LoggingLevel, LoggingMessageNotificationParams } from "@mcpware/protocol";
import { LOGGING_LEVELS, isObject } from "@mcpware/protocol";

/**
 * Log messages a backend may send the client per second; past it they are dropped and counted, and the count is
 * reported once the second is over.
 */
export const MAX_BACKEND_LOG_MESSAGES_PER_SECOND = 50;
const WINDOW_MS = 1000;

const SEVERITY = new Map<unknown, number>(LOGGING_LEVELS.map((level, index) => [level, index]));

export function isLoggingLevel(value: unknown): value is LoggingLevel {
  return SEVERITY.has(value);
}

/** True when a message at `level` passes a client's minimum `threshold` (none set: everything passes). */
export function passesLevel(level: LoggingLevel, threshold: LoggingLevel | undefined): boolean {
  return threshold === undefined || SEVERITY.get(level)! >= SEVERITY.get(threshold)!;
}

/** A backend's `notifications/message` as the client sees it: `logger` names the backend first. */
export function tagLogMessage(
  backend: string,
  params: unknown,
): LoggingMessageNotificationParams | undefined {
  if (!isObject(params) || !isLoggingLevel(params.level)) return undefined;
  const own = typeof params.logger === "string" && params.logger !== "" ? params.logger : undefined;
  return {
    ...params,
    level: params.level,
    logger: own === undefined ? backend : `${backend}/${own}`,
    data: params.data,
  };
}

interface Window {
  startedAt: number;
  sent: number;
  dropped: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Per-backend rate limit of relayed log messages: at most `limit` in each one-second window (from the first
 * message of the window). What a window dropped is handed to `reportDropped` when it ends.
 */
export class LogRateLimiter {
  readonly #windows = new Map<string, Window>();
  readonly #limit: number;
  readonly #reportDropped: (backend: string, dropped: number, limit: number) => void;

  constructor(limit: number, reportDropped: (backend: string, dropped: number, limit: number) => void) {
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new TypeError(`the log message limit must be a positive integer, got ${String(limit)}`);
    }
    this.#limit = limit;
    this.#reportDropped = reportDropped;
  }

  /** True when one more message of `backend` may go now; otherwise it is counted as dropped. */
  admit(backend: string): boolean {
    const now = performance.now();
    let window = this.#windows.get(backend);
    if (window === undefined || now - window.startedAt >= WINDOW_MS) {
      if (window !== undefined) this.#close(backend, window);
      window = { startedAt: now, sent: 0, dropped: 0, timer: undefined };
      this.#windows.set(backend, window);
    }
    if (window.sent < this.#limit) {
      window.sent++;
      return true;
    }
    window.dropped++;
    if (window.timer === undefined) {
      const current = window;
      current.timer = setTimeout(() => this.#close(backend, current), WINDOW_MS - (now - current.startedAt));
      current.timer.unref();
    }
    return false;
  }

  /** Reports what is still counted and stops every timer. */
  dispose(): void {
    for (const [backend, window] of this.#windows) this.#close(backend, window);
  }

  #close(backend: string, window: Window): void {
    if (window.timer !== undefined) clearTimeout(window.timer);
    window.timer = undefined;
    if (this.#windows.get(backend) === window) this.#windows.delete(backend);
    const dropped = window.dropped;
    window.dropped = 0;
    if (dropped > 0) this.#reportDropped(backend, dropped, this.#limit);
  }
}
