import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { parseEnv } from "node:util";
import {
  currentDockerOwner,
  isDockerRunCommand,
  runDockerCli,
  sweepOrphanProcessGroups,
} from "@mcpware/backend-pool";
import { checkCommand, findCommand } from "./checkCommand.js";
import { checkEras } from "./doctorEras.js";
import { ConfigError } from "./configError.js";
import { processGroupsDir, stateDir } from "./stateDir.js";
import { DEFAULT_PINNING_MODE, PinStore } from "./toolPins.js";
import type { GatewayConfig } from "./resolveConfig.js";
import { loadConfig, DEFAULT_ENV_FILE } from "./loadConfig.js";
import { parseJsonText } from "./parseJsonText.js";
import { substituteVariables } from "./substituteVariables.js";
import { validateConfig } from "./validateConfig.js";

/** Bound on `docker version` (ms): an engine that does not answer in this time counts as unreachable. */
export const DOCTOR_DOCKER_TIMEOUT_MS = 10_000;

/** The engine's default endpoint when DOCKER_HOST is unset. */
export const DEFAULT_DOCKER_SOCKET = "/var/run/docker.sock";
export const DEFAULT_DOCKER_PIPE = "//./pipe/docker_engine";

/** One row of the doctor's table. `ok: undefined` is information that never fails the run. */
export interface DoctorCheck {
  ok: boolean | undefined;
  subject: string;
  detail: string;
}

/** What the doctor looks at; injected by tests. */
export interface DoctorEnvironment {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** The Docker CLI program. Default `docker` on PATH. */
  dockerCommand?: string;
}

const MARK = { pass: "✓", fail: "✗", info: "-" } as const;

/**
 * `mcpware doctor`: checks what the gateway needs before a client starts it, prints a ✓/✗ table on stdout and
 * resolves with the exit status (0 when every check passed, 1 otherwise).
 *
 * Checks: the config loads; each backend's command is found (on PATH, or a file that exists and is
 * executable); each `${VAR}` the config references is set (unset with a default is information). Docker: the
 * DOCKER_HOST endpoint or the default socket (`/var/run/docker.sock`; the named pipe `//./pipe/docker_engine`
 * on Windows), the Docker CLI on PATH, and `docker version` reaching the engine. Docker rows fail the run only
 * when some backend is a `docker run` command; otherwise they are shown as information.
 * Pins: a tool change a gateway saw and nobody accepted fails the run (under "block"), what cleaning removed
 * from descriptions is information; no backend is started. Process groups left by killed gateways fail it.
 */
export async function runDoctor(
  options: { configPath: string; envFile?: string },
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
  environment: DoctorEnvironment = {},
): Promise<number> {
  const env = environment.env ?? process.env;
  const platform = environment.platform ?? process.platform;
  const checks: DoctorCheck[] = [];

  let config: GatewayConfig | undefined;
  try {
    config = await loadConfig({ configPath: options.configPath, envFile: options.envFile, env });
    const count = config.backends.length;
    checks.push({
      ok: true,
      subject: "config",
      detail: `${count} backend${count === 1 ? "" : "s"} (${config.shape})`,
    });
  } catch (error) {
    const detail =
      error instanceof ConfigError
        ? error.problems.map((problem) => `${problem.path}: ${problem.message}`).join("; ")
        : error instanceof Error
          ? error.message
          : String(error);
    checks.push({ ok: false, subject: "config", detail });
  }

  if (config !== undefined) {
    checks.push(...(await checkVariables(options, env)));
    for (const backend of config.backends) {
      if (backend.spec === undefined) continue;
      checks.push(await checkCommand(backend.name, backend.spec.command, backend.spec, env, platform));
    }
    checks.push(...checkPins(config, env));
    checks.push(...(await checkEras(config, env)));
  }
  checks.push(await checkOrphans(env));

  // Unavailable backends count too: their masked argv still says whether they run docker.
  const usesDocker =
    config?.backends.some((backend) => {
      const [command, ...args] = backend.displayArgv;
      return command !== undefined && isDockerRunCommand(command, args);
    }) ?? false;
  const dockerChecks = await checkDocker(env, platform, environment.dockerCommand);
  for (const check of dockerChecks)
    checks.push(usesDocker || check.ok !== false ? check : { ...check, ok: undefined });
  if (!usesDocker) {
    checks.push({
      ok: undefined,
      subject: "docker",
      detail: "no backend uses docker run: Docker rows are information",
    });
  }

  io.stdout.write(formatTable(options.configPath, checks));
  const failures = checks.filter((check) => check.ok === false).length;
  io.stdout.write(
    failures === 0 ? "\nAll checks passed.\n" : `\n${failures} check${failures === 1 ? "" : "s"} failed.\n`,
  );
  return failures === 0 ? 0 : 1;
}

function formatTable(configPath: string, checks: readonly DoctorCheck[]): string {
  const width = Math.max(...checks.map((check) => check.subject.length));
  const rows = checks.map((check) => {
    const mark = check.ok === true ? MARK.pass : check.ok === false ? MARK.fail : MARK.info;
    return `${mark}  ${check.subject.padEnd(width)}  ${check.detail}`;
  });
  return `mcpware doctor: ${configPath}\n\n${rows.join("\n")}\n`;
}

/** Each `${VAR}` referenced by an enabled backend: set, unset with a default (information), or unset. */
async function checkVariables(
  options: { configPath: string; envFile?: string },
  env: NodeJS.ProcessEnv,
): Promise<DoctorCheck[]> {
  const text = await readFile(options.configPath, "utf8");
  const parsed = parseJsonText(text);
  if (!parsed.ok) return [];
  const validated = validateConfig(parsed.value);
  if (!validated.ok) return [];
  const variables = new Map(await readEnvFileVariables(options));
  for (const [name, value] of Object.entries(env)) if (value !== undefined) variables.set(name, value);

  const checks: DoctorCheck[] = [];
  for (const entry of validated.config.entries) {
    if (entry.disabled) continue;
    const referenced = new Map<string, "set" | "default" | "missing">();
    for (const template of [...entry.argv, ...entry.env.values()]) {
      const seen: string[] = [];
      let missing: string[];
      try {
        missing = substituteVariables(template, (name) => {
          seen.push(name);
          return variables.get(name);
        }).missing;
      } catch {
        continue; // A syntax error was already reported by the config row.
      }
      for (const name of seen) {
        const value = variables.get(name);
        const state = missing.includes(name)
          ? "missing"
          : value === undefined || value === ""
            ? "default"
            : "set";
        if (referenced.get(name) !== "missing") referenced.set(name, state);
      }
    }
    for (const [name, state] of referenced) {
      const subject = `${entry.name}: \${${name}}`;
      if (state === "set") checks.push({ ok: true, subject, detail: "set" });
      else if (state === "default")
        checks.push({ ok: undefined, subject, detail: "not set: the default is used" });
      else {
        checks.push({
          ok: false,
          subject,
          detail: `not set: set it in the environment or in ${options.envFile ?? DEFAULT_ENV_FILE}`,
        });
      }
    }
  }
  return checks;
}

async function readEnvFileVariables(options: {
  configPath: string;
  envFile?: string;
}): Promise<[string, string][]> {
  const file = options.envFile ?? path.join(path.dirname(path.resolve(options.configPath)), DEFAULT_ENV_FILE);
  try {
    const parsed = parseEnv(await readFile(file, "utf8"));
    return Object.entries(parsed).filter((entry): entry is [string, string] => entry[1] !== undefined);
  } catch {
    return [];
  }
}

async function checkDocker(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
  dockerCommand: string | undefined,
): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const inContainer = currentDockerOwner().containerId !== undefined || existsSync("/.dockerenv");
  const dockerHost = env.DOCKER_HOST;
  if (dockerHost !== undefined && dockerHost !== "") {
    checks.push(await checkEndpoint("DOCKER_HOST", dockerHost, platform, inContainer));
  } else {
    const endpoint =
      platform === "win32" ? `npipe://${DEFAULT_DOCKER_PIPE}` : `unix://${DEFAULT_DOCKER_SOCKET}`;
    checks.push(await checkEndpoint("docker socket", endpoint, platform, inContainer));
  }

  const cli = dockerCommand ?? (await findCommand("docker", { env, platform }));
  if (cli === undefined) {
    checks.push({
      ok: false,
      subject: "docker CLI",
      detail: "docker: not found on PATH (install the Docker CLI)",
    });
    return checks;
  }
  checks.push({ ok: true, subject: "docker CLI", detail: cli });
  const version = await runDockerCli(["version", "--format", "{{.Server.Version}}"], {
    dockerCommand: cli,
    env,
    timeoutMs: DOCTOR_DOCKER_TIMEOUT_MS,
  });
  if (version.error === undefined && version.stdout.trim() !== "") {
    checks.push({
      ok: true,
      subject: "docker engine",
      detail: `reachable: Docker Engine ${version.stdout.trim()}`,
    });
  } else {
    const reason = version.timedOut
      ? `no answer within ${DOCTOR_DOCKER_TIMEOUT_MS / 1000} s`
      : (version.stderr.trim().split("\n").at(-1) ?? "") || (version.error?.message ?? "no version");
    checks.push({ ok: false, subject: "docker engine", detail: `unreachable: ${reason}` });
  }
  return checks;
}

async function checkEndpoint(
  subject: string,
  endpoint: string,
  platform: NodeJS.Platform,
  inContainer: boolean,
): Promise<DoctorCheck> {
  const mountHint = inContainer
    ? platform === "win32"
      ? ""
      : ` (mount it: docker run -v /var/run/docker.sock:/var/run/docker.sock …)`
    : " (is Docker running?)";
  if (endpoint.startsWith("unix://")) {
    const socket = endpoint.slice("unix://".length);
    try {
      if ((await stat(socket)).isSocket()) return { ok: true, subject, detail: `${socket} is a socket` };
      return { ok: false, subject, detail: `${socket} exists but is not a socket${mountHint}` };
    } catch {
      return { ok: false, subject, detail: `${socket} not found${mountHint}` };
    }
  }
  if (endpoint.startsWith("npipe://")) {
    const pipe = endpoint.slice("npipe://".length).replace(/\//g, "\\");
    if (platform !== "win32")
      return { ok: false, subject, detail: `${endpoint}: named pipes exist only on Windows` };
    return existsSync(pipe)
      ? { ok: true, subject, detail: `${pipe} is open` }
      : { ok: false, subject, detail: `${pipe} not found (is Docker Desktop running?)` };
  }
  return { ok: undefined, subject, detail: `${endpoint} (not a local socket: see the docker engine row)` };
}

/**
 * What the gateways of this config saw of the backends' tools (no backend is started): a tool whose definition
 * differs from its pin and was not accepted fails the run under "block"; what cleaning removed from the
 * descriptions is information.
 */
function checkPins(config: GatewayConfig, env: NodeJS.ProcessEnv): DoctorCheck[] {
  const mode = config.pinning ?? DEFAULT_PINNING_MODE;
  if (config.file === undefined || mode === "off") {
    return [{ ok: undefined, subject: "pins", detail: 'pinning is off ("pinning": "off")' }];
  }
  const store = PinStore.forConfig(stateDir(env), config.file, true);
  const { changes, cleaned } = store.seen();
  const checks: DoctorCheck[] = changes.map((change) => ({
    ok: mode === "block" ? false : undefined,
    subject: `pin ${change.backend}/${change.tool}`,
    detail:
      `changed since it was pinned on ${change.pinnedAt.slice(0, 10)} (${change.fields.join(", ")}; seen ` +
      `${change.seenAt.slice(0, 10)}): \`mcpware pins\` shows it, \`mcpware pins accept ${change.backend} ` +
      `${change.tool}\` accepts it`,
  }));
  for (const [backend, { removed, seenAt }] of Object.entries(cleaned)) {
    checks.push({
      ok: undefined,
      subject: `descriptions ${backend}`,
      detail: `cleaned out of its tool descriptions (${seenAt.slice(0, 10)}): ${removed}`,
    });
  }
  const pinned = Object.values(store.list()).reduce((total, tools) => total + Object.keys(tools).length, 0);
  if (changes.length === 0) {
    checks.push({
      ok: true,
      subject: "pins",
      detail: pinned === 0 ? "no tool pinned yet" : `${pinned} tools pinned, no change seen`,
    });
  }
  return checks;
}

/** Process groups recorded by gateways that were killed, still running (the next `mcpware serve` stops them). */
async function checkOrphans(env: NodeJS.ProcessEnv): Promise<DoctorCheck> {
  const found = await sweepOrphanProcessGroups(processGroupsDir(env), { dryRun: true });
  if (found.stopped.length === 0) {
    return { ok: true, subject: "orphans", detail: "no backend process left running by a killed gateway" };
  }
  const list = found.stopped.map(({ backend, pgid }) => `${backend} (process group ${pgid})`).join(", ");
  return {
    ok: false,
    subject: "orphans",
    detail: `left running by a killed gateway: ${list}; the next \`mcpware serve\` stops them`,
  };
}
