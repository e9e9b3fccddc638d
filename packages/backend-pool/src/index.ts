export { BackendPool } from "./backendPool.js";
export { BackendError, BackendErrorCode, isBackendError } from "./backendError.js";
export type { BackendErrorFields } from "./backendError.js";
export type {
  BackendInfo,
  BackendNotificationEvent,
  BackendPoolOptions,
  BackendRequestEvent,
  BackendRequestHandler,
  BackendSpec,
  BackendState,
  Disposable,
  PoolRequestOptions,
  RestartPolicy,
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
export { sweepOrphanContainers } from "./dockerSweep.js";
export type { DockerSweepOptions, DockerSweepResult } from "./dockerSweep.js";
export { DOCKER_LABELS, currentDockerOwner } from "./dockerOwner.js";
export type { DockerOwner } from "./dockerOwner.js";
