import { isDockerRunCommand, parseDockerRunArgv, runDockerCli } from "@mcpware/backend-pool";
import type { BackendSpec } from "@mcpware/backend-pool";

/** Bound on `docker image inspect` (ms): pins are recorded without the digest when Docker is slower. */
const IMAGE_INSPECT_TIMEOUT_MS = 5_000;

/**
 * The image id (`sha256:…`) of a `docker run` backend's image as the engine knows it, or undefined when the
 * backend is not a `docker run`, or Docker cannot tell. Recorded with the backend's pins, so that a change of the
 * tools can be explained by a change of the image.
 */
export async function imageDigestOf(spec: BackendSpec | undefined): Promise<string | undefined> {
  if (spec === undefined || !isDockerRunCommand(spec.command, spec.args ?? [])) return undefined;
  const parsed = parseDockerRunArgv(spec.args ?? [])!;
  const image = spec.args![parsed.imageIndex]!;
  const result = await runDockerCli(["image", "inspect", "--format", "{{.Id}}", image], {
    dockerCommand: spec.command,
    globalArgs: parsed.globalArgs,
    timeoutMs: IMAGE_INSPECT_TIMEOUT_MS,
  });
  const id = result.stdout.trim();
  return result.error === undefined && /^sha256:[0-9a-f]{64}$/.test(id) ? id : undefined;
}
