import { Client } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { BIN, baseEnv, descendantsOf, killAll, waitForExit } from "./e2e.js";

/** How the SDK v2 client picks the era: probe and fall back (`auto`), or 2026-07-28 only (`pin`). */
export type Negotiation = "auto" | "pin";

export interface ModernSession {
  readonly client: Client;
  readonly stderr: () => string;
  /** Closes the client and fails when the gateway or one of its backends outlives it. */
  close(): Promise<void>;
}

/**
 * Connects the official SDK v2 client (`@modelcontextprotocol/client` 2.4.0) to a gateway on `configFile`,
 * negotiating the era as `negotiation` says. `setup` registers the client's handlers before it connects.
 */
export async function connectModern(
  configFile: string,
  negotiation: Negotiation,
  options: {
    capabilities?: Record<string, unknown>;
    setup?: (client: Client) => void;
    args?: string[];
  } = {},
): Promise<ModernSession> {
  const client = new Client(
    { name: "sdk-v2-test", version: "2.4.0" },
    {
      capabilities: options.capabilities ?? {},
      versionNegotiation: { mode: negotiation === "auto" ? "auto" : { pin: "2026-07-28" } },
    },
  );
  options.setup?.(client);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, "--config", configFile, ...(options.args ?? [])],
    env: baseEnv(),
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  await client.connect(transport, { timeout: 20_000 });
  return {
    client,
    stderr: () => stderr,
    async close() {
      const pid = transport.pid;
      const pids = pid === null ? [] : [pid, ...(await descendantsOf(pid))];
      await client.close();
      const alive = await waitForExit(pids);
      killAll(alive);
      if (alive.length > 0) throw new Error(`processes outlived the client: ${alive.join(", ")}`);
    },
  };
}
