import type { Disposable } from "./mcpConnectionTypes.js";

/**
 * A set of listeners of one event. Unlike vscode-jsonrpc's `Emitter`, which logs a listener's exception to the
 * console, it hands the exception to `onListenerError` (the library never writes to the console), and every
 * listener runs whatever another one throws.
 */
export class Listeners<E> {
  readonly #listeners = new Set<(event: E) => void>();

  /** Throws a `TypeError` for a listener that is not a function. */
  add(listener: (event: E) => void): Disposable {
    if (typeof listener !== "function") {
      throw new TypeError(`listener must be a function, got ${typeof listener}`);
    }
    // Wrapped so the same function can be added twice and each Disposable removes its own registration.
    const entry = (event: E): void => listener(event);
    this.#listeners.add(entry);
    return { dispose: () => void this.#listeners.delete(entry) };
  }

  /** Call every listener with `event` (the ones added meanwhile wait for the next event). */
  emit(event: E, onListenerError: (error: unknown) => void): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (error) {
        onListenerError(error);
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
