/**
 * Hand-written types for the MCP messages the gateway inspects. Everything else is forwarded as opaque
 * JSON (`JsonObject`). Fields that may grow are left open with an index signature so nothing a peer sends
 * is lost when a message is relayed.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: unknown };

export type ProgressToken = string | number;

/** `_meta` on requests: `progressToken` is the only key the gateway reads. */
export interface RequestMeta {
  progressToken?: ProgressToken;
  [key: string]: unknown;
}

export interface Implementation {
  name: string;
  version: string;
  title?: string;
  [key: string]: unknown;
}

/** Capability values the gateway only tests for presence are plain `object`s (as in the SDK). */
export interface ClientCapabilities {
  roots?: { listChanged?: boolean; [key: string]: unknown };
  sampling?: object;
  elicitation?: object;
  experimental?: object;
  tasks?: object;
  [key: string]: unknown;
}

export interface ServerCapabilities {
  tools?: { listChanged?: boolean; [key: string]: unknown };
  prompts?: { listChanged?: boolean; [key: string]: unknown };
  resources?: { subscribe?: boolean; listChanged?: boolean; [key: string]: unknown };
  logging?: object;
  completions?: object;
  experimental?: object;
  tasks?: object;
  [key: string]: unknown;
}

export interface InitializeParams {
  protocolVersion: string;
  capabilities: ClientCapabilities;
  clientInfo: Implementation;
  _meta?: RequestMeta;
}

export interface InitializeResult {
  protocolVersion: string;
  capabilities: ServerCapabilities;
  serverInfo: Implementation;
  instructions?: string;
  [key: string]: unknown;
}

export interface PaginatedParams {
  cursor?: string;
  _meta?: RequestMeta;
}

export interface ToolAnnotations {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
  [key: string]: unknown;
}

export interface Tool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: JsonObject & { type: "object" };
  outputSchema?: JsonObject;
  annotations?: ToolAnnotations;
  execution?: JsonObject;
  _meta?: JsonObject;
  [key: string]: unknown;
}

export interface ListToolsResult {
  tools: Tool[];
  nextCursor?: string;
  [key: string]: unknown;
}

export interface CallToolParams {
  name: string;
  arguments?: JsonObject;
  _meta?: RequestMeta;
  [key: string]: unknown;
}

export interface TextContent {
  type: "text";
  text: string;
  [key: string]: unknown;
}
export interface ImageContent {
  type: "image";
  data: string;
  mimeType: string;
  [key: string]: unknown;
}
export interface AudioContent {
  type: "audio";
  data: string;
  mimeType: string;
  [key: string]: unknown;
}
export interface ResourceLinkContent {
  type: "resource_link";
  uri: string;
  name: string;
  [key: string]: unknown;
}
export interface EmbeddedResourceContent {
  type: "resource";
  resource: JsonObject & { uri: string };
  [key: string]: unknown;
}
export type ContentBlock =
  TextContent | ImageContent | AudioContent | ResourceLinkContent | EmbeddedResourceContent;

export interface CallToolResult {
  content: ContentBlock[];
  structuredContent?: JsonObject;
  isError?: boolean;
  _meta?: JsonObject;
  [key: string]: unknown;
}

/**
 * `notifications/cancelled`: sent only for one's own in-flight request; never for `initialize`. `requestId` is
 * optional since 2025-11-25 (task cancellation uses `tasks/cancel`); one without it cancels nothing.
 */
export interface CancelledNotificationParams {
  requestId?: string | number;
  reason?: string;
  _meta?: JsonObject;
  [key: string]: unknown;
}

/** `notifications/progress`: `progress` increases; `progressToken` is the requester's `_meta.progressToken`. */
export interface ProgressNotificationParams {
  progressToken: ProgressToken;
  progress: number;
  total?: number;
  message?: string;
  [key: string]: unknown;
}

export type LoggingLevel =
  "debug" | "info" | "notice" | "warning" | "error" | "critical" | "alert" | "emergency";

/** The MCP log levels, least severe first (the syslog order of RFC 5424). */
export const LOGGING_LEVELS: readonly LoggingLevel[] = Object.freeze([
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency",
]);

/** `notifications/message`. */
export interface LoggingMessageNotificationParams {
  level: LoggingLevel;
  logger?: string;
  data: unknown;
  [key: string]: unknown;
}

/** `logging/setLevel` (result `{}`). */
export interface SetLevelParams {
  level: LoggingLevel;
  _meta?: RequestMeta;
  [key: string]: unknown;
}

export interface Resource {
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  [key: string]: unknown;
}
export interface ListResourcesResult {
  resources: Resource[];
  nextCursor?: string;
  [key: string]: unknown;
}
export interface ResourceTemplate {
  uriTemplate: string;
  name: string;
  [key: string]: unknown;
}
export interface ListResourceTemplatesResult {
  resourceTemplates: ResourceTemplate[];
  nextCursor?: string;
  [key: string]: unknown;
}
export interface ReadResourceParams {
  uri: string;
  _meta?: RequestMeta;
  [key: string]: unknown;
}
export interface ReadResourceResult {
  contents: (JsonObject & { uri: string })[];
  [key: string]: unknown;
}
/** `resources/subscribe` and `resources/unsubscribe` (result `{}`). */
export interface SubscribeParams {
  uri: string;
  _meta?: RequestMeta;
  [key: string]: unknown;
}
/** `notifications/resources/updated`. */
export interface ResourceUpdatedNotificationParams {
  uri: string;
  [key: string]: unknown;
}

export interface Prompt {
  name: string;
  title?: string;
  description?: string;
  arguments?: { name: string; description?: string; required?: boolean }[];
  [key: string]: unknown;
}
export interface ListPromptsResult {
  prompts: Prompt[];
  nextCursor?: string;
  [key: string]: unknown;
}
export interface GetPromptParams {
  name: string;
  arguments?: Record<string, string>;
  _meta?: RequestMeta;
  [key: string]: unknown;
}
export interface PromptMessage {
  role: "user" | "assistant";
  content: ContentBlock;
  [key: string]: unknown;
}
export interface GetPromptResult {
  description?: string;
  messages: PromptMessage[];
  [key: string]: unknown;
}

export interface CompleteParams {
  ref: { type: "ref/prompt"; name: string } | { type: "ref/resource"; uri: string };
  argument: { name: string; value: string };
  context?: JsonObject;
  [key: string]: unknown;
}
export interface CompleteResult {
  completion: { values: string[]; total?: number; hasMore?: boolean };
  [key: string]: unknown;
}

/** `sampling/createMessage` (server → client; needs the client's `sampling` capability). */
export interface CreateMessageParams {
  messages: JsonObject[];
  maxTokens: number;
  [key: string]: unknown;
}
export interface CreateMessageResult {
  role: "user" | "assistant";
  content: JsonObject | JsonObject[];
  model: string;
  stopReason?: string;
  [key: string]: unknown;
}
/** `elicitation/create` (server → client; needs `elicitation`; URL mode is 2025-11-25 only). */
export interface ElicitParams {
  message: string;
  mode?: "form" | "url";
  [key: string]: unknown;
}
export interface ElicitResult {
  action: "accept" | "decline" | "cancel";
  content?: JsonObject;
  [key: string]: unknown;
}
export interface Root {
  uri: string;
  name?: string;
  [key: string]: unknown;
}
export interface ListRootsResult {
  roots: Root[];
  [key: string]: unknown;
}

/** Method names the gateway handles or routes. */
export const McpMethod = {
  Initialize: "initialize",
  Initialized: "notifications/initialized",
  Ping: "ping",
  Cancelled: "notifications/cancelled",
  Progress: "notifications/progress",
  LoggingMessage: "notifications/message",
  SetLoggingLevel: "logging/setLevel",
  ToolsList: "tools/list",
  ToolsCall: "tools/call",
  ToolsListChanged: "notifications/tools/list_changed",
  ResourcesList: "resources/list",
  ResourceTemplatesList: "resources/templates/list",
  ResourcesRead: "resources/read",
  ResourcesSubscribe: "resources/subscribe",
  ResourcesUnsubscribe: "resources/unsubscribe",
  ResourcesUpdated: "notifications/resources/updated",
  ResourcesListChanged: "notifications/resources/list_changed",
  PromptsList: "prompts/list",
  PromptsGet: "prompts/get",
  PromptsListChanged: "notifications/prompts/list_changed",
  Complete: "completion/complete",
  CreateMessage: "sampling/createMessage",
  Elicit: "elicitation/create",
  ElicitationComplete: "notifications/elicitation/complete",
  RootsList: "roots/list",
  RootsListChanged: "notifications/roots/list_changed",
  /** The 2026-07-28 era probe; a legacy server answers it with -32601 at once. */
  ServerDiscover: "server/discover",
} as const;

export type McpMethodName = (typeof McpMethod)[keyof typeof McpMethod];
