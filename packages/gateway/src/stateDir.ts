import os from "node:os";
import path from "node:path";

/**
 * mcpware's state folder (pins, the process groups of running gateways): `$MCPWARE_STATE_DIR`, else
 * `$XDG_STATE_HOME/mcpware`, else `~/.local/state/mcpware` (on Windows `%LOCALAPPDATA%\mcpware\state`).
 */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MCPWARE_STATE_DIR) return path.resolve(env.MCPWARE_STATE_DIR);
  if (process.platform === "win32" && env.LOCALAPPDATA)
    return path.join(env.LOCALAPPDATA, "mcpware", "state");
  if (env.XDG_STATE_HOME) return path.join(env.XDG_STATE_HOME, "mcpware");
  return path.join(env.HOME ?? os.homedir(), ".local", "state", "mcpware");
}

/** Where each gateway records the process groups of its backends (see `sweepOrphanProcessGroups`). */
export function processGroupsDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(stateDir(env), "processes");
}
