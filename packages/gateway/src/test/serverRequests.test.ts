import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ElicitationCompleteNotificationSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  McpError,
} from "@modelcontextprotocol/sdk/types.js";
import type {
  ClientCapabilities,
  CreateMessageRequest,
  ElicitRequest,
  LoggingMessageNotification,
} from "@modelcontextprotocol/sdk/types.js";
import { expect } from "chai";
import { backends, textOf, useHarness, useToolRequest, waitFor } from "./helpers/e2e.js";

const use = useToolRequest;

/** Everything a client can let a server ask of it. */
const ALL_CAPABILITIES: ClientCapabilities = {
  sampling: {},
  elicitation: { form: {}, url: {} },
  roots: { listChanged: true },
};

/** The text the sampling handler answers with. */
function sampled(request: CreateMessageRequest): string {
  const content = request.params.messages[0]?.content;
  const text = content !== undefined && "text" in content ? String(content.text) : "";
  return `SAMPLED ${text}`;
}

/** A client's handlers that record what they were asked and answer at once. */
class Handlers {
  readonly sampling: CreateMessageRequest["params"][] = [];
  readonly elicitations: ElicitRequest["params"][] = [];
  rootsRequests = 0;
  roots = [{ uri: "file:///projects/alpha", name: "alpha" }];
  readonly logs: LoggingMessageNotification["params"][] = [];
  readonly completions: string[] = [];

  install(client: Client): void {
    client.setRequestHandler(CreateMessageRequestSchema, (request) => {
      this.sampling.push(request.params);
      return {
        model: "test-model",
        role: "assistant",
        content: { type: "text", text: sampled(request) },
        stopReason: "endTurn",
      };
    });
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      this.elicitations.push(request.params);
      if (request.params.mode === "url") return { action: "accept" };
      return { action: "accept", content: { name: "Zed", answer: "forty-two" } };
    });
    client.setRequestHandler(ListRootsRequestSchema, () => {
      this.rootsRequests++;
      return { roots: this.roots };
    });
    this.listen(client);
  }

  /** Only the notifications (for a client that declares no capabilities). */
  listen(client: Client): void {
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      this.logs.push(notification.params);
    });
    client.setNotificationHandler(ElicitationCompleteNotificationSchema, (notification) => {
      this.completions.push(notification.params.elicitationId);
    });
  }
}

describe("server-to-client requests, logging and list changes (end to end)", function () {
  this.timeout(120_000);
  const harness = useHarness();

  describe("with server-everything", () => {
    it("declares the client's sampling, elicitation and roots to the backend, so its tools that need them are listed", async () => {
      const handlers = new Handlers();
      const session = await harness.start(
        { backends: { everything: backends.everything() } },
        { capabilities: ALL_CAPABILITIES, setup: (client) => handlers.install(client) },
      );
      const result = await session.client.callTool({
        name: "discover_backend_tools",
        arguments: { backend_name: "everything" },
      });
      const text = textOf(result);
      for (const tool of [
        "get-roots-list",
        "trigger-sampling-request",
        "trigger-elicitation-request",
        "trigger-url-elicitation",
      ]) {
        expect(text).to.include(`### ${tool}`);
      }
      expect(text).to.match(/^17 tools\./m);
    });

    it("leaves a backend without the capabilities a client does not declare", async () => {
      const handlers = new Handlers();
      const session = await harness.start(
        { backends: { everything: backends.everything() } },
        { setup: (client) => handlers.listen(client) },
      );
      const text = textOf(
        await session.client.callTool({
          name: "discover_backend_tools",
          arguments: { backend_name: "everything" },
        }),
      );
      expect(text).to.include("### echo");
      for (const tool of ["get-roots-list", "trigger-sampling-request", "trigger-elicitation-request"]) {
        expect(text).to.not.include(`### ${tool}`);
      }
    });

    it("relays trigger-sampling-request to the client's sampling handler and its answer back", async () => {
      const handlers = new Handlers();
      const session = await harness.start(
        { backends: { everything: backends.everything() } },
        { capabilities: ALL_CAPABILITIES, setup: (client) => handlers.install(client) },
      );
      const result = await session.client.callTool(
        use("everything", "trigger-sampling-request", { prompt: "name a colour", maxTokens: 20 }),
      );
      expect(result.isError).to.not.equal(true);
      expect(handlers.sampling).to.have.length(1);
      const asked = handlers.sampling[0]!;
      expect(asked.maxTokens).to.equal(20);
      expect(JSON.stringify(asked.messages)).to.include("name a colour");
      expect(textOf(result)).to.include("SAMPLED Resource trigger-sampling-request context: name a colour");
      expect(textOf(result)).to.include("test-model");
    });

    it("relays form and URL elicitation to the client's handler and its answers back", async () => {
      const handlers = new Handlers();
      const session = await harness.start(
        { backends: { everything: backends.everything() } },
        { capabilities: ALL_CAPABILITIES, setup: (client) => handlers.install(client) },
      );
      const form = await session.client.callTool(use("everything", "trigger-elicitation-request"));
      expect(textOf(form)).to.include("Name: Zed");
      const form0 = handlers.elicitations[0]!;
      expect("requestedSchema" in form0 && form0.requestedSchema).to.be.an("object");
      const url = await session.client.callTool(
        use("everything", "trigger-url-elicitation", { url: "https://example.com/consent" }),
      );
      expect(textOf(url)).to.include("completed the URL elicitation flow");
      const asked = handlers.elicitations[1]!;
      expect(asked).to.include({ mode: "url", url: "https://example.com/consent" });
    });

    it("answers roots/list from the client, and relays the client's roots changes to the backend", async () => {
      const handlers = new Handlers();
      const session = await harness.start(
        { backends: { everything: backends.everything() } },
        { capabilities: ALL_CAPABILITIES, setup: (client) => handlers.install(client) },
      );
      const first = textOf(await session.client.callTool(use("everything", "get-roots-list")));
      expect(first).to.include("file:///projects/alpha");
      const asked = handlers.rootsRequests;
      expect(asked).to.be.greaterThan(0);
      handlers.roots = [...handlers.roots, { uri: "file:///projects/beta", name: "beta" }];
      await session.client.sendRootsListChanged();
      // server-everything asks again when it hears of the change.
      expect(await waitFor(() => handlers.rootsRequests > asked)).to.equal(true);
      const second = textOf(await session.client.callTool(use("everything", "get-roots-list")));
      expect(second).to.include("file:///projects/beta");
    });

    it("delivers toggle-simulated-logging's messages after logging/setLevel, tagged with the backend", async () => {
      const handlers = new Handlers();
      const session = await harness.start(
        { backends: { everything: backends.everything() } },
        { setup: (client) => handlers.listen(client) },
      );
      expect(session.client.getServerCapabilities()?.logging).to.deep.equal({});
      await session.client.setLoggingLevel("debug");
      await session.client.callTool(use("everything", "toggle-simulated-logging"));
      try {
        expect(await waitFor(() => handlers.logs.some((log) => log.logger === "everything"))).to.equal(true);
      } finally {
        await session.client.callTool(use("everything", "toggle-simulated-logging"));
      }
    });
  });

  describe("with fixture backends", () => {
    it("tells a backend exactly the sampling, elicitation and roots capabilities the client declared", async () => {
      const session = await harness.start(
        { backends: { a: backends.relay("a") } },
        {
          capabilities: { ...ALL_CAPABILITIES, experimental: { x: {} } },
          setup: (client) => new Handlers().install(client),
        },
      );
      const declared = JSON.parse(textOf(await session.client.callTool(use("a", "capabilities")))) as unknown;
      expect(declared).to.deep.equal(ALL_CAPABILITIES);
    });

    it("tells a backend nothing when the client declares nothing, and answers its requests with -32601", async () => {
      const session = await harness.start({ backends: { a: backends.relay("a") } });
      const declared = JSON.parse(textOf(await session.client.callTool(use("a", "capabilities")))) as unknown;
      expect(declared).to.deep.equal({});
      const result = await session.client.callTool(use("a", "ask", { kind: "sampling" }));
      expect(result.isError).to.equal(true);
      expect(textOf(result)).to.include("the client does not support sampling/createMessage");
      expect(textOf(result)).to.include("-32601");
    });

    it("completes a call whose request to the client is answered after longer than the backend's timeout", async () => {
      let answered = false;
      const session = await harness.start(
        { backends: { a: backends.relay("a", { timeout: 1 }) } },
        {
          capabilities: ALL_CAPABILITIES,
          setup: (client) => {
            client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
              // A person taking longer than the backend's 1 s timeout to answer.
              await new Promise((resolve) => setTimeout(resolve, 2_500));
              answered = true;
              return {
                model: "slow-human",
                role: "assistant",
                content: { type: "text", text: sampled(request) },
              };
            });
          },
        },
      );
      const result = await session.client.callTool(
        use("a", "ask", { kind: "sampling", text: "take your time" }),
      );
      expect(answered).to.equal(true);
      expect(result.isError).to.not.equal(true);
      expect(textOf(result)).to.include("SAMPLED a: take your time");
    });

    it("cancels the request at the client when the client cancels the call it was sent for", async () => {
      let cancelledAtClient = false;
      let asked!: () => void;
      const askedPromise = new Promise<void>((resolve) => (asked = resolve));
      const session = await harness.start(
        { backends: { a: backends.relay("a") } },
        {
          capabilities: ALL_CAPABILITIES,
          setup: (client) => {
            client.setRequestHandler(CreateMessageRequestSchema, (_request, extra) => {
              asked();
              // Never answered: only a cancellation ends it.
              return new Promise((_resolve, reject) => {
                extra.signal.addEventListener("abort", () => {
                  cancelledAtClient = true;
                  reject(new Error("cancelled"));
                });
              });
            });
          },
        },
      );
      const controller = new AbortController();
      const call = session.client
        .callTool(use("a", "ask", { kind: "sampling" }), undefined, { signal: controller.signal })
        .then(
          () => "resolved",
          () => "rejected",
        );
      await askedPromise;
      controller.abort();
      expect(await call).to.equal("rejected");
      expect(await waitFor(() => cancelledAtClient)).to.equal(true);
      // The backend serves on.
      expect(textOf(await session.client.callTool(use("a", "capabilities")))).to.include("sampling");
    });

    it("cancels the request at the client and fails the call once the backend's maxCallDuration passes", async () => {
      let cancelledAtClient = false;
      const session = await harness.start(
        { backends: { a: backends.relay("a", { timeout: 1, maxCallDuration: 2 }) } },
        {
          capabilities: ALL_CAPABILITIES,
          setup: (client) => {
            client.setRequestHandler(ElicitRequestSchema, (_request, extra) => {
              return new Promise((_resolve, reject) => {
                extra.signal.addEventListener("abort", () => {
                  cancelledAtClient = true;
                  reject(new Error("cancelled"));
                });
              });
            });
          },
        },
      );
      const result = await session.client.callTool(use("a", "ask", { kind: "elicit" }));
      expect(result.isError).to.equal(true);
      expect(textOf(result)).to.include("took longer than the most a call may take, 2 s");
      expect(await waitFor(() => cancelledAtClient)).to.equal(true);
    });

    it("hands the client's error answer to the backend, code and message intact", async () => {
      const session = await harness.start(
        { backends: { a: backends.relay("a") } },
        {
          capabilities: ALL_CAPABILITIES,
          setup: (client) => {
            client.setRequestHandler(CreateMessageRequestSchema, () => {
              throw new McpError(-32050, "the user declined to sample");
            });
          },
        },
      );
      const result = await session.client.callTool(use("a", "ask", { kind: "sampling" }));
      expect(result.isError).to.equal(true);
      expect(textOf(result)).to.include("MCP error -32050: the user declined to sample");
    });

    it("gives two backends asking at once each its own answer", async () => {
      const prompts: string[] = [];
      let release!: () => void;
      const bothAsked = new Promise<void>((resolve) => (release = resolve));
      const session = await harness.start(
        { backends: { a: backends.relay("a"), b: backends.relay("b") } },
        {
          capabilities: ALL_CAPABILITIES,
          setup: (client) => {
            client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
              prompts.push(sampled(request));
              if (prompts.length === 2) release();
              // Neither is answered before both are pending at the client.
              await bothAsked;
              return { model: "m", role: "assistant", content: { type: "text", text: sampled(request) } };
            });
          },
        },
      );
      const [a, b] = await Promise.all([
        session.client.callTool(use("a", "ask", { kind: "sampling", text: "first" })),
        session.client.callTool(use("b", "ask", { kind: "sampling", text: "second" })),
      ]);
      expect(textOf(a)).to.include("SAMPLED a: first").and.not.include("second");
      expect(textOf(b)).to.include("SAMPLED b: second").and.not.include("first");
    });

    it("applies logging/setLevel to a backend started later and tags its messages with the backend and its logger", async () => {
      const handlers = new Handlers();
      const session = await harness.start(
        { backends: { a: backends.relay("a") } },
        { setup: (client) => handlers.listen(client) },
      );
      await session.client.setLoggingLevel("warning");
      await session.client.callTool(use("a", "log", { level: "info" }));
      await session.client.callTool(use("a", "log", { level: "error", logger: "db" }));
      expect(await waitFor(() => handlers.logs.length > 0)).to.equal(true);
      // The info message was never sent: the backend got the level right after its start.
      expect(handlers.logs).to.deep.equal([{ level: "error", logger: "a/db", data: "a message 1 of 1" }]);
    });

    it("rate-limits a flood of log messages per backend and reports how many were dropped", async () => {
      const handlers = new Handlers();
      const session = await harness.start(
        { backends: { a: backends.relay("a") } },
        { setup: (client) => handlers.listen(client) },
      );
      const sent = 400;
      await session.client.callTool(use("a", "log", { level: "info", count: sent }));
      const isReport = (log: LoggingMessageNotification["params"]): boolean =>
        String(log.data).includes("dropped");
      const delivered = (): number =>
        handlers.logs.filter((log) => String(log.data).startsWith("a message")).length;
      // Reported once the one-second window is over; a second window may have begun during the flood, so
      // what went plus every count reported is everything that was sent.
      const dropped = (): number =>
        handlers.logs
          .filter(isReport)
          .reduce(
            (total, log) => total + Number(/dropped (\d+) log messages? /.exec(String(log.data))?.[1] ?? 0),
            0,
          );
      expect(await waitFor(() => delivered() + dropped() === sent)).to.equal(true);
      expect(dropped()).to.be.greaterThan(0);
      expect(handlers.logs.find(isReport)).to.include({ level: "warning", logger: "a" });
      expect(String(handlers.logs.find(isReport)?.data)).to.include(
        'from backend "a" (more than 50 per second)',
      );
      expect(delivered()).to.be.at.most(sent / 2);
    });

    it("shows a tool the backend added, after its tools/list_changed, in the next discovery", async () => {
      const session = await harness.start({ backends: { a: backends.relay("a") } });
      const discover = async (): Promise<string> =>
        textOf(
          await session.client.callTool({ name: "discover_backend_tools", arguments: { backend_name: "a" } }),
        );
      expect(await discover()).to.not.include("### late-tool");
      await session.client.callTool(use("a", "add-tool", { name: "late-tool" }));
      expect(await discover()).to.include("### late-tool");
      expect(textOf(await session.client.callTool(use("a", "late-tool")))).to.equal("a: late-tool answered");
    });

    it("relays notifications/elicitation/complete to a client that declared URL elicitation", async () => {
      const handlers = new Handlers();
      const session = await harness.start(
        { backends: { a: backends.relay("a") } },
        { capabilities: ALL_CAPABILITIES, setup: (client) => handlers.install(client) },
      );
      await session.client.callTool(use("a", "complete-elicitation", { id: "consent-7" }));
      expect(await waitFor(() => handlers.completions.length > 0)).to.equal(true);
      expect(handlers.completions).to.deep.equal(["consent-7"]);
    });

    it("cleans hidden characters and escapes out of what discovery shows of a tool", async () => {
      const session = await harness.start({ backends: { a: backends.relay("a") } });
      const result = await session.client.callTool({
        name: "discover_backend_tools",
        arguments: { backend_name: "a" },
      });
      const text = textOf(result);
      expect(text).to.include("### poisoned (Notes)\nReads notes.txt.exe quietly hidden\n");
      expect(text).to.include('"description":"Which note"');
      // Nothing invisible is left anywhere in what the model reads.
      const wire = JSON.stringify(result);
      // eslint-disable-next-line no-control-regex -- looking for control characters
      expect(wire).to.not.match(/[\u{E0000}-\u{E007F}\u202A-\u202E\u2066-\u2069\u200B-\u200D\u001b]/u);
      expect(wire).to.not.match(/\\u001b|\\u200b|\\u202e/i);
    });

    it("lists a tool that needs task support with a note, and answers a call to it with isError", async () => {
      const session = await harness.start({ backends: { a: backends.relay("a") } });
      const text = textOf(
        await session.client.callTool({ name: "discover_backend_tools", arguments: { backend_name: "a" } }),
      );
      expect(text).to.match(
        /### needs-task\n.*\nnote: cannot be called through mcpware: it runs only as a task/,
      );
      const result = await session.client.callTool(use("a", "needs-task"));
      expect(result.isError).to.equal(true);
      expect(textOf(result)).to.include('execution.taskSupport "required"');
    });
  });
});
