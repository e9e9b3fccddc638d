/**
 * What mcpware refuses in a managed `docker run` and the resource limits it adds. Access to the Docker engine is
 * root on the host (CIS Docker Benchmark 5.31): a backend that asks for the host's namespaces, every capability,
 * privileged mode or the engine's own socket could take the machine, so such a backend must be allowed by name.
 */
import path from "node:path";
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
const HOST_NAMESPACE_FLAGS = new Set(["pid", "network", "ipc", "uts", "userns", "cgroupns"]);

/** Where the Docker engine listens on a host: its socket, and the Windows named pipe. */
const ENGINE_ENDPOINTS = ["/var/run/docker.sock", "/run/docker.sock", "//./pipe/docker_engine"];

/**
 * True for a host path that is the Docker engine's socket or pipe, or a folder holding it (`/var/run`, `/`):
 * mounting either gives the container the engine. Any path ending in `docker.sock` counts too (rootless and
 * Docker Desktop sockets live elsewhere).
 */
function exposesDockerSocket(source: string): boolean {
  const slashed = source.replace(/\\/g, "/");
  const pipe = /^\/\/\.\/pipe\//i.test(slashed);
  let normalized = path.posix.normalize(slashed).toLowerCase();
  if (pipe) normalized = `/${normalized}`;
  if (normalized.length > 1) normalized = normalized.replace(/\/+$/, "");
  if (normalized.endsWith("/docker.sock") || normalized.endsWith("/pipe/docker_engine")) return true;
  return ENGINE_ENDPOINTS.some((endpoint) => normalized === "/" || endpoint.startsWith(`${normalized}/`));
}

/** The fields of a `--mount` value, read as Docker reads it (CSV: quotes allowed, the last key wins). */
function mountFields(value: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const raw of value.match(/(?:"[^"]*"|[^,])+/g) ?? []) {
    const part = raw.replace(/"/g, "");
    const equals = part.indexOf("=");
    const key = (equals === -1 ? part : part.slice(0, equals)).trim().toLowerCase();
    const item = equals === -1 ? "" : part.slice(equals + 1);
    // volume-opt=device=… (a local volume bound to a host path) names its host path too.
    if (key === "volume-opt" && item.toLowerCase().startsWith("device=")) fields.set("device", item.slice(7));
    else fields.set(key, item);
  }
  return fields;
}

/** The source of a `-v`/`--volume` value (`SRC:DST[:OPTS]`, Windows drive letters and pipes included). */
function volumeSource(value: string): string {
  const windows = /^([a-zA-Z]:[\\/][^:]*|\\\\[^:]*)/.exec(value);
  if (windows !== null) return windows[1]!;
  return value.split(":")[0] ?? "";
}

/** The host paths a `--mount` value binds: its source (`source`/`src`, the last one) and a volume's device. */
function mountSources(value: string): string[] {
  const fields = mountFields(value);
  const sources: string[] = [];
  const source = [...fields].filter(([key]) => key === "source" || key === "src").at(-1)?.[1];
  if (source !== undefined && (fields.get("type") ?? "volume") === "bind") sources.push(source);
  else if (source !== undefined && source.startsWith("/")) sources.push(source);
  const device = fields.get("device");
  if (device !== undefined) sources.push(device);
  return sources;
}

/**
 * The run options that give a container power over the host, as the user wrote them: `--privileged`,
 * `--pid=host` and the other host namespaces, `--cap-add=ALL`, and a volume or mount of the Docker socket.
 */
export function findPrivilegedDockerOptions(flags: readonly DockerFlag[]): string[] {
  const found: string[] = [];
  for (const { name, value } of flags) {
    if (name === "privileged" && value !== "false") found.push("--privileged");
    else if (HOST_NAMESPACE_FLAGS.has(name) && isHost(name, value)) found.push(`--${name}=${value}`);
    else if (name === "cap-add" && value?.toUpperCase().split(",").includes("ALL"))
      found.push(`--cap-add=${value}`);
    else if (name === "volume" && value !== undefined && exposesDockerSocket(volumeSource(value)))
      found.push(`--volume ${value} (the Docker socket)`);
    else if (name === "mount" && value !== undefined && mountSources(value).some(exposesDockerSocket))
      found.push(`--mount ${value} (the Docker socket)`);
  }
  return found;
}

/** `--network name=host` (the long syntax) is host networking too. */
function isHost(name: string, value: string | undefined): boolean {
  if (value === "host") return true;
  return name === "network" && value !== undefined && mountFields(value).get("name") === "host";
}

/**
 * The limit options to add: each of `--cpus`, `--memory` (`-m`) and `--pull` the user did not set. The user's
 * own CPU quota or period, or memory reservation or swap, is left to stand alone: Docker refuses them beside
 * `--cpus` or a smaller `--memory`.
 */
export function limitOptions(flags: readonly DockerFlag[], limits: DockerLimits): string[] {
  const has = (...names: string[]): boolean => flags.some((flag) => names.includes(flag.name));
  const added: string[] = [];
  if (!has("cpus", "cpu-quota", "cpu-period")) added.push("--cpus", limits.cpus);
  if (!has("memory", "memory-reservation", "memory-swap")) added.push("--memory", limits.memory);
  if (!has("pull")) added.push("--pull", limits.pull);
  return added;
}
