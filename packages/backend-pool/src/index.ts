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
