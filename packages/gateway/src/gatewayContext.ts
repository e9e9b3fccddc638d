import { DEFAULT_REQUEST_TIMEOUT_MS } from "@mcpware/backend-pool";
import type { BackendState } from "@mcpware/backend-pool";
import type { CatalogRelay } from "./catalogRelay.js";
import type { Logger } from "./logger.js";
import type { Redactor } from "./redactor.js";
import type { GatewayConfig, ResolvedBackend } from "./resolveConfig.js";
import type { GatewayPool, ToolCatalog } from "./toolCatalog.js";

/**
 * States after which what a backend's process offered is gone or may be stale (its tools, resources, prompts,
 * subscriptions): the process stopped, is stopping, or crashed.
 */
export const PROCESS_ENDED_STATES: ReadonlySet<BackendState> = new Set([
  "crashed",
  "stopping",
  "idle",
  "circuit-open",
  "failed",
  "removed",
]);

/** What the meta-tools work with: the configured backends, the pool that runs them, their tool lists. */
export interface GatewayContext {
  readonly config: GatewayConfig;
  readonly pool: GatewayPool;
  readonly catalog: ToolCatalog;
  readonly logger: Logger;
  readonly redactor: Redactor;
  /** Every configured backend by exact name, in config order. */
  readonly backends: ReadonlyMap<string, ResolvedBackend>;
  /** Backends the pool refused or that cannot run: name → reason. */
  readonly unavailable: ReadonlyMap<string, string>;
  /**
   * Resources, prompts and completion relayed from the backends; absent (those methods answered -32601) in
   * contexts made for unit tests.
   */
  readonly catalogRelay?: CatalogRelay;
}

/** The backend called `name`, matched exactly or else ignoring case. */
export function findBackend(context: GatewayContext, name: string): ResolvedBackend | undefined {
  const exact = context.backends.get(name);
  if (exact !== undefined) return exact;
  const lower = name.toLowerCase();
  for (const backend of context.backends.values()) if (backend.name.toLowerCase() === lower) return backend;
  return undefined;
}

/** The request deadline of a backend (ms). */
export function timeoutOf(backend: ResolvedBackend): number {
  return backend.spec?.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
}

/** Why the backend cannot run, or undefined when it can. */
export function unavailableReason(
  context: Pick<GatewayContext, "unavailable">,
  backend: ResolvedBackend,
): string | undefined {
  return backend.unavailable ?? context.unavailable.get(backend.name);
}
