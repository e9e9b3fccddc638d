import { randomUUID } from "node:crypto";
import { LOGGING_LEVELS, MAX_TIMER_MS } from "@mcpware/protocol";
import type { ClientCapabilities, Implementation, LoggingLevel } from "@mcpware/protocol";
import { DEFAULT_CLIENT_INFO } from "./defaults.js";
import { defaultEraCacheFile } from "./eraCache.js";
import type { BackendPoolOptions, PoolRequestOptions } from "./types.js";

/** The pool options that shape what backends are told and where the pool keeps its records, checked. */
export interface ResolvedPoolOptions {
  clientInfo: Implementation;
  clientCapabilities: ClientCapabilities;
  instanceId: string;
  processGroupsDir: string | undefined;
  /** The era cache file; undefined: verdicts in memory only. */
  eraCacheFile: string | undefined;
}

/** Checks `options` and fills the defaults. Throws a TypeError naming the bad option. */
export function resolvePoolOptions(options: BackendPoolOptions): ResolvedPoolOptions {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`BackendPool options must be an object, got ${String(options)}`);
  }
  const clientInfo: Implementation = options.clientInfo ?? { ...DEFAULT_CLIENT_INFO };
  if (typeof clientInfo.name !== "string" || typeof clientInfo.version !== "string") {
    throw new TypeError(`BackendPool option "clientInfo" must have string name and version`);
  }
  const clientCapabilities = checkCapabilities(
    options.clientCapabilities ?? {},
    'option "clientCapabilities"',
  );
  const instanceId = options.instanceId ?? randomUUID().slice(0, 8);
  if (typeof instanceId !== "string" || !/^[A-Za-z0-9_.-]{1,64}$/.test(instanceId)) {
    throw new TypeError(
      `BackendPool option "instanceId" must match [A-Za-z0-9_.-]{1,64}, got ${String(instanceId)}`,
    );
  }
  const processGroupsDir = options.processGroupsDir;
  if (processGroupsDir !== undefined && (typeof processGroupsDir !== "string" || processGroupsDir === "")) {
    throw new TypeError(
      `BackendPool option "processGroupsDir" must be a folder path, got ${String(processGroupsDir)}`,
    );
  }
  const eraCacheFile = options.eraCacheFile ?? defaultEraCacheFile();
  if (eraCacheFile !== false && (typeof eraCacheFile !== "string" || eraCacheFile === "")) {
    throw new TypeError(
      `BackendPool option "eraCacheFile" must be a file path or false, got ${String(eraCacheFile)}`,
    );
  }
  return {
    clientInfo,
    clientCapabilities,
    instanceId,
    processGroupsDir,
    eraCacheFile: eraCacheFile === false ? undefined : eraCacheFile,
  };
}

/** `capabilities` when it is an object; otherwise a TypeError naming `what`. */
export function checkCapabilities(capabilities: unknown, what: string): ClientCapabilities {
  if (typeof capabilities !== "object" || capabilities === null || Array.isArray(capabilities)) {
    throw new TypeError(`BackendPool ${what} must be an object, got ${String(capabilities)}`);
  }
  return capabilities as ClientCapabilities;
}

const LEVELS: ReadonlySet<unknown> = new Set(LOGGING_LEVELS);

/** `level` when it is an MCP log level; otherwise a TypeError. */
export function checkLoggingLevel(level: unknown): LoggingLevel {
  if (!LEVELS.has(level)) throw new TypeError(`not an MCP log level: ${String(level)}`);
  return level as LoggingLevel;
}

/** Checks the options of one request (`timeoutMs`, `inputRequired`); throws a TypeError naming the bad one. */
export function checkRequestOptions(options: PoolRequestOptions): void {
  const { timeoutMs, inputRequired } = options;
  if (
    timeoutMs !== undefined &&
    (typeof timeoutMs !== "number" || !(timeoutMs > 0 && timeoutMs <= MAX_TIMER_MS))
  ) {
    throw new TypeError(
      `request option "timeoutMs" must be a positive number of milliseconds up to ${MAX_TIMER_MS}, got ${String(timeoutMs)}`,
    );
  }
  if (inputRequired !== undefined && inputRequired !== "fulfil" && inputRequired !== "return") {
    throw new TypeError(
      `request option "inputRequired" must be "fulfil" or "return", got ${String(inputRequired)}`,
    );
  }
}
