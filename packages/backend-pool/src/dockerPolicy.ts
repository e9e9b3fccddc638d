/**
 * What mcpware refuses in a managed `docker run` and the resource limits it adds. Access to the Docker engine is
 * root on the host (CIS Docker Benchmark 5.31): a backend that asks for the host's namespaces, every capability,
 * privileged mode or the engine's own socket could take the machine, so such a backend must be allowed by name.
 */
import type { DockerFlag } from "./dockerRunArgs.js";

/** Pull policies of `docker run --pull`. */
export type DockerPullPolicy = "never" | "missing" | "always";

/** Limits added to a managed `docker run` unless its own options set them. */
export interface DockerLimits {
  /** `--cpus`: CPUs the container may use. */
  cpus: string;
  /** `--memory`: e.g. `2g`, `512m`. */
  memory: string;
  /** `--pull`: `never` (the default) runs only images already present. */
  pull: DockerPullPolicy;
}

/** RELIABILITY §5's Docker baseline (docker/mcp-gateway's base arguments). */
export const DEFAULT_DOCKER_LIMITS: Readonly<DockerLimits> = Object.freeze({
  cpus: "1",
  memory: "2g",
  pull: "never",
});

export const DOCKER_PULL_POLICIES: readonly DockerPullPolicy[] = ["never", "missing", "always"];

/** Host namespaces a container may ask to share. */
const HOST_NAMESPACE_FLAGS = new Set(["pid", "network", "ipc", "uts", "userns"]);

/** True for a path naming the Docker engine's socket or Windows pipe. */
function isDockerSocket(source: string): boolean {
  const normalized = source.replace(/\\/g, "/").replace(/\/+/g, "/").toLowerCase();
  return normalized.endsWith("/docker.sock") || normalized.endsWith("/pipe/docker_engine");
}

/** The source of a `-v`/`--volume` value (`SRC:DST[:OPTS]`, Windows drive letters and pipes included). */
function volumeSource(value: string): string {
  const windows = /^([a-zA-Z]:[\\/][^:]*|\\\\[^:]*)/.exec(value);
  if (windows !== null) return windows[1]!;
  return value.split(":")[0] ?? "";
}

/** The source of a `--mount` value (`type=bind,source=SRC,…`; `src` and `source` spellings). */
function mountSource(value: string): string | undefined {
  for (const part of value.split(",")) {
    const [key, ...rest] = part.split("=");
    if (key === "source" || key === "src") return rest.join("=");
  }
  return undefined;
}

/**
 * The run options that give a container power over the host, as the user wrote them: `--privileged`,
 * `--pid=host` and the other host namespaces, `--cap-add=ALL`, and a volume or mount of the Docker socket.
 */
export function findPrivilegedDockerOptions(flags: readonly DockerFlag[]): string[] {
  const found: string[] = [];
  for (const { name, value } of flags) {
    if (name === "privileged" && value !== "false") found.push("--privileged");
    else if (HOST_NAMESPACE_FLAGS.has(name) && value === "host") found.push(`--${name}=host`);
    else if (name === "cap-add" && value?.toUpperCase().split(",").includes("ALL"))
      found.push(`--cap-add=${value}`);
    else if (name === "volume" && value !== undefined && isDockerSocket(volumeSource(value)))
      found.push(`--volume ${value} (the Docker socket)`);
    else if (name === "mount" && value !== undefined) {
      const source = mountSource(value);
      if (source !== undefined && isDockerSocket(source)) found.push(`--mount ${value} (the Docker socket)`);
    }
  }
  return found;
}

/** The limit options to add: each of `--cpus`, `--memory` (`-m`) and `--pull` the user did not set. */
export function limitOptions(flags: readonly DockerFlag[], limits: DockerLimits): string[] {
  const has = (name: string): boolean => flags.some((flag) => flag.name === name);
  const added: string[] = [];
  if (!has("cpus")) added.push("--cpus", limits.cpus);
  if (!has("memory")) added.push("--memory", limits.memory);
  if (!has("pull")) added.push("--pull", limits.pull);
  return added;
}
