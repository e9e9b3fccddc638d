import { sweepOrphanProcessGroups } from "@mcpware/backend-pool";
import type { ProcessSweepResult } from "@mcpware/backend-pool";
import type { Logger } from "./logger.js";

/**
 * The start-up sweep of plain-process backends left by a gateway that was killed: the process groups it
 * recorded in `dir` are stopped (SIGTERM, then SIGKILL) once its process is gone. Runs in the background and
 * never delays `initialize`; never rejects (problems are logged as warnings).
 */
export async function sweepOrphanProcesses(
  dir: string,
  logger: Logger,
): Promise<ProcessSweepResult | undefined> {
  try {
    const result = await sweepOrphanProcessGroups(dir);
    for (const { backend, pgid } of result.stopped) {
      logger.warn(
        `stopped backend ${backend} (process group ${pgid}), left running by a gateway that was killed`,
      );
    }
    (result.stopped.length > 0 ? logger.info : logger.debug).call(
      logger,
      `process-group sweep done: ${result.stopped.length} stopped, ${result.liveOwners} of running gateways left alone`,
    );
    return result;
  } catch (error) {
    logger.warn(`could not sweep the process groups left by killed gateways: ${String(error)}`);
    return undefined;
  }
}
