import type { DockerOptions } from "@mcpware/backend-pool";
import { DEFAULT_REQUEST_TIMEOUT_MS } from "@mcpware/backend-pool";
import type { ErrorObject } from "ajv";
import { findIgnoredClientKeys, IGNORED_KEYS_WARNING, isRemoteEntry } from "./clientConfigKeys.js";
import { translateClientTemplate } from "./clientVariables.js";
import { closestNames } from "./closestNames.js";
import type { PinningMode } from "./toolPins.js";
import type { ToolPatterns } from "./toolFilter.js";
import { arrayForm, backendKeys, keyedForm, mcpServersForm } from "./configValidators.generated.js";
import type { ConfigProblem } from "./configError.js";
import { formatJsonPath, pointerToSegments } from "./configError.js";
import { SubstitutionSyntaxError, substituteVariables } from "./substituteVariables.js";

/** Where the config schema lives in the package (beside `src/` and `dist/`). */
export const CONFIG_SCHEMA_URL = new URL("../config.schema.json", import.meta.url);

/** The rule for backend names (also in the schema): used in messages, tool arguments and container names. */
export const BACKEND_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * Which of the accepted shapes a config has: mcpware's `backends` as an array or keyed by name, or an MCP
 * client's file (`mcpServers`; VS Code's `servers`).
 */
export type ConfigShape = "array" | "keyed" | "mcpServers" | "servers";

/** One backend as written in the config, whatever the shape: templates not yet substituted. */
export interface BackendEntry {
  name: string;
  /** JSON path segments of the entry, for messages. */
  path: readonly (string | number)[];
  /** `command` (string or argv) followed by `args`; templates. Empty for a remote server. */
  argv: readonly string[];
  /** The JSON path of each element of `argv` (inside `command` or `args`). */
  argvPaths: readonly (readonly (string | number)[])[];
  /** Declared variables, in file order; values are templates. */
  env: ReadonlyMap<string, string>;
  description: string | undefined;
  /** Seconds. */
  timeout: number | undefined;
  /** Seconds. */
  maxCallDuration: number | undefined;
  /** Seconds. */
  startTimeout: number | undefined;
  /** Seconds. */
  idleTimeout: number | undefined;
  maxInFlight: number | undefined;
  cwd: string | undefined;
  inheritEnv: boolean;
  /** Docker hygiene for `docker run` commands (default true). */
  manageDocker: boolean;
  /** `docker`: limits, pull policy and host powers of a managed `docker run`. */
  docker: DockerOptions | undefined;
  start: StartPolicy | undefined;
  /** `tools`: glob patterns of the tools the model may see and call. */
  tools: ToolPatterns | undefined;
  disabled: boolean;
  /** A dotenv file for the backend's environment, as written (relative to the config file's folder). */
  envFile: string | undefined;
  /** An MCP client's remote server (`url` or `serverUrl`, no `command`): mcpware cannot run it yet. */
  remote: boolean;
}

/** How the backends' tools reach the model: two meta-tools, or every tool listed directly. */
export type GatewayMode = "meta" | "aggregate";
/** When backends start: on their first request, or right after the client's `initialized`. */
export type StartPolicy = "lazy" | "eager";

/** A config that passed validation, normalised to one list of entries in file order. */
export interface ValidatedConfig {
  shape: ConfigShape;
  entries: BackendEntry[];
  /** What was accepted but is not used (keys MCP clients write), one line each. */
  warnings: string[];
  /** The top-level `pinning` mode, when set. */
  pinning?: PinningMode | undefined;
  /** The top-level `inputRequiredTtl` (seconds), when set. */
  inputRequiredTtl?: number | undefined;
  /** The top-level `mode`, when set. */
  mode?: GatewayMode | undefined;
  /** The top-level `start`, when set. */
  start?: StartPolicy | undefined;
}

export interface ValidateOptions {
  /** Keep disabled backends in `entries` (for converting a config); default false. */
  includeDisabled?: boolean;
}

export type ValidationOutcome =
  { ok: true; config: ValidatedConfig } | { ok: false; problems: ConfigProblem[] };

/** A backend entry as the config file writes it (every shape). */
export interface BackendFields {
  name?: string;
  command: string | string[];
  args?: string[];
  env?: Record<string, string>;
  description?: string;
  timeout?: number;
  maxCallDuration?: number;
  startTimeout?: number;
  idleTimeout?: number;
  maxInFlight?: number;
  cwd?: string;
  inheritEnv?: boolean;
  manageDocker?: boolean;
  docker?: DockerOptions;
  start?: StartPolicy;
  tools?: ToolPatterns;
  disabled?: boolean;
  envFile?: string;
}

/** A validator of one config form: true when valid, otherwise its `errors` say why. */
interface FormValidator {
  (document: unknown): boolean;
  errors?: ErrorObject[] | null;
}

// Compiled ahead of time from config.schema.json (scripts/generateConfigValidators.mjs; a test keeps it in
// step): compiling the schema with ajv at start-up took about a third of the time before `initialize` could be
// answered.
const VALIDATORS: ReadonlyMap<ConfigShape, FormValidator> = new Map<ConfigShape, FormValidator>([
  ["array", arrayForm as FormValidator],
  ["keyed", keyedForm as FormValidator],
  ["mcpServers", mcpServersForm as FormValidator],
  // VS Code's file: the same form under another key.
  ["servers", mcpServersForm as FormValidator],
]);
const knownBackendKeys: readonly string[] = backendKeys;
const TOP_LEVEL_KEYS = ["$schema", "backends", "mcpServers", "servers"];
/** The key holding the backends in each shape. */
const CONTAINERS: Record<ConfigShape, string> = {
  array: "backends",
  keyed: "backends",
  mcpServers: "mcpServers",
  servers: "servers",
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Validates a parsed config document against the schema (the shape chosen from its top-level keys, so
 * messages are about that shape only), then checks what a schema cannot: backend names unique ignoring
 * case, and `${…}` references well-formed. Returns every problem with its JSON path, or the entries (without
 * the disabled ones unless `includeDisabled`) and a warning naming the keys MCP clients write that mcpware
 * ignores.
 */
export function validateConfig(document: unknown, options: ValidateOptions = {}): ValidationOutcome {
  const shape = detectShape(document);
  if (typeof shape !== "string") return { ok: false, problems: [shape] };
  const validate = VALIDATORS.get(shape)!;
  if (!validate(document)) {
    return { ok: false, problems: describeErrors(validate.errors ?? [], document) };
  }
  const items = collectItems(shape, document as Record<string, unknown>);
  const entries = items.map(toEntry);
  const problems = [
    ...findDuplicateNames(entries),
    ...findSyntaxErrors(entries),
    ...findShortCallDurations(entries),
  ];
  if (problems.length > 0) return { ok: false, problems };
  const running = items.filter((item) => item.fields.disabled !== true && !isRemoteEntry(item.fields));
  const ignored = findIgnoredClientKeys(document as Record<string, unknown>, running);
  return {
    ok: true,
    config: {
      shape,
      entries: options.includeDisabled === true ? entries : entries.filter((entry) => !entry.disabled),
      warnings: ignored.length === 0 ? [] : [`${IGNORED_KEYS_WARNING} ${ignored.join(", ")}`],
      pinning: (document as { pinning?: PinningMode }).pinning,
      mode: (document as { mode?: GatewayMode }).mode,
      start: (document as { start?: StartPolicy }).start,
      inputRequiredTtl: (document as { inputRequiredTtl?: number }).inputRequiredTtl,
    },
  };
}

function detectShape(document: unknown): ConfigShape | ConfigProblem {
  const expected = 'must be an object with "backends" (an array or an object), "mcpServers" or "servers"';
  if (!isPlainObject(document)) return { path: "$", message: expected };
  const present = ["backends", "mcpServers", "servers"].filter((key) => Object.hasOwn(document, key));
  if (present.length > 1) {
    return {
      path: "$",
      message: `has both ${present.map((key) => `"${key}"`).join(" and ")}: keep one of them`,
    };
  }
  if (present[0] === "mcpServers" || present[0] === "servers") return present[0];
  if (present.length === 0) return { path: "$", message: expected };
  if (Array.isArray(document.backends)) return "array";
  if (isPlainObject(document.backends)) return "keyed";
  return { path: "$.backends", message: "must be an array of backends or an object keyed by backend name" };
}

const TYPE_NAMES: Record<string, string> = {
  string: "a string",
  array: "an array",
  object: "an object",
  number: "a number",
  boolean: "true or false",
  integer: "an integer",
  null: "null",
};

function describeErrors(errors: readonly ErrorObject[], document: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const problem = describeError(error, document);
    if (problem === undefined) continue;
    const key = `${problem.path}\u0000${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

function describeError(error: ErrorObject, document: unknown): ConfigProblem | undefined {
  const segments = pointerToSegments(error.instancePath, document);
  const at = (...more: (string | number)[]): string => formatJsonPath([...segments, ...more]);
  const params = error.params as Record<string, unknown>;
  const propertyName = (error as ErrorObject & { propertyName?: string }).propertyName;
  switch (error.keyword) {
    case "propertyNames":
      return undefined; // reported by the failing keyword with the property's name
    case "if":
      return undefined; // reported by the failing keyword of its branch (a missing command, a wrong type)
    case "type": {
      const types = String(params.type).split(",");
      return { path: at(), message: `must be ${types.map((type) => TYPE_NAMES[type] ?? type).join(" or ")}` };
    }
    case "required":
      return { path: at(), message: `missing required key "${String(params.missingProperty)}"` };
    case "additionalProperties":
    case "unevaluatedProperties": {
      const key = String(params.additionalProperty ?? params.unevaluatedProperty);
      // Unknown keys are suggested a known one at the top level and in a backend ($.backends.NAME).
      const known = segments.length === 0 ? TOP_LEVEL_KEYS : segments.length === 2 ? knownBackendKeys : [];
      const suggestions = closestNames(key, known, 1);
      const hint = suggestions.length > 0 ? `; did you mean "${suggestions[0]}"?` : "";
      return { path: at(key), message: `unknown key "${key}"${hint}` };
    }
    case "minLength":
    case "minItems":
      return { path: at(), message: "must not be empty" };
    case "exclusiveMinimum":
      return { path: at(), message: `must be greater than ${String(params.limit)} (seconds)` };
    case "maximum":
      return { path: at(), message: `must be at most ${String(params.limit)} (seconds)` };
    case "const":
      return {
        path: at(),
        message: `must be "${String(params.allowedValue)}": mcpware runs local stdio servers only`,
      };
    case "enum":
      return {
        path: at(),
        message: `must be one of ${(params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(", ")}`,
      };
    case "pattern":
      if (propertyName !== undefined) {
        const isEnv = segments[segments.length - 1] === "env";
        return {
          path: at(propertyName),
          message: isEnv
            ? `invalid variable name "${propertyName}"`
            : `invalid backend name "${propertyName}": use 1 to 64 letters, digits, "_" or "-", starting with a letter or a digit`,
        };
      }
      if (segments[segments.length - 1] === "name") {
        return {
          path: at(),
          message:
            'invalid backend name: use 1 to 64 letters, digits, "_" or "-", starting with a letter or a digit',
        };
      }
      return { path: at(), message: error.message ?? "does not match the expected pattern" };
    default:
      return { path: at(), message: error.message ?? `fails "${error.keyword}"` };
  }
}

/** One backend of the document: its name, JSON path and fields as written. */
interface Item {
  name: string;
  path: (string | number)[];
  fields: BackendFields & Record<string, unknown>;
}

function collectItems(shape: ConfigShape, document: Record<string, unknown>): Item[] {
  const container = CONTAINERS[shape];
  const items: Item[] = [];
  if (shape === "array") {
    (document.backends as Item["fields"][]).forEach((fields, index) => {
      items.push({ name: fields.name!, path: [container, index], fields });
    });
  } else {
    for (const [name, fields] of Object.entries(document[container] as Record<string, Item["fields"]>)) {
      items.push({ name, path: [container, name], fields });
    }
  }
  return items;
}

function toEntry({ name, path, fields }: Item): BackendEntry {
  const remote = isRemoteEntry(fields);
  // A remote entry has no command (the schema requires one otherwise).
  const isArgv = typeof fields.command !== "string";
  const command = remote ? [] : typeof fields.command === "string" ? [fields.command] : fields.command;
  const args = remote ? [] : (fields.args ?? []);
  return {
    name,
    path,
    argv: [...command, ...args],
    argvPaths: [
      ...command.map((_, index) => (isArgv ? [...path, "command", index] : [...path, "command"])),
      ...args.map((_, index) => [...path, "args", index]),
    ],
    env: new Map(Object.entries(remote ? {} : (fields.env ?? {}))),
    description: fields.description,
    timeout: fields.timeout,
    maxCallDuration: fields.maxCallDuration,
    startTimeout: fields.startTimeout,
    idleTimeout: fields.idleTimeout,
    maxInFlight: fields.maxInFlight,
    cwd: fields.cwd,
    inheritEnv: fields.inheritEnv ?? false,
    manageDocker: fields.manageDocker ?? true,
    docker: fields.docker,
    start: fields.start,
    tools: fields.tools,
    disabled: fields.disabled ?? false,
    envFile: fields.envFile,
    remote,
  };
}

function findDuplicateNames(entries: readonly BackendEntry[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const firstByName = new Map<string, BackendEntry>();
  for (const entry of entries) {
    const key = entry.name.toLowerCase();
    const first = firstByName.get(key);
    if (first === undefined) {
      firstByName.set(key, entry);
      continue;
    }
    problems.push({
      path: formatJsonPath(entry.path),
      message:
        `duplicate backend name "${entry.name}" (already used by ${formatJsonPath(first.path)}); ` +
        "names must be unique ignoring case",
    });
  }
  return problems;
}

/** `maxCallDuration` bounds a call with its waiting included, so it cannot be shorter than `timeout`. */
function findShortCallDurations(entries: readonly BackendEntry[]): ConfigProblem[] {
  const timeoutOf = (entry: BackendEntry): number => entry.timeout ?? DEFAULT_REQUEST_TIMEOUT_MS / 1000;
  return entries
    .filter((entry) => entry.maxCallDuration !== undefined && entry.maxCallDuration < timeoutOf(entry))
    .map((entry) => ({
      path: formatJsonPath([...entry.path, "maxCallDuration"]),
      message: `maxCallDuration (${entry.maxCallDuration} s) must be at least the backend's timeout (${timeoutOf(entry)} s)`,
    }));
}

/** Stand-ins for the editors' predefined variables: only the syntax is checked here. */
const SYNTAX_CHECK_VALUES = { workspaceFolder: "", userHome: "" };

function findSyntaxErrors(entries: readonly BackendEntry[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const check = (template: string, segments: readonly (string | number)[]): void => {
    try {
      substituteVariables(translateClientTemplate(template, SYNTAX_CHECK_VALUES).template, () => "");
    } catch (error) {
      if (!(error instanceof SubstitutionSyntaxError)) throw error;
      problems.push({ path: formatJsonPath(segments), message: error.message });
    }
  };
  for (const entry of entries) {
    entry.argv.forEach((template, index) => check(template, entry.argvPaths[index]!));
    for (const [name, template] of entry.env) check(template, [...entry.path, "env", name]);
  }
  return problems;
}
