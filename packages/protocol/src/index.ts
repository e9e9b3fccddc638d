export { ErrorCode, ProtocolError, toProtocolError } from "./errors.js";
export type { ErrorCodeName, JsonRpcErrorObject } from "./errors.js";
export { MAX_JSON_DEPTH, RequestError, RequestErrorCode, isRequestError } from "./requestError.js";
export type { RequestErrorFields } from "./requestError.js";
export { FramingError } from "./framingError.js";
export type { FramingErrorCode } from "./framingError.js";
export {
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_PARTIAL_MESSAGE_TIMEOUT_MS,
  NdjsonMessageReader,
} from "./ndjsonMessageReader.js";
export type { LineDataCallback, NdjsonReaderOptions } from "./ndjsonMessageReader.js";
export {
  DEFAULT_WRITE_HIGH_WATER_BYTES,
  MessageSerializationError,
  NdjsonMessageWriter,
} from "./ndjsonMessageWriter.js";
export type { NdjsonWriterOptions } from "./ndjsonMessageWriter.js";
export { RawJson } from "./rawJson.js";
export { Listeners } from "./listeners.js";
export { MAX_TIMER_MS, normalizeTimeoutMs, raceAbort } from "./deadlines.js";
export { isObject } from "./jsonRpcShape.js";
export { createMcpConnection } from "./mcpConnection.js";
export { DeadlineSuspension } from "./deadlineSuspension.js";
export {
  DEFAULT_END_GRACE_MS,
  DEFAULT_MAX_INBOUND_BYTES,
  DEFAULT_MAX_INBOUND_REQUESTS,
} from "./connectionOptions.js";
export type {
  AbortListener,
  CancelSignal,
  Disposable,
  FallbackNotificationHandler,
  FallbackRequestHandler,
  IncomingRequestContext,
  McpConnection,
  McpConnectionOptions,
  NotificationHandler,
  RequestHandler,
  RequestId,
  RequestOptions,
} from "./mcpConnectionTypes.js";
export {
  LATEST_PROTOCOL_VERSION,
  SUPPORTED_PROTOCOL_VERSIONS,
  isSupportedProtocolVersion,
  negotiateProtocolVersion,
} from "./protocolVersion.js";
export type { ProtocolVersion } from "./protocolVersion.js";
export {
  MODERN_PROTOCOL_VERSION,
  MetaKey,
  ModernMethod,
  REMOVED_IN_MODERN_ERA,
  ResultType,
} from "./modernEra.js";
export { LOGGING_LEVELS, McpMethod } from "./mcpTypes.js";
export type {
  AudioContent,
  CallToolParams,
  CallToolResult,
  CancelledNotificationParams,
  ClientCapabilities,
  CompleteParams,
  CompleteResult,
  ContentBlock,
  CreateMessageParams,
  CreateMessageResult,
  ElicitParams,
  ElicitResult,
  EmbeddedResourceContent,
  GetPromptParams,
  GetPromptResult,
  ImageContent,
  Implementation,
  InitializeParams,
  InitializeResult,
  JsonObject,
  JsonValue,
  ListPromptsResult,
  ListResourceTemplatesResult,
  ListResourcesResult,
  ListRootsResult,
  ListToolsResult,
  LoggingLevel,
  LoggingMessageNotificationParams,
  McpMethodName,
  PaginatedParams,
  ProgressNotificationParams,
  ProgressToken,
  Prompt,
  PromptMessage,
  ReadResourceParams,
  ReadResourceResult,
  RequestMeta,
  Resource,
  ResourceLinkContent,
  ResourceTemplate,
  ResourceUpdatedNotificationParams,
  Root,
  ServerCapabilities,
  SetLevelParams,
  SubscribeParams,
  TextContent,
  Tool,
  ToolAnnotations,
} from "./mcpTypes.js";
