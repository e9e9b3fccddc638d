import { expect } from "chai";
import type { ClientCapabilities } from "@mcpware/protocol";
import { relayedCapabilities } from "../clientRelay.js";

describe("relayedCapabilities", () => {
  it("copies sampling, elicitation and roots exactly as the client declared them", () => {
    const client: ClientCapabilities = {
      sampling: { tools: {}, context: { depth: 2 } },
      elicitation: { form: {}, url: {} },
      roots: { listChanged: true, vendor: "x" },
    };
    const relayed = relayedCapabilities(client);
    expect(relayed).to.deep.equal({
      sampling: { tools: {}, context: { depth: 2 } },
      elicitation: { form: {}, url: {} },
      roots: { listChanged: true, vendor: "x" },
    });
    expect(relayed).to.not.equal(client);
  });

  it("keeps empty capability objects", () => {
    expect(relayedCapabilities({ sampling: {}, elicitation: {}, roots: {} })).to.deep.equal({
      sampling: {},
      elicitation: {},
      roots: {},
    });
  });

  it("drops every other capability, experimental and tasks included", () => {
    const client: ClientCapabilities = {
      roots: { listChanged: false },
      experimental: { feature: {} },
      tasks: { list: {}, requests: { sampling: {} } },
      custom: { anything: 1 },
    };
    expect(relayedCapabilities(client)).to.deep.equal({ roots: { listChanged: false } });
  });

  it("declares nothing the client lacks", () => {
    expect(relayedCapabilities({ elicitation: { form: {} } })).to.deep.equal({ elicitation: { form: {} } });
    expect(relayedCapabilities({ experimental: {} })).to.deep.equal({});
    expect(relayedCapabilities({})).to.deep.equal({});
  });

  it("drops values that are not objects", () => {
    const client = {
      sampling: true,
      elicitation: null,
      roots: [{ listChanged: true }],
    } as unknown as ClientCapabilities;
    expect(relayedCapabilities(client)).to.deep.equal({});
    const mixed = {
      sampling: "yes",
      elicitation: 1,
      roots: { listChanged: true },
    } as unknown as ClientCapabilities;
    expect(relayedCapabilities(mixed)).to.deep.equal({ roots: { listChanged: true } });
  });

  it("returns {} for undefined", () => {
    expect(relayedCapabilities(undefined)).to.deep.equal({});
  });

  it("does not change the client's capabilities", () => {
    const client: ClientCapabilities = { sampling: {}, experimental: { a: {} } };
    relayedCapabilities(client);
    expect(client).to.deep.equal({ sampling: {}, experimental: { a: {} } });
  });
});
