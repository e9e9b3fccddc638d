export { ErrorCode, ProtocolError } from "./errors.js";
export type { ErrorCodeName, JsonRpcErrorObject, PeerCancelledData, RequestTimeoutData } from "./errors.js";
export {
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_PARTIAL_MESSAGE_TIMEOUT_MS,
  FramingError,
  MessageSerializationError,
  NdjsonMessageReader,
  NdjsonMessageWriter,
} from "./ndjsonFraming.js";
export type { FramingErrorCode, NdjsonReaderOptions, NdjsonWriterOptions } from "./ndjsonFraming.js";
export { LargeIdTable } from "./largeIdTable.js";
export { createMcpConnection } from "./mcpConnection.js";
export type {
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
} from "./mcpConnection.js";
export {
  LATEST_PROTOCOL_VERSION,
  SUPPORTED_PROTOCOL_VERSIONS,
  isSupportedProtocolVersion,
  negotiateProtocolVersion,
} from "./protocolVersion.js";
export type { ProtocolVersion } from "./protocolVersion.js";
export { McpMethod } from "./mcpTypes.js";
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
  ElicitParams,
  EmbeddedResourceContent,
  GetPromptParams,
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
  PaginatedParams,
  ProgressNotificationParams,
  ProgressToken,
  Prompt,
  ReadResourceParams,
  ReadResourceResult,
  RequestMeta,
  Resource,
  ResourceLinkContent,
  ResourceTemplate,
  Root,
  ServerCapabilities,
  TextContent,
  Tool,
  ToolAnnotations,
} from "./mcpTypes.js";
