import { isDockerRunCommand, sweepOrphanContainers } from "@mcpware/backend-pool";
import type { DockerSweepResult } from "@mcpware/backend-pool";
import type { Logger } from "./logger.js";
import type { GatewayConfig } from "./resolveConfig.js";

/**
 * The start-up sweep: when some backend is a managed `docker run`, removes the containers an earlier gateway
 * left behind (its owner process or container no longer runs: it was SIGKILLed). Runs in the background and
 * never delays `initialize`; resolves with the sweep's result, or undefined when no backend uses Docker.
 * Never rejects: problems are logged as warnings.
 */
export async function sweepDockerOrphans(
  config: GatewayConfig,
  logger: Logger,
): Promise<DockerSweepResult | undefined> {
  const usesDocker = config.backends.some(
    (backend) =>
      backend.spec !== undefined &&
      backend.spec.manageDocker !== false &&
      isDockerRunCommand(backend.spec.command, backend.spec.args ?? []),
  );
  if (!usesDocker) return undefined;
  const result = await sweepOrphanContainers();
  if (result.removed.length > 0) {
    logger.info(
      `removed ${result.removed.length} container(s) left by a gateway that no longer runs: ${result.removed.join(", ")}`,
    );
  }
  if (result.error !== undefined)
    logger.warn(`start-up sweep of leftover containers: ${result.error.message}`);
  return result;
}
