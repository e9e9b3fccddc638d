/**
 * The idle-stop timer of one backend: `arm()` (re)starts the countdown, `clear()` stops it, and `onIdle` runs
 * when it runs out. The timer is unref'd: an idle backend never keeps the process alive. After `dispose()` it
 * never arms again.
 */
export class IdleTimer {
  readonly #ms: number | undefined;
  readonly #onIdle: () => void;
  #timer: NodeJS.Timeout | undefined;
  #disposed = false;

  /** @param ms how long to wait; `undefined` or 0 turns the timer off. */
  constructor(ms: number | undefined, onIdle: () => void) {
    this.#ms = ms;
    this.#onIdle = onIdle;
  }

  /** Start the countdown again from the full time (off, or after `dispose()`: nothing). */
  arm(): void {
    if (this.#ms === undefined || this.#ms === 0 || this.#disposed) return;
    this.clear();
    this.#timer = setTimeout(this.#fire, this.#ms);
    this.#timer.unref();
  }

  /** Stop the countdown, if running. */
  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Stop the countdown for good. Idempotent. */
  dispose(): void {
    this.#disposed = true;
    this.clear();
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#onIdle();
  };
}
