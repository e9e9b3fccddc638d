import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  McpError,
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { Resource, ResourceTemplate } from "@modelcontextprotocol/sdk/types.js";
import { expect } from "chai";
import { fileURLToPath } from "node:url";
import { backends, useHarness, useToolRequest, waitFor } from "./helpers/e2e.js";

const use = useToolRequest;

/** The fixture whose resource listing comes in pages of two (built). */
const PAGED_SERVER = fileURLToPath(new URL("./fixtures/pagedResourceServer.js", import.meta.url));

function paged(name: string, count: number) {
  return {
    command: process.execPath,
    args: [PAGED_SERVER, "--name", name, "--count", String(count)],
    description: "resources in pages of two",
  };
}

/** A static document server-everything lists. */
const STATIC_DOCUMENT = "demo://resource/static/document/features.md";
const TEXT_TEMPLATE = "demo://resource/dynamic/text/{resourceId}";
/** server-memory's one resource. */
const MEMORY_GRAPH = "memory://knowledge-graph";

/** Every page of `resources/list`, and how many pages there were. */
async function listAllResources(client: Client): Promise<{ resources: Resource[]; pages: number }> {
  const resources: Resource[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await client.listResources(cursor === undefined ? {} : { cursor });
    resources.push(...page.resources);
    cursor = page.nextCursor;
    pages += 1;
  } while (cursor !== undefined && pages < 50);
  return { resources, pages };
}

async function listAllTemplates(client: Client): Promise<ResourceTemplate[]> {
  const templates: ResourceTemplate[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listResourceTemplates(cursor === undefined ? {} : { cursor });
    templates.push(...page.resourceTemplates);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return templates;
}

/** The error a promise rejects with (fails the test when it resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<McpError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(McpError);
    return error as McpError;
  }
  throw new Error("expected a rejection");
}

describe("resources, prompts and completion relayed from the backends (end to end)", function () {
  this.timeout(120_000);
  const harness = useHarness();

  it("advertises resources with subscriptions, prompts and completions", async () => {
    const session = await harness.start({ backends: { everything: backends.everything() } });
    const capabilities = session.client.getServerCapabilities();
    expect(capabilities?.resources).to.deep.equal({ subscribe: true, listChanged: true });
    expect(capabilities?.prompts).to.deep.equal({ listChanged: true });
    expect(capabilities?.completions).to.deep.equal({});
  });

  it("lists the resources and templates of every backend that has some, and reads each backend's", async () => {
    const dir = await harness.temp();
    const session = await harness.start({
      backends: {
        everything: backends.everything(),
        memory: backends.memory(dir.file("memory.jsonl")),
        files: backends.filesystem(dir.path),
      },
    });
    const { resources } = await listAllResources(session.client);
    const uris = resources.map((resource) => resource.uri);
    expect(uris).to.include.members([STATIC_DOCUMENT, MEMORY_GRAPH]);
    const templates = (await listAllTemplates(session.client)).map((template) => template.uriTemplate);
    expect(templates).to.include(TEXT_TEMPLATE);
    const read = await session.client.readResource({ uri: STATIC_DOCUMENT });
    expect(read.contents[0]).to.include({ uri: STATIC_DOCUMENT, mimeType: "text/markdown" });
    expect(String((read.contents[0] as { text?: string }).text)).to.have.length.greaterThan(0);
    const graph = await session.client.readResource({ uri: MEMORY_GRAPH });
    expect(graph.contents[0]).to.include({ uri: MEMORY_GRAPH, mimeType: "application/json" });
  });

  it("lists the other backends' resources once a backend that never answers reaches its timeout", async () => {
    const session = await harness.start({
      backends: {
        stuck: backends.fixture(["--hang-on", "resources/list"], { timeout: 1 }),
        everything: backends.everything(),
      },
    });
    const started = performance.now();
    const { resources } = await listAllResources(session.client);
    expect(resources.map((resource) => resource.uri)).to.include(STATIC_DOCUMENT);
    expect(performance.now() - started).to.be.below(20_000);
  });

  it("reads a resource link that get-resource-links returned through use_tool", async () => {
    const session = await harness.start({ backends: { everything: backends.everything() } });
    const result = await session.client.callTool(use("everything", "get-resource-links", { count: 2 }));
    const links = (result.content as { type: string; uri?: string }[]).filter(
      (block) => block.type === "resource_link",
    );
    expect(links).to.have.length(2);
    for (const link of links) {
      const read = await session.client.readResource({ uri: link.uri! });
      expect(read.contents[0]?.uri).to.equal(link.uri);
    }
  });

  it("reads a resource a tool made during the session, after forwarding the backend's list change", async () => {
    let listChanges = 0;
    const session = await harness.start(
      { backends: { everything: backends.everything() } },
      {
        setup: (client) =>
          client.setNotificationHandler(ResourceListChangedNotificationSchema, () => {
            listChanges += 1;
          }),
      },
    );
    await listAllResources(session.client);
    const data = `data:text/plain;base64,${Buffer.from("hello gateway").toString("base64")}`;
    const result = await session.client.callTool(
      use("everything", "gzip-file-as-resource", { name: "hello.txt.gz", data, outputType: "resourceLink" }),
    );
    const link = (result.content as { type: string; uri?: string }[]).find(
      (block) => block.type === "resource_link",
    );
    expect(link?.uri).to.be.a("string");
    expect(await waitFor(() => listChanges > 0, 20_000)).to.equal(true);
    const read = await session.client.readResource({ uri: link!.uri! });
    expect(read.contents[0]?.uri).to.equal(link!.uri);
  });

  it("delivers a backend's resources/updated for a URI the client subscribed to", async () => {
    const updated: string[] = [];
    const session = await harness.start(
      { backends: { everything: backends.everything() } },
      {
        setup: (client) =>
          client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => {
            updated.push(notification.params.uri);
          }),
      },
    );
    await session.client.subscribeResource({ uri: STATIC_DOCUMENT });
    await session.client.callTool(use("everything", "toggle-subscriber-updates"));
    try {
      expect(await waitFor(() => updated.includes(STATIC_DOCUMENT), 30_000)).to.equal(true);
    } finally {
      await session.client.callTool(use("everything", "toggle-subscriber-updates"));
    }
    await session.client.unsubscribeResource({ uri: STATIC_DOCUMENT });
  });

  it("sends each backend's updates only for what the client subscribed to there, until it unsubscribes", async () => {
    const updated: string[] = [];
    const dir = await harness.temp();
    const session = await harness.start(
      { backends: { everything: backends.everything(), memory: backends.memory(dir.file("memory.jsonl")) } },
      {
        setup: (client) =>
          client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => {
            updated.push(notification.params.uri);
          }),
      },
    );
    await session.client.subscribeResource({ uri: MEMORY_GRAPH });
    const entity = (name: string) => ({ entities: [{ name, entityType: "test", observations: [] }] });
    await session.client.callTool(use("memory", "create_entities", entity("first")));
    expect(await waitFor(() => updated.includes(MEMORY_GRAPH), 20_000)).to.equal(true);
    await session.client.unsubscribeResource({ uri: MEMORY_GRAPH });
    const seen = updated.length;
    await session.client.callTool(use("memory", "create_entities", entity("second")));
    // A round trip after the call: an update sent for it would have come before this answer.
    await session.client.callTool(use("memory", "read_graph"));
    expect(updated.length).to.equal(seen);
    expect(updated.every((uri) => uri === MEMORY_GRAPH)).to.equal(true);
  });

  it("pages a merged listing across two backends under its own cursors", async () => {
    const session = await harness.start({
      backends: { paged: paged("paged", 5), everything: backends.everything() },
    });
    const { resources, pages } = await listAllResources(session.client);
    const uris = resources.map((resource) => resource.uri);
    // The fixture's three pages (two, two and one item), everything's resources with its last one.
    expect(pages).to.equal(3);
    expect(uris.slice(0, 5)).to.deep.equal([1, 2, 3, 4, 5].map((index) => `fixture://paged/item/${index}`));
    expect(uris).to.include(STATIC_DOCUMENT);
    expect(new Set(uris).size).to.equal(uris.length);
    const read = await session.client.readResource({ uri: "fixture://paged/item/5" });
    expect(read.contents[0]).to.include({ text: "paged item 5" });
    const thing = await session.client.readResource({ uri: "fixture://paged/thing/x7" });
    expect(thing.contents[0]).to.include({ text: "paged thing x7" });
  });

  it("answers a cursor it did not give out with -32602", async () => {
    const session = await harness.start({ backends: { paged: paged("paged", 5) } });
    const first = await session.client.listResources();
    expect(first.nextCursor).to.be.a("string");
    for (const cursor of ["not-a-cursor", "eyJsIjoieCJ9", "%%%"]) {
      const error = await rejectionOf(session.client.listResources({ cursor }));
      expect(error.code).to.equal(-32602);
    }
    // A cursor of one listing is not one of another.
    const error = await rejectionOf(session.client.listResourceTemplates({ cursor: first.nextCursor! }));
    expect(error.code).to.equal(-32602);
  });

  it("refuses to choose between two backends that offer the same URI, naming both", async () => {
    const session = await harness.start({
      backends: { first: backends.everything(), second: backends.everything() },
    });
    const error = await rejectionOf(session.client.readResource({ uri: STATIC_DOCUMENT }));
    expect(error.code).to.equal(-32602);
    expect(error.message).to.include('"first"').and.include('"second"');
    expect(error.data).to.deep.equal({ uri: STATIC_DOCUMENT, backends: ["first", "second"] });
  });

  it("answers a URI no backend offers with resource not found (-32002)", async () => {
    const session = await harness.start({ backends: { everything: backends.everything() } });
    const error = await rejectionOf(session.client.readResource({ uri: "nowhere://nothing" }));
    expect(error.code).to.equal(-32002);
    expect(error.data).to.deep.equal({ uri: "nowhere://nothing" });
  });

  it("lists prompts as everything__<prompt> and gets one with arguments", async () => {
    const dir = await harness.temp();
    const session = await harness.start({
      backends: { everything: backends.everything(), memory: backends.memory(dir.file("memory.jsonl")) },
    });
    const { prompts } = await session.client.listPrompts();
    const names = prompts.map((prompt) => prompt.name);
    expect(names).to.include.members([
      "everything__simple-prompt",
      "everything__args-prompt",
      "everything__completable-prompt",
    ]);
    const args = prompts.find((prompt) => prompt.name === "everything__args-prompt");
    expect(args?.arguments?.map((argument) => argument.name)).to.deep.equal(["city", "state"]);
    const result = await session.client.getPrompt({
      name: "everything__args-prompt",
      arguments: { city: "Lisbon", state: "Estremadura" },
    });
    expect(result.messages[0]?.content).to.deep.equal({
      type: "text",
      text: "What's weather in Lisbon, Estremadura?",
    });
    const error = await rejectionOf(session.client.getPrompt({ name: "everything__no-such-prompt" }));
    expect(error.code).to.equal(-32602);
  });

  it("completes a prompt argument and a resource template variable through the gateway", async () => {
    const session = await harness.start({ backends: { everything: backends.everything() } });
    const prompt = await session.client.complete({
      ref: { type: "ref/prompt", name: "everything__completable-prompt" },
      argument: { name: "department", value: "S" },
    });
    expect(prompt.completion.values).to.deep.equal(["Sales", "Support"]);
    const dependent = await session.client.complete({
      ref: { type: "ref/prompt", name: "everything__completable-prompt" },
      argument: { name: "name", value: "" },
      context: { arguments: { department: "Engineering" } },
    });
    expect(dependent.completion.values).to.deep.equal(["Alice", "Bob", "Charlie"]);
    const template = await session.client.complete({
      ref: { type: "ref/resource", uri: TEXT_TEMPLATE },
      argument: { name: "resourceId", value: "7" },
    });
    expect(template.completion.values).to.deep.equal(["7"]);
  });

  it("relays resources, resource links, subscriptions, prompts and completion in aggregate mode too", async () => {
    let updated = 0;
    const session = await harness.start(
      { mode: "aggregate", backends: { everything: backends.everything() } },
      {
        setup: (client) =>
          client.setNotificationHandler(ResourceUpdatedNotificationSchema, () => {
            updated++;
          }),
      },
    );
    const { resources } = await listAllResources(session.client);
    expect(resources.map((resource) => resource.uri)).to.include(STATIC_DOCUMENT);
    expect((await listAllTemplates(session.client)).map((template) => template.uriTemplate)).to.include(
      TEXT_TEMPLATE,
    );
    const read = await session.client.readResource({ uri: STATIC_DOCUMENT });
    expect(read.contents[0]?.uri).to.equal(STATIC_DOCUMENT);
    // The tool is called by its aggregate name; the links it returns can be read.
    const result = await session.client.callTool({
      name: "everything__get-resource-links",
      arguments: { count: 1 },
    });
    const link = (result.content as { type: string; uri?: string }[]).find(
      (block) => block.type === "resource_link",
    );
    expect((await session.client.readResource({ uri: link!.uri! })).contents[0]?.uri).to.equal(link!.uri);
    await session.client.subscribeResource({ uri: STATIC_DOCUMENT });
    await session.client.callTool({ name: "everything__toggle-subscriber-updates", arguments: {} });
    try {
      expect(await waitFor(() => updated > 0, 20_000)).to.equal(true);
    } finally {
      await session.client.callTool({ name: "everything__toggle-subscriber-updates", arguments: {} });
    }
    const { prompts } = await session.client.listPrompts();
    expect(prompts.map((prompt) => prompt.name)).to.include("everything__args-prompt");
    const prompt = await session.client.getPrompt({
      name: "everything__args-prompt",
      arguments: { city: "Porto", state: "Norte" },
    });
    expect(prompt.messages[0]?.content).to.deep.equal({
      type: "text",
      text: "What's weather in Porto, Norte?",
    });
    const completion = await session.client.complete({
      ref: { type: "ref/prompt", name: "everything__completable-prompt" },
      argument: { name: "department", value: "S" },
    });
    expect(completion.completion.values).to.deep.equal(["Sales", "Support"]);
  });
});
