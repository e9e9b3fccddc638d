import { removeDockerContainer } from "./dockerRun.js";
import type { PreparedDockerRun } from "./dockerRun.js";
import type { BackendProcessHost } from "./processHost.js";

/** `docker rm -f` of the backend's container (bounded inside `removeDockerContainer`); never rejects. */
export async function removeContainer(docker: PreparedDockerRun, host: BackendProcessHost): Promise<void> {
  try {
    await removeDockerContainer(docker.containerName, {
      dockerCommand: host.spec.command,
      env: host.env,
      globalArgs: docker.globalArgs,
    });
  } catch (error) {
    host.onDiagnostic({
      kind: "cleanup-error",
      message: `removing container ${docker.containerName} failed`,
      error: error as Error,
    });
  }
}
