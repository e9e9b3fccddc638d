import { DEFAULT_MAX_MESSAGE_BYTES, MAX_TIMER_MS } from "@mcpware/protocol";
import {
  DEFAULT_DOCKER_START_TIMEOUT_MS,
  DEFAULT_MAX_CALL_DURATION_MS,
  DEFAULT_MAX_IN_FLIGHT,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_START_TIMEOUT_MS,
} from "./defaults.js";
import { DEFAULT_DOCKER_LIMITS, DOCKER_PULL_POLICIES, findPrivilegedDockerOptions } from "./dockerPolicy.js";
import type { DockerLimits } from "./dockerPolicy.js";
import { isDockerCommand, parseDockerRunArgv } from "./dockerRunArgs.js";
import { resolveRestartPolicy } from "./restartGovernor.js";
import type { ResolvedRestartPolicy } from "./restartGovernor.js";
import type { BackendSpec } from "./types.js";

const MAX_NAME_LENGTH = 128;

/** A validated spec with every default filled in. */
export interface ResolvedBackendSpec {
  name: string;
  command: string;
  args: readonly string[];
  env: ReadonlyMap<string, string>;
  cwd: string | undefined;
  description: string | undefined;
  timeoutMs: number;
  maxCallDurationMs: number;
  startTimeoutMs: number;
  idleTimeoutMs: number | undefined;
  restart: ResolvedRestartPolicy;
  inheritEnv: boolean;
  maxMessageBytes: number;
  maxInFlight: number;
  manageDocker: boolean;
  /** The limits added to a managed `docker run`. */
  dockerLimits: DockerLimits;
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value == null) return String(value);
  return Array.isArray(value) ? "an array" : `a ${typeof value}`;
}

function bad(field: string, value: unknown, expected: string): TypeError {
  return new TypeError(`backend spec: "${field}" must be ${expected}, got ${describe(value)}`);
}

function checkString(
  field: string,
  value: unknown,
  options: { optional?: boolean; nonEmpty?: boolean } = {},
) {
  if (value === undefined && options.optional === true) return;
  if (typeof value !== "string" || value.includes("\0") || (options.nonEmpty === true && value === "")) {
    throw bad(
      field,
      value,
      options.nonEmpty === true ? "a non-empty string without NUL" : "a string without NUL",
    );
  }
}

function checkMs(field: string, value: unknown, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== "number" ||
    !Number.isFinite(value) ||
    value < 0 ||
    (!allowZero && value === 0) ||
    value > MAX_TIMER_MS
  ) {
    throw bad(
      field,
      value,
      `a ${allowZero ? "non-negative" : "positive"} number of milliseconds up to ${MAX_TIMER_MS}`,
    );
  }
  return value;
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/**
 * Validate a spec and fill its defaults. Throws a TypeError naming the field and the bad value. Unknown
 * fields are ignored.
 */
export function normalizeSpec(spec: BackendSpec): ResolvedBackendSpec {
  if (typeof spec !== "object" || spec === null) throw bad("spec", spec, "an object");
  const name: unknown = spec.name;
  if (
    typeof name !== "string" ||
    name.trim() === "" ||
    name.length > MAX_NAME_LENGTH ||
    hasControlCharacter(name)
  ) {
    throw bad(
      "name",
      name,
      `a non-empty string of at most ${MAX_NAME_LENGTH} characters without control characters`,
    );
  }
  checkString("command", spec.command, { nonEmpty: true });
  const args: unknown = spec.args ?? [];
  if (!Array.isArray(args)) throw bad("args", args, "an array of strings");
  args.forEach((arg, index) => checkString(`args[${index}]`, arg));
  const env = new Map<string, string>();
  if (spec.env !== undefined) {
    if (typeof spec.env !== "object" || spec.env === null || Array.isArray(spec.env)) {
      throw bad("env", spec.env, "an object of strings");
    }
    for (const [key, value] of Object.entries(spec.env)) {
      if (key === "" || key.includes("=") || key.includes("\0"))
        throw bad(`env name`, key, "a name without = or NUL");
      checkString(`env.${key}`, value);
      env.set(key, value);
    }
  }
  checkString("cwd", spec.cwd, { optional: true, nonEmpty: true });
  checkString("description", spec.description, { optional: true });
  for (const field of ["inheritEnv", "manageDocker"] as const) {
    if (spec[field] !== undefined && typeof spec[field] !== "boolean")
      throw bad(field, spec[field], "a boolean");
  }
  const restartInput: unknown = spec.restart ?? {};
  if (typeof restartInput !== "object" || restartInput === null || Array.isArray(restartInput)) {
    throw bad("restart", restartInput, "an object");
  }
  const restart = resolveRestartPolicy(restartInput);
  for (const [field, value] of Object.entries(restart)) {
    const isCount =
      field === "maxCrashes" || field === "maxConsecutiveTimeouts" || field === "maxFailedStarts";
    if (
      typeof value !== "number" ||
      !Number.isFinite(value) ||
      value < 0 ||
      (isCount && (!Number.isInteger(value) || value < 1))
    ) {
      throw bad(`restart.${field}`, value, isCount ? "a positive integer" : "a non-negative number");
    }
  }
  const maxInFlight: unknown = spec.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  if (typeof maxInFlight !== "number" || !Number.isSafeInteger(maxInFlight) || maxInFlight < 1) {
    throw bad("maxInFlight", maxInFlight, "a positive integer");
  }
  const maxMessageBytes: unknown = spec.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (typeof maxMessageBytes !== "number" || !Number.isSafeInteger(maxMessageBytes) || maxMessageBytes < 1) {
    throw bad("maxMessageBytes", maxMessageBytes, "a positive integer");
  }
  const command = spec.command;
  const dockerRun = isDockerCommand(command) ? parseDockerRunArgv(args as string[]) : undefined;
  const docker = dockerRun !== undefined;
  const manageDocker = spec.manageDocker ?? true;
  const dockerLimits = resolveDockerOptions(spec.docker);
  if (dockerRun !== undefined && manageDocker && spec.docker?.allowPrivileged !== true) {
    const refused = findPrivilegedDockerOptions(dockerRun.flags);
    if (refused.length > 0) throw new TypeError(privilegedMessage(refused));
  }
  const timeoutMs = checkMs("timeoutMs", spec.timeoutMs, DEFAULT_REQUEST_TIMEOUT_MS);
  const maxCallDurationMs = checkMs(
    "maxCallDurationMs",
    spec.maxCallDurationMs,
    Math.max(DEFAULT_MAX_CALL_DURATION_MS, timeoutMs),
  );
  if (maxCallDurationMs < timeoutMs) {
    throw bad("maxCallDurationMs", maxCallDurationMs, `at least "timeoutMs" (${timeoutMs})`);
  }
  return {
    name,
    command,
    args: Object.freeze([...(args as string[])]),
    env,
    cwd: spec.cwd,
    description: spec.description,
    timeoutMs,
    maxCallDurationMs,
    startTimeoutMs: checkMs(
      "startTimeoutMs",
      spec.startTimeoutMs,
      docker ? DEFAULT_DOCKER_START_TIMEOUT_MS : DEFAULT_START_TIMEOUT_MS,
    ),
    idleTimeoutMs:
      spec.idleTimeoutMs === undefined ? undefined : checkMs("idleTimeoutMs", spec.idleTimeoutMs, 0),
    restart,
    inheritEnv: spec.inheritEnv ?? false,
    maxMessageBytes,
    maxInFlight,
    manageDocker,
    dockerLimits,
  };
}

/** Why a managed `docker run` is refused: the options that give the container power over the host. */
export function privilegedMessage(refused: readonly string[]): string {
  return (
    `backend spec: its docker run asks for power over the host (${refused.join(", ")}); mcpware refuses ` +
    `that unless the backend sets docker.allowPrivileged to true`
  );
}

function resolveDockerOptions(options: unknown): DockerLimits {
  if (options === undefined) return DEFAULT_DOCKER_LIMITS;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw bad("docker", options, "an object");
  }
  const { cpus, memory, pull, allowPrivileged } = options as Record<string, unknown>;
  if (cpus !== undefined && !(typeof cpus === "number" ? cpus > 0 : /^[0-9]*\.?[0-9]+$/.test(String(cpus)))) {
    throw bad("docker.cpus", cpus, "a positive number of CPUs");
  }
  if (memory !== undefined && (typeof memory !== "string" || !/^[0-9]+[bkmg]?$/i.test(memory))) {
    throw bad("docker.memory", memory, 'a size such as "512m" or "2g"');
  }
  if (pull !== undefined && !(DOCKER_PULL_POLICIES as readonly unknown[]).includes(pull)) {
    throw bad("docker.pull", pull, `one of ${DOCKER_PULL_POLICIES.join(", ")}`);
  }
  if (allowPrivileged !== undefined && typeof allowPrivileged !== "boolean") {
    throw bad("docker.allowPrivileged", allowPrivileged, "a boolean");
  }
  return {
    cpus: cpus === undefined ? DEFAULT_DOCKER_LIMITS.cpus : String(cpus),
    memory: (memory as string | undefined) ?? DEFAULT_DOCKER_LIMITS.memory,
    pull: (pull as DockerLimits["pull"] | undefined) ?? DEFAULT_DOCKER_LIMITS.pull,
  };
}
