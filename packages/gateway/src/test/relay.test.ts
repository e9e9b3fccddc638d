import { expect } from "chai";
import { readFile } from "node:fs/promises";
import { useHarness, useToolRequest, backends, recordWire, textOf, waitFor } from "./helpers/e2e.js";

describe("use_tool relaying (end to end)", function () {
  this.timeout(120_000);
  const harness = useHarness();

  const use = useToolRequest;

  it("gives each of 200 concurrent calls across 3 backends its own result", async () => {
    const session = await harness.start({
      backends: { everything: backends.everything(), a: backends.fixture(), b: backends.fixture() },
    });
    const names = ["everything", "a", "b"] as const;
    const calls = Array.from({ length: 200 }, (_, index) => {
      const backend = names[index % 3]!;
      const request =
        backend === "everything"
          ? use(backend, "echo", { message: `call ${index}` })
          : use(backend, "echo", { text: `call ${index} on ${backend}` });
      return session.client.callTool(request).then(textOf);
    });
    const results = await Promise.all(calls);
    results.forEach((text, index) => {
      const backend = names[index % 3]!;
      expect(text).to.equal(backend === "everything" ? `Echo: call ${index}` : `call ${index} on ${backend}`);
    });
  });

  it("relays progress from trigger-long-running-operation under the client's token, before the result", async () => {
    const session = await harness.start({ backends: { everything: backends.everything() } });
    const wire = recordWire(session);
    const result = await session.client.callTool(
      use("everything", "trigger-long-running-operation", { duration: 1, steps: 3 }),
      undefined,
      { onprogress: () => {} },
    );
    expect(textOf(result)).to.include("Long running operation completed");
    const request = wire.find(
      (record) => record.direction === "out" && record.message.method === "tools/call",
    )!;
    const token = (request.message.params as { _meta: { progressToken: number } })._meta.progressToken;
    expect(token).to.not.equal(undefined);
    // Wire order (the SDK dispatches notifications asynchronously and may drop one that races the result).
    const seen = wire
      .filter((record) => record.direction === "in")
      .map(({ message }) =>
        message.method === "notifications/progress"
          ? `progress ${JSON.stringify(message.params)}`
          : message.id === request.message.id
            ? "result"
            : "other",
      )
      .filter((event) => event !== "other");
    expect(seen).to.deep.equal([
      `progress {"progress":1,"total":3,"progressToken":${token}}`,
      `progress {"progress":2,"total":3,"progressToken":${token}}`,
      `progress {"progress":3,"total":3,"progressToken":${token}}`,
      "result",
    ]);
  });

  it("answers ping while trigger-long-running-operation runs", async () => {
    const session = await harness.start({ backends: { everything: backends.everything() } });
    const controller = new AbortController();
    let callSettled = false;
    let progressed!: () => void;
    const firstProgress = new Promise<void>((resolve) => {
      progressed = resolve;
    });
    const call = session.client
      .callTool(use("everything", "trigger-long-running-operation", { duration: 30, steps: 30 }), undefined, {
        onprogress: () => progressed(),
        signal: controller.signal,
      })
      .finally(() => {
        callSettled = true;
      });
    call.catch(() => {});
    await firstProgress;
    await session.client.ping();
    expect(callSettled).to.equal(false);
    controller.abort();
  });

  it("cancels the backend request when the client cancels", async () => {
    const dir = await harness.temp();
    const marker = dir.file("marker");
    const session = await harness.start({ backends: { f: backends.fixture(["--marker", marker]) } });
    const lines = async () => (await readFile(marker, "utf8").catch(() => "")).split("\n");
    const controller = new AbortController();
    const call = session.client
      .callTool(use("f", "slow", { ms: 60_000 }), undefined, { signal: controller.signal })
      .then(
        () => "resolved",
        () => "rejected",
      );
    expect(await waitFor(async () => (await lines()).includes("call slow"))).to.equal(true);
    controller.abort();
    expect(await call).to.equal("rejected");
    expect(await waitFor(async () => (await lines()).some((line) => line.startsWith("cancelled ")))).to.equal(
      true,
    );
    expect(textOf(await session.client.callTool(use("f", "echo", { text: "after" })))).to.equal("after");
  });
});
