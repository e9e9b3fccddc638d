import { writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Seconds the gateway waits for one backend request; generous because 5 MiB echoes run on a busy machine. */
export const BACKEND_TIMEOUT_S = 120;

/** The names the bench gives its backends: `everything-01`, `everything-02`, … */
export function backendNames(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `everything-${String(index + 1).padStart(2, "0")}`);
}

/**
 * Writes a gateway config (the keyed `backends` form) with `count` server-everything backends into `directory`
 * and returns its path. `extra` is merged into every backend's entry (e.g. `{ maxInFlight: 2048 }`) and named
 * by `label` in the file name. The file lives in a temp folder created at run time, so absolute paths are fine.
 */
export async function writeGatewayConfig(
  directory: string,
  everythingEntry: string,
  count: number,
  extra: { readonly label: string; readonly fields: Record<string, unknown> } | undefined = undefined,
): Promise<string> {
  const backends: Record<string, unknown> = {};
  for (const [index, name] of backendNames(count).entries()) {
    backends[name] = {
      command: process.execPath,
      args: [everythingEntry, "stdio"],
      env: {},
      description: `server-everything #${index + 1} (benchmark backend)`,
      timeout: BACKEND_TIMEOUT_S,
      ...extra?.fields,
    };
  }
  const suffix = extra === undefined ? "" : `-${extra.label}`;
  const path = join(directory, `gateway-${count}-backends${suffix}.json`);
  await writeFile(path, `${JSON.stringify({ backends }, null, 2)}\n`);
  return path;
}
