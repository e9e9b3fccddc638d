import type { McpConnection } from "@mcpware/protocol";
import { expect } from "chai";
import { createLogger } from "../logger.js";
import { ResourceSubscriptions } from "../resourceSubscriptions.js";

/** A stand-in client connection: only its identity matters here. */
const client = (): McpConnection => ({}) as McpConnection;

describe("ResourceSubscriptions", () => {
  const logger = createLogger({ level: "error" });

  it("never unsubscribes a backend after a newer subscription to the same URI", async () => {
    const sent: string[] = [];
    let acceptFirst!: () => void;
    let calls = 0;
    const subscriptions = new ResourceSubscriptions((backend, method, uri) => {
      sent.push(`${method} ${backend} ${uri}`);
      calls++;
      return calls === 1 ? new Promise<void>((resolve) => (acceptFirst = resolve)) : Promise.resolve();
    }, logger);
    const a = client();
    const cancel = new AbortController();
    const first = subscriptions.subscribe(a, "x://1", "b1", cancel.signal).catch(() => "cancelled");
    cancel.abort(new Error("client A cancelled"));
    expect(await first).to.equal("cancelled");
    const b = client();
    await subscriptions.subscribe(b, "x://1", "b1", new AbortController().signal);
    acceptFirst();
    // Let the first subscription's release run to its end.
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).to.deep.equal(["resources/subscribe b1 x://1", "resources/subscribe b1 x://1"]);
    expect([...subscriptions.receivers("b1", "x://1")]).to.deep.equal([b]);
  });

  it("moves the subscribed clients along when another backend serves the URI now", async () => {
    const subscriptions = new ResourceSubscriptions(() => Promise.resolve(), logger);
    const a = client();
    const b = client();
    await subscriptions.subscribe(a, "x://1", "b1", new AbortController().signal);
    await subscriptions.subscribe(b, "x://1", "b2", new AbortController().signal);
    expect(new Set(subscriptions.receivers("b2", "x://1"))).to.deep.equal(new Set([a, b]));
    expect(subscriptions.receivers("b1", "x://1").size).to.equal(0);
  });
});
