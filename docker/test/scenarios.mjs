// The container scenarios of docker/test.sh: the gateway image started the way Claude Desktop starts it,
// driven by the official SDK client over `docker run -i`, with backends as sibling containers through the
// mounted socket. Exits non-zero on the first failed expectation. Inputs come from docker/test.sh:
// MCPWARE_TEST_RUN_ID, MCPWARE_TEST_GATEWAY_IMAGE, MCPWARE_TEST_BACKEND_IMAGE, MCPWARE_TEST_SOCKET,
// MCPWARE_TEST_WORK (a temp folder), and DOCKER_HOST for the docker CLI of this machine.
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const run = promisify(execFile);
const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run docker/test.sh`);
  return value;
};
const RUN_ID = env("MCPWARE_TEST_RUN_ID");
const GATEWAY_IMAGE = env("MCPWARE_TEST_GATEWAY_IMAGE");
const BACKEND_IMAGE = env("MCPWARE_TEST_BACKEND_IMAGE");
const SOCKET = env("MCPWARE_TEST_SOCKET");
const WORK = env("MCPWARE_TEST_WORK");
const TEST_LABEL = `io.mcpware.test=${RUN_ID}`;
// Generous: a vfs engine on a shared machine is slow to create containers.
const CLEANUP_DEADLINE_MS = 30_000;
const CALL_TIMEOUT_MS = 120_000;

const log = (message) => process.stderr.write(`[docker-test] ${message}\n`);

function check(condition, message) {
  if (!condition) throw new Error(`expectation failed: ${message}`);
}

async function docker(...args) {
  const { stdout } = await run("docker", args, { maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

/** Containers of this test run: gateways (labelled by the test) and backends (from the backend image). */
async function testContainers() {
  const gateways = await docker("ps", "-a", "--filter", `label=${TEST_LABEL}`, "--format", "{{.Names}}");
  const backends = await docker(
    "ps",
    "-a",
    "--filter",
    `ancestor=${BACKEND_IMAGE}`,
    "--format",
    "{{.Names}}",
  );
  return [...gateways.split("\n"), ...backends.split("\n")].filter((name) => name !== "");
}

async function backendContainers(backend) {
  const names = await docker(
    "ps",
    "-a",
    "--filter",
    `ancestor=${BACKEND_IMAGE}`,
    "--filter",
    `label=io.mcpware.backend=${backend}`,
    "--format",
    "{{.Names}}",
  );
  return names.split("\n").filter((name) => name !== "");
}

async function waitFor(description, predicate, deadlineMs = CLEANUP_DEADLINE_MS) {
  const start = Date.now();
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() - start > deadlineMs) throw new Error(`timed out waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function textOf(result) {
  return result.content
    .filter((item) => item.type === "text")
    .map((item) => item.text)
    .join("\n");
}

const backendArgs = (...extra) => ["run", "-i", "--rm", "--network", "none", ...extra, BACKEND_IMAGE];
const config = {
  backends: {
    echo: { command: "docker", args: backendArgs(), description: "a test server in a container" },
    sticky: {
      command: "docker",
      args: backendArgs("-e", "MCPWARE_TEST_IGNORE_EOF=1"),
      description: "a test server that ignores the end of its stdin",
    },
  },
};
const configPath = join(WORK, "config.json");

function gatewayRunArgs(name, ...extra) {
  return [
    "run",
    "-i",
    "--rm",
    "--name",
    name,
    "--label",
    TEST_LABEL,
    "--network",
    "none",
    "-v",
    `${configPath}:/app/config.json:ro`,
    ...extra,
    GATEWAY_IMAGE,
  ];
}

/** Starts the gateway container as Claude Desktop would and connects the SDK client to it. */
async function connect(name) {
  const stderr = [];
  const transport = new StdioClientTransport({
    command: "docker",
    args: [
      ...gatewayRunArgs(name, "-v", `${SOCKET}:/var/run/docker.sock`),
      // The gateway's own arguments come after the image: the entrypoint supplies --config.
      "--log-level",
      "info",
    ],
    env: { ...process.env },
    stderr: "pipe",
  });
  transport.stderr?.on("data", (chunk) => stderr.push(chunk.toString()));
  const client = new Client({ name: "mcpware-docker-test", version: "1.0.0" });
  try {
    await client.connect(transport, { timeout: CALL_TIMEOUT_MS });
  } catch (error) {
    log(`gateway ${name} stderr:\n${stderr.join("")}`);
    throw error;
  }
  return { client, stderr };
}

async function useTool(client, backend, tool, args = {}) {
  const result = await client.callTool(
    { name: "use_tool", arguments: { backend_server: backend, server_tool: tool, tool_arguments: args } },
    undefined,
    { timeout: CALL_TIMEOUT_MS },
  );
  check(!result.isError, `use_tool ${backend}/${tool} succeeded: ${textOf(result)}`);
  return result;
}

async function scenarioDiscoveryAndUseTool() {
  log("1. gateway container + SDK client: discovery and use_tool on a docker run backend");
  const name = `mcpware-test-gw-${RUN_ID}-1`;
  const { client, stderr } = await connect(name);
  try {
    const tools = await client.listTools();
    const names = tools.tools.map((tool) => tool.name).sort();
    check(
      names.includes("discover_backend_tools") && names.includes("use_tool"),
      `the meta-tools are listed (${names})`,
    );

    const discovery = await client.callTool(
      { name: "discover_backend_tools", arguments: { backend_name: "echo" } },
      undefined,
      { timeout: CALL_TIMEOUT_MS },
    );
    const discovered = textOf(discovery);
    check(!discovery.isError, `discovery of echo succeeded: ${discovered}`);
    check(
      /^### echo\b/m.test(discovered) && discovered.includes("where"),
      "discovery lists the backend's tools",
    );

    const echoed = await useTool(client, "echo", "echo", { text: "hello through two containers" });
    check(
      textOf(echoed) === "hello through two containers",
      `use_tool returns the backend's text (${textOf(echoed)})`,
    );

    // The backend is a sibling container, named and labelled by the gateway, owned by the gateway's container.
    const [backend] = await backendContainers("echo");
    check(backend !== undefined, "the echo backend runs as a container");
    check(backend.startsWith("mcpware-"), `the backend container has a gateway-made name (${backend})`);
    const [inspected] = JSON.parse(await docker("inspect", backend));
    const gatewayId = await docker("inspect", "--format", "{{.Id}}", name);
    check(inspected.HostConfig.Init === true, "the backend container runs with --init");
    check(inspected.HostConfig.AutoRemove === true, "the backend container runs with --rm");
    // RELIABILITY §5's baseline, added by the gateway: one CPU, 2 GiB, never pulled.
    check(
      inspected.HostConfig.NanoCpus === 1e9,
      `the backend container has --cpus 1 (${inspected.HostConfig.NanoCpus})`,
    );
    check(
      inspected.HostConfig.Memory === 2 * 1024 ** 3,
      `the backend container has --memory 2g (${inspected.HostConfig.Memory})`,
    );
    check(
      inspected.HostConfig.SecurityOpt?.includes("no-new-privileges"),
      "the backend container runs with no-new-privileges",
    );
    check(inspected.Config.Labels["io.mcpware.instance"], "the backend container carries the instance label");
    check(
      inspected.Config.Labels["io.mcpware.owner-container"] === gatewayId,
      "the owner label names the gateway's own container",
    );
    const where = await useTool(client, "echo", "where");
    check(inspected.Id.startsWith(textOf(where)), "use_tool reached the process inside that container");

    // A second backend that ignores the end of its stdin: only the stop ladder and `docker rm -f` remove it.
    await useTool(client, "sticky", "echo", { text: "sticky" });
    check((await backendContainers("sticky")).length === 1, "the sticky backend runs as a container");
  } catch (error) {
    log(`gateway stderr:\n${stderr.join("")}`);
    throw error;
  } finally {
    log("2. the client disconnects: no container of the test may remain");
    await client.close();
  }
  await waitFor("no container of the test after the client disconnected", async () => {
    const left = await testContainers();
    return left.length === 0;
  }).catch(async (error) => {
    throw new Error(`${error.message}: still there: ${(await testContainers()).join(", ")}`);
  });
}

async function scenarioKilledGatewayLeavesContainerThatTheNextStartRemoves() {
  log("3. the gateway container is SIGKILLed: the backend that ignores EOF is left behind");
  const first = `mcpware-test-gw-${RUN_ID}-2`;
  const { client } = await connect(first);
  await useTool(client, "sticky", "echo", { text: "still here" });
  const [leftover] = await backendContainers("sticky");
  check(leftover !== undefined, "the sticky backend runs as a container");
  await docker("kill", first);
  await client.close();
  await waitFor("the killed gateway's container to be gone", async () => {
    const gateways = await docker("ps", "-a", "--filter", `name=${first}`, "--format", "{{.Names}}");
    return gateways === "";
  });
  // Give the engine the time it takes to close the backend's stdin; the backend must still be running after.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const running = await docker("inspect", "--format", "{{.State.Running}}", leftover);
  check(running === "true", `the backend container ${leftover} is left running after the gateway was killed`);

  log("3. the next gateway start removes the leftover container");
  const second = `mcpware-test-gw-${RUN_ID}-3`;
  const next = await connect(second);
  try {
    await waitFor(`the leftover ${leftover} to be removed by the next gateway`, async () => {
      const names = await docker("ps", "-a", "--filter", `name=${leftover}`, "--format", "{{.Names}}");
      return names === "";
    });
  } catch (error) {
    log(`gateway stderr:\n${next.stderr.join("")}`);
    throw error;
  } finally {
    await next.client.close();
  }
  await waitFor(
    "no container of the test after scenario 3",
    async () => (await testContainers()).length === 0,
  );
}

async function runDoctor(withSocket) {
  const args = gatewayRunArgs(
    `mcpware-test-doctor-${RUN_ID}-${withSocket ? "a" : "b"}`,
    ...(withSocket ? ["-v", `${SOCKET}:/var/run/docker.sock`] : []),
  );
  try {
    const { stdout } = await run("docker", [...args, "doctor"]);
    return { code: 0, stdout };
  } catch (error) {
    if (typeof error.code !== "number") throw error;
    return { code: error.code, stdout: error.stdout };
  }
}

async function scenarioDoctor() {
  log("4. mcpware doctor in the image: passes with the socket, fails clearly without it");
  const passing = await runDoctor(true);
  check(
    passing.code === 0,
    `doctor passes with the socket mounted (status ${passing.code}):\n${passing.stdout}`,
  );
  check(/✓\s+docker socket/.test(passing.stdout), "doctor shows the socket as ✓");
  check(/✓\s+docker engine/.test(passing.stdout), "doctor shows the engine as reachable");

  const failing = await runDoctor(false);
  check(failing.code !== 0, `doctor fails without the socket:\n${failing.stdout}`);
  check(
    /✗\s+docker socket\s+\/var\/run\/docker\.sock not found/.test(failing.stdout),
    `doctor names the missing socket:\n${failing.stdout}`,
  );
  check(/✗\s+docker engine/.test(failing.stdout), "doctor shows the engine as unreachable");
}

async function main() {
  await writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`);
  check((await testContainers()).length === 0, "no container of this run exists before the scenarios");
  await scenarioDiscoveryAndUseTool();
  await scenarioKilledGatewayLeavesContainerThatTheNextStartRemoves();
  await scenarioDoctor();
  log("scenarios 1-4 passed");
}

main().catch((error) => {
  process.stderr.write(`[docker-test] ${error.stack ?? error}\n`);
  process.exitCode = 1;
});
