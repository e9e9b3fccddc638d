export { BackendPool } from "./backendPool.js";
export { BackendError, BackendErrorCode, isBackendError } from "./backendError.js";
export type { BackendErrorFields } from "./backendError.js";
export { CHILD_ENV_DEFAULTS, ENV_ALLOWLIST, buildChildEnv } from "./childEnv.js";
export {
  BACKOFF_JITTER_RATIO,
  BACKOFF_RESET_AFTER_UP_MS,
  DEFAULT_CIRCUIT_COOLDOWN_MS,
  DEFAULT_CLIENT_INFO,
  DEFAULT_CRASH_WINDOW_MS,
  DEFAULT_DOCKER_START_TIMEOUT_MS,
  DEFAULT_INITIAL_BACKOFF_MS,
  DEFAULT_MAX_BACKOFF_MS,
  DEFAULT_MAX_CONSECUTIVE_TIMEOUTS,
  DEFAULT_MAX_CALL_DURATION_MS,
  DEFAULT_MAX_CRASHES,
  DEFAULT_MAX_FAILED_STARTS,
  DEFAULT_FAILED_START_WINDOW_MS,
  DEFAULT_MAX_IN_FLIGHT,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_START_TIMEOUT_MS,
  ERA_PROBE_TIMEOUT_MS,
  EXIT_SETTLE_MS,
  MAX_INPUT_REQUIRED_ROUNDS,
  STDERR_RING_BYTES,
  STOP_SIGTERM_GRACE_MS,
  STOP_STDIN_GRACE_MS,
} from "./defaults.js";
export { EraCache, defaultEraCacheFile, eraCacheKey } from "./eraCache.js";
export { RestartGovernor } from "./restartGovernor.js";
export type { StartDecision } from "./restartGovernor.js";
export { stopChild } from "./stopChild.js";
export type { ExitInfo, StopChildOptions } from "./stopChild.js";
export type {
  BackendDiagnosticEvent,
  BackendEra,
  BackendInfo,
  BackendNotificationEvent,
  BackendPoolOptions,
  BackendRequestEvent,
  BackendRequestHandler,
  BackendSpec,
  BackendState,
  Disposable,
  DockerOptions,
  InputRequiredMode,
  PoolRequestOptions,
  RestartPolicy,
  SpawnEvent,
  StateChangeEvent,
  StderrLine,
} from "./types.js";
export {
  DOCKER_REMOVE_TIMEOUT_MS,
  isDockerRunCommand,
  prepareDockerRun,
  removeDockerContainer,
} from "./dockerRun.js";
export type { DockerRunContext, PreparedDockerRun } from "./dockerRun.js";
export { DEFAULT_DOCKER_LIMITS, DOCKER_PULL_POLICIES, findPrivilegedDockerOptions } from "./dockerPolicy.js";
export type { DockerLimits, DockerPullPolicy } from "./dockerPolicy.js";
export { parseDockerRunArgv } from "./dockerRunArgs.js";
export type { DockerFlag, DockerRunArgv } from "./dockerRunArgs.js";
export { DEFAULT_DOCKER_CLI_TIMEOUT_MS, runDockerCli } from "./dockerCli.js";
export type { DockerCliOptions, DockerCliResult } from "./dockerCli.js";
export { sweepOrphanContainers } from "./dockerSweep.js";
export { sweepOrphanProcessGroups } from "./processGroups.js";
export type { ProcessSweepResult } from "./processGroups.js";
export type { DockerSweepOptions, DockerSweepResult } from "./dockerSweep.js";
export { DOCKER_LABELS, currentDockerOwner } from "./dockerOwner.js";
export type { DockerOwner } from "./dockerOwner.js";
