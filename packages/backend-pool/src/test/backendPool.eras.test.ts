import { expect } from "chai";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { MODERN_PROTOCOL_VERSION, MetaKey } from "@mcpware/protocol";
import { eraCacheKey } from "../eraCache.js";
import type { BackendDiagnosticEvent, BackendSpec } from "../types.js";
import { fixtureSpec } from "./helpers/fixtures.js";
import { usePoolHarness } from "./helpers/poolHarness.js";
import { recordedMessages, recordedMethods } from "./helpers/recorded.js";

const CLIENT_INFO = { name: "era-test", version: "1.2.3" };
const CAPABILITIES = { elicitation: { form: {} } };
const LEGACY_HANDSHAKE = ["initialize", "notifications/initialized"];

describe("BackendPool era detection", () => {
  const harness = usePoolHarness();
  let dir: string;
  let cacheFile: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "mcpware-eras-"));
    cacheFile = path.join(dir, "cache", "eras.json");
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const createPool = (options: { diagnostics?: BackendDiagnosticEvent[] } = {}) =>
    harness.create({
      clientInfo: CLIENT_INFO,
      clientCapabilities: CAPABILITIES,
      eraCacheFile: cacheFile,
      onDiagnostic: (event) => options.diagnostics?.push(event),
    });
  const legacy = (name: string, ...flags: string[]): { spec: BackendSpec; file: string } => {
    const file = path.join(dir, `${name}.jsonl`);
    return { spec: fixtureSpec("recordsMessages", { name, argv: [file, ...flags] }), file };
  };
  const modern = (name: string): { spec: BackendSpec; file: string } => {
    const file = path.join(dir, `${name}.jsonl`);
    return { spec: fixtureSpec("modernServer", { name, argv: [file] }), file };
  };
  const storedEras = async (): Promise<Record<string, { era: string }>> =>
    (JSON.parse(await readFile(cacheFile, "utf8")) as { eras: Record<string, { era: string }> }).eras;

  it("finds a modern backend with server/discover alone: no initialize on the wire", async () => {
    const pool = createPool();
    const backend = modern("modern");
    pool.add(backend.spec);
    const info = await pool.start("modern");
    expect(info).to.include({ era: "modern", protocolVersion: MODERN_PROTOCOL_VERSION, restarts: 0 });
    expect(info.instructions).to.equal("A modern fixture.");
    expect(info.serverInfo).to.deep.include({ name: "modernServer", version: "2.4.0" });
    expect(info.capabilities).to.deep.include({ tools: { listChanged: true }, logging: {} });
    await pool.request("modern", "tools/list", {});
    expect(await recordedMethods(backend.file)).to.deep.equal([
      "server/discover",
      "subscriptions/listen",
      "tools/list",
    ]);
    const [discover] = await recordedMessages(backend.file);
    expect(discover?.params).to.deep.equal({
      _meta: {
        [MetaKey.ProtocolVersion]: MODERN_PROTOCOL_VERSION,
        [MetaKey.ClientCapabilities]: CAPABILITIES,
        [MetaKey.ClientInfo]: CLIENT_INFO,
      },
    });
    expect(harness.pids.size).to.equal(1);
  });

  it("falls back to initialize on the same process when a legacy backend refuses server/discover", async () => {
    const pool = createPool();
    const backend = legacy("legacy");
    pool.add(backend.spec);
    expect(pool.info("legacy").era).to.equal(undefined);
    const info = await pool.start("legacy");
    expect(info).to.include({ era: "legacy", restarts: 0 });
    expect(info.protocolVersion).to.not.equal(MODERN_PROTOCOL_VERSION);
    expect(harness.pids.size, "one process").to.equal(1);
    // A request answered after the start: everything sent before it is recorded.
    await pool.request("legacy", "echo", {});
    expect(await recordedMethods(backend.file)).to.deep.equal([
      "server/discover",
      ...LEGACY_HANDSHAKE,
      "echo",
    ]);
  });

  it("takes a backend that stays silent on server/discover for legacy once the probe times out", async () => {
    const pool = createPool();
    const backend = legacy("silent", "--ignore-discover");
    // The probe waits at most half the start deadline.
    pool.add({ ...backend.spec, startTimeoutMs: 2_000 });
    const info = await pool.start("silent");
    expect(info).to.include({ era: "legacy", restarts: 0 });
    expect(harness.pids.size, "one process").to.equal(1);
    await pool.request("silent", "echo", {});
    const methods = await recordedMethods(backend.file);
    expect(methods[0]).to.equal("server/discover");
    expect(methods.slice(-3)).to.deep.equal([...LEGACY_HANDSHAKE, "echo"]);
  });

  it("restarts a backend that exits on server/discover once, as legacy, and never probes it again", async () => {
    const pool = createPool();
    const backend = legacy("exits", "--exit-on-discover");
    pool.add(backend.spec);
    expect(await pool.request("exits", "echo", { n: 1 })).to.deep.equal({ echo: { n: 1 } });
    expect(pool.info("exits")).to.include({ era: "legacy", restarts: 1, state: "ready" });
    expect(harness.pids.size, "the probed process and its replacement").to.equal(2);
    // A new start of the same command (same pool): no probe, no extra restart.
    await pool.replace(backend.spec);
    expect(await pool.request("exits", "echo", { n: 2 })).to.deep.equal({ echo: { n: 2 } });
    expect(pool.info("exits")).to.include({ era: "legacy", restarts: 0 });
    expect(harness.pids.size).to.equal(3);
    expect(await recordedMethods(backend.file)).to.deep.equal([
      "server/discover",
      ...LEGACY_HANDSHAKE,
      "echo",
      ...LEGACY_HANDSHAKE,
      "echo",
    ]);
  });

  it("remembers the verdicts in the cache file: a later pool probes nothing", async () => {
    const old = legacy("legacy");
    const now = modern("modern");
    const first = createPool();
    first.add(old.spec);
    first.add(now.spec);
    await Promise.all([first.start("legacy"), first.start("modern")]);
    await first.close();
    expect(Object.values(await storedEras()).map((entry) => entry.era)).to.have.members(["legacy", "modern"]);

    const second = createPool();
    second.add(old.spec);
    second.add(now.spec);
    await Promise.all([second.start("legacy"), second.start("modern")]);
    expect(second.info("legacy").era).to.equal("legacy");
    expect(second.info("modern").era).to.equal("modern");
    await second.request("modern", "tools/list", {});
    await second.request("legacy", "echo", {});
    expect(await recordedMethods(old.file)).to.deep.equal([
      "server/discover",
      ...LEGACY_HANDSHAKE,
      // The second pool's process: initialize at once.
      ...LEGACY_HANDSHAKE,
      "echo",
    ]);
    expect(await recordedMethods(now.file)).to.deep.equal([
      "server/discover",
      "subscriptions/listen",
      // The second pool's process: discover is its handshake, once.
      "server/discover",
      "subscriptions/listen",
      "tools/list",
    ]);
  });

  it("ignores a damaged cache file and replaces it", async () => {
    const diagnostics: BackendDiagnosticEvent[] = [];
    await mkdir(path.dirname(cacheFile), { recursive: true });
    await writeFile(cacheFile, "{ this is not json");
    const pool = createPool({ diagnostics });
    const backend = legacy("legacy");
    pool.add(backend.spec);
    expect(await pool.start("legacy")).to.include({ era: "legacy" });
    await pool.close();
    expect(diagnostics.map((event) => event.kind)).to.include("cache-error");
    expect(Object.values(await storedEras()).map((entry) => entry.era)).to.deep.equal(["legacy"]);
    expect(await recordedMethods(backend.file)).to.deep.equal(["server/discover", ...LEGACY_HANDSHAKE]);
  });

  it("never lets an unwritable cache file stop a backend", async () => {
    // Its folder would have to be made inside a regular file.
    const blocker = path.join(dir, "blocker");
    await writeFile(blocker, "");
    const diagnostics: BackendDiagnosticEvent[] = [];
    const pool = harness.create({
      eraCacheFile: path.join(blocker, "eras.json"),
      onDiagnostic: (event) => diagnostics.push(event),
    });
    pool.add(legacy("legacy").spec);
    expect(await pool.request("legacy", "echo", {})).to.deep.equal({ echo: {} });
    await pool.close();
    expect(diagnostics.filter((event) => event.kind === "cache-error")).to.have.length.greaterThan(0);
  });

  it("falls back to initialize on the same process when a backend cached as modern refuses discover", async () => {
    const backend = legacy("legacy");
    const key = eraCacheKey(backend.spec.command, backend.spec.args!);
    await mkdir(path.dirname(cacheFile), { recursive: true });
    await writeFile(cacheFile, JSON.stringify({ version: 1, eras: { [key]: { era: "modern", at: 1 } } }));
    const pool = createPool();
    pool.add(backend.spec);
    expect(await pool.start("legacy")).to.include({ era: "legacy", restarts: 0 });
    await pool.close();
    expect(harness.pids.size).to.equal(1);
    expect(await recordedMethods(backend.file)).to.deep.equal(["server/discover", ...LEGACY_HANDSHAKE]);
    expect((await storedEras())[key]?.era).to.equal("legacy");
  });

  it("forgets a modern verdict when that start fails, so the next start probes again", async () => {
    // The same command now runs a legacy release that exits on server/discover (`npx pkg`, `image:latest`).
    const backend = legacy("changed", "--exit-on-discover");
    const key = eraCacheKey(backend.spec.command, backend.spec.args!);
    await mkdir(path.dirname(cacheFile), { recursive: true });
    await writeFile(cacheFile, JSON.stringify({ version: 1, eras: { [key]: { era: "modern", at: 1 } } }));
    const pool = createPool();
    pool.add(backend.spec);
    let failure: unknown;
    await pool.start("changed").catch((error: unknown) => (failure = error));
    expect(failure, "the start planned as modern fails").to.be.instanceOf(Error);
    await pool.close();
    expect((await storedEras())[key], "the verdict is forgotten").to.equal(undefined);
    // A later pool probes: the backend exits on the probe, runs once more as legacy, and is remembered so.
    const later = createPool();
    later.add(backend.spec);
    expect(await later.start("changed")).to.include({ era: "legacy", state: "ready" });
    await later.close();
    expect((await storedEras())[key]?.era).to.equal("legacy");
  });
});
