import type { CancelSignal } from "./mcpConnectionTypes.js";

/** The longest delay `setTimeout` honours (about 24.8 days); longer deadlines are refused. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * A deadline option in ms: `undefined` or `Infinity` → none; otherwise a finite number from 0 to
 * {@link MAX_TIMER_MS}. Throws a `TypeError` naming the option.
 */
export function normalizeTimeoutMs(value: unknown, name: string): number | undefined {
  if (value === undefined || value === Infinity) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > MAX_TIMER_MS) {
    throw new TypeError(
      `${name} must be a number of ms from 0 to ${MAX_TIMER_MS} (or Infinity), got ${String(value)}`,
    );
  }
  return value;
}

/**
 * A request's deadline (`timeoutMs`, else `defaultTimeoutMs`) and its `maxTotalMs`, checked; the `TypeError`
 * naming a bad one is returned, not thrown.
 */
export function requestDeadlines(
  options: { timeoutMs?: number | undefined; maxTotalMs?: number | undefined },
  defaultTimeoutMs: number | undefined,
): { timeoutMs: number | undefined; maxTotalMs: number | undefined } | TypeError {
  try {
    return {
      timeoutMs:
        options.timeoutMs === undefined
          ? defaultTimeoutMs
          : normalizeTimeoutMs(options.timeoutMs, "timeoutMs"),
      maxTotalMs:
        options.maxTotalMs === undefined ? undefined : normalizeTimeoutMs(options.maxTotalMs, "maxTotalMs"),
    };
  } catch (error) {
    return error as TypeError;
  }
}

/**
 * Resolves or rejects like `promise`, or rejects with `abortError()` (default: the signal's reason) as soon as
 * `signal` aborts. The listener is removed when either happens.
 */
export function raceAbort<T>(
  promise: Promise<T>,
  signal: CancelSignal | undefined,
  abortError: () => unknown = () => signal?.reason,
): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(abortError() as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError() as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error as Error);
      },
    );
  });
}
