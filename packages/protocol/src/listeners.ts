import type { Disposable } from "./mcpConnectionTypes.js";

/**
 * A set of listeners of one event. Unlike vscode-jsonrpc's `Emitter`, which logs a listener's exception to the
 * console, it hands the exception to `onListenerError` (the library never writes to the console), and every
 * listener runs whatever another one throws.
 */
export class Listeners<E> {
  readonly #listeners = new Set<(event: E) => void>();

  add(listener: (event: E) => void): Disposable {
    this.#listeners.add(listener);
    return { dispose: () => this.#listeners.delete(listener) };
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
