import { expect } from "chai";
import fc from "fast-check";
import { RequestError, RequestErrorCode } from "../requestError.js";
import { createConnectionPair } from "./fixtures/connectionPair.js";

/** A guard against hangs, not a performance bound: property runs are slow on a loaded machine. */
const PROPERTY_TEST_TIMEOUT_MS = 120_000;

describe("createMcpConnection under any order of replies and aborts", function () {
  this.timeout(PROPERTY_TEST_TIMEOUT_MS);

  it("settles each request with its own result, or with ERR_REQUEST_ABORTED only when it was aborted", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.record({ abort: fc.boolean(), value: fc.integer() }), { minLength: 1, maxLength: 8 }),
        async (scheduler, specs) => {
          const pair = createConnectionPair();
          try {
            pair.client.listen();
            pair.server.listen();
            const cancelledAtServer = new Set<number>();
            pair.server.onRequest("work", async (params, context) => {
              const { i, value } = params as { i: number; value: number };
              context.signal.addEventListener("abort", () => cancelledAtServer.add(i));
              await scheduler.schedule(Promise.resolve(), `reply ${i}`);
              return { i, value };
            });
            const controllers = specs.map(() => new AbortController());
            const requests = specs.map((spec, i) =>
              pair.client.sendRequest("work", { i, value: spec.value }, { signal: controllers[i]!.signal }),
            );
            specs.forEach((spec, i) => {
              if (spec.abort)
                void scheduler.schedule(Promise.resolve(), `abort ${i}`).then(() => controllers[i]!.abort());
            });
            const outcomes = await scheduler.waitFor(Promise.allSettled(requests));
            await scheduler.waitIdle();

            outcomes.forEach((outcome, i) => {
              if (outcome.status === "fulfilled") {
                expect(outcome.value).to.deep.equal({ i, value: specs[i]!.value });
              } else {
                expect(specs[i]!.abort, `request ${i} rejected without an abort`).to.equal(true);
                expect(outcome.reason).to.be.instanceOf(RequestError);
                expect((outcome.reason as RequestError).code).to.equal(RequestErrorCode.Aborted);
              }
            });
            for (const i of cancelledAtServer) expect(specs[i]!.abort).to.equal(true);
            // Late replies and crossing cancellations leave the connection usable.
            pair.server.onRequest("ping", () => ({}));
            expect(await pair.client.sendRequest("ping")).to.deep.equal({});
          } finally {
            pair.dispose();
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
