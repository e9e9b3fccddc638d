import type * as Sdk from "@modelcontextprotocol/sdk/types.js";
import { expect } from "chai";
import { McpMethod } from "../mcpTypes.js";
import type * as Ours from "../mcpTypes.js";

/** Compiles only when every `_From` is assignable to `To`: what the SDK sends, our types accept. */
function accepts<To>(): <_From extends To>() => true {
  return () => true;
}

describe("MCP types", () => {
  it("accept every message of the official SDK that the gateway inspects (checked by the compiler)", () => {
    const checks = [
      accepts<Ours.InitializeParams>()<Sdk.InitializeRequest["params"]>(),
      accepts<Ours.InitializeResult>()<Sdk.InitializeResult>(),
      accepts<Ours.ListToolsResult>()<Sdk.ListToolsResult>(),
      accepts<Ours.Tool>()<Sdk.Tool>(),
      accepts<Ours.CallToolParams>()<Sdk.CallToolRequest["params"]>(),
      accepts<Ours.CallToolResult>()<Sdk.CallToolResult>(),
      accepts<Ours.CancelledNotificationParams>()<Sdk.CancelledNotification["params"]>(),
      accepts<Ours.ProgressNotificationParams>()<Sdk.ProgressNotification["params"]>(),
      accepts<Ours.LoggingMessageNotificationParams>()<Sdk.LoggingMessageNotification["params"]>(),
      accepts<Ours.ListResourcesResult>()<Sdk.ListResourcesResult>(),
      accepts<Ours.ListPromptsResult>()<Sdk.ListPromptsResult>(),
      accepts<Ours.GetPromptResult>()<Sdk.GetPromptResult>(),
      accepts<Ours.ListRootsResult>()<Sdk.ListRootsResult>(),
      accepts<Ours.CompleteResult>()<Sdk.CompleteResult>(),
      accepts<Ours.ElicitResult>()<Sdk.ElicitResult>(),
    ];
    expect(checks.every(Boolean)).to.equal(true);
  });

  it("names each method as the MCP specification spells it", () => {
    expect(McpMethod.Initialize).to.equal("initialize");
    expect(McpMethod.Cancelled).to.equal("notifications/cancelled");
    expect(McpMethod.Progress).to.equal("notifications/progress");
    expect(McpMethod.ToolsCall).to.equal("tools/call");
    expect(new Set(Object.values(McpMethod)).size).to.equal(Object.values(McpMethod).length);
    for (const method of Object.values(McpMethod))
      expect(method).to.match(/^[a-z]+(\/[a-z_]+)*$|^[a-z]+\/[a-zA-Z]+$/);
  });
});
