import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import type { Session } from "./helpers/e2e.js";
import { Harness, backends, textOf } from "./helpers/e2e.js";

/** The environment variable of the fixture backend that holds the secret. */
const SECRET_VARIABLE = "MCPWARE_TEST_SECRET";

/**
 * Collects every byte the gateway writes to stdout from now on, beside the SDK's own reader (which only
 * reports what it cannot parse through `onerror`).
 */
function tapStdout(session: Session): () => string {
  const child = (session.transport as unknown as { _process?: ChildProcess })._process;
  expect(child?.stdout, "the SDK transport's child process").to.not.equal(undefined);
  let stdout = "";
  child!.stdout!.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  return () => stdout;
}

/** Every complete stdout line is one JSON-RPC 2.0 message. */
function expectPureJsonRpc(stdout: string): void {
  const lines = stdout.split("\n");
  expect(lines.pop(), "stdout ends with a newline").to.equal("");
  expect(lines.length).to.be.greaterThan(0);
  for (const line of lines) {
    let message: unknown;
    expect(() => (message = JSON.parse(line)), line).to.not.throw();
    expect(message, line).to.have.property("jsonrpc", "2.0");
  }
}

describe("gateway logging (end to end)", function () {
  this.timeout(60_000);
  let harness: Harness;
  let canary: string;
  let secret: string;
  beforeEach(() => {
    harness = new Harness();
    canary = `argument-canary-${randomUUID()}`;
    secret = `secret-canary-${randomUUID()}`;
  });
  afterEach(async () => {
    await harness.dispose();
  });

  /** A gateway on one fixture backend that holds the secret in its env and writes it to its stderr. */
  async function start(env: Record<string, string>, args: string[] = []) {
    const session = await harness.start(
      {
        backends: {
          f: backends.fixture(["--stderr-env", SECRET_VARIABLE], { env: { [SECRET_VARIABLE]: secret } }),
        },
      },
      { env, args },
    );
    const errors: Error[] = [];
    session.client.onerror = (error) => errors.push(error);
    const stdout = tapStdout(session);
    // The argument comes back in the result; the second call carries the secret both ways.
    const echo = (text: string) =>
      session.client.callTool({
        name: "use_tool",
        arguments: { backend_server: "f", server_tool: "echo", tool_arguments: { text } },
      });
    const first = await echo(`say ${canary}`);
    expect(textOf(first)).to.equal(`say ${canary}`);
    const second = await echo(`leak ${secret}`);
    expect(second.isError).to.not.equal(true);
    // Closing waits for the gateway to exit, so all it wrote to stderr and stdout has been read.
    await session.close();
    return { stderr: session.stderr(), stdout: stdout(), errors };
  }

  it("at the default info level keeps tool arguments, results and secrets off stderr and stdout pure", async () => {
    const { stderr, stdout, errors } = await start({});
    // Something was logged at info, so the absences below are not those of an empty stream.
    expect(stderr).to.include("mcpware:gateway info ");
    expect(stderr).to.not.include(canary);
    expect(stderr).to.not.include(secret);
    expect(stderr).to.not.include("arguments=");
    expect(stderr).to.not.include("call f/echo");
    expect(errors).to.deep.equal([]);
    expectPureJsonRpc(stdout);
    expect(stdout).to.include(canary);
  });

  it("with DEBUG=mcpware:* logs each call's arguments and the backends' stderr, secrets masked", async () => {
    const { stderr, stdout, errors } = await start({ DEBUG: "mcpware:*" });
    // Debug-only lines: the call with its arguments, its result, and the backend's stderr.
    expect(stderr).to.include("call f/echo arguments=").and.to.include(canary);
    expect(stderr).to.match(/result f\/echo in [0-9]+ ms:/);
    expect(stderr).to.include(`env ${SECRET_VARIABLE}=***`);
    expect(stderr).to.include("leak ***");
    expect(stderr).to.not.include(secret);
    expect(errors).to.deep.equal([]);
    expectPureJsonRpc(stdout);
  });

  it("with --log-level debug masks the backend's secret everywhere on stderr", async () => {
    const { stderr, stdout, errors } = await start({}, ["--log-level", "debug"]);
    expect(stderr).to.include("call f/echo arguments=").and.to.include(canary);
    expect(stderr).to.include(`env ${SECRET_VARIABLE}=***`);
    expect(stderr).to.not.include(secret);
    expect(errors).to.deep.equal([]);
    expectPureJsonRpc(stdout);
  });
});
