import type { CancelSignal, Disposable } from "@mcpware/protocol";

/** A combined signal and the means to unlink it from its sources. */
export interface LinkedSignal extends Disposable {
  readonly signal: AbortSignal;
}

/**
 * A signal that aborts, with the source's reason, as soon as any source aborts: `AbortSignal.any` with an
 * explicit `dispose()` that removes its listeners from the sources. Needed because each request links to the
 * pool's long-lived lifetime signal, and on Node 20 `AbortSignal.any` keeps every dependent reachable from its
 * sources (about 70 bytes per call, measured: a leak in a gateway serving millions of requests).
 */
export function anySignal(sources: readonly (CancelSignal | undefined)[]): LinkedSignal {
  const controller = new AbortController();
  const links: [CancelSignal, () => void][] = [];
  const dispose = (): void => {
    for (const [source, listener] of links) source.removeEventListener("abort", listener);
    links.length = 0;
  };
  for (const source of sources) {
    if (source === undefined) continue;
    if (source.aborted) {
      dispose();
      controller.abort(source.reason);
      break;
    }
    const listener = (): void => {
      dispose();
      controller.abort(source.reason);
    };
    source.addEventListener("abort", listener, { once: true });
    links.push([source, listener]);
  }
  return { signal: controller.signal, dispose };
}
