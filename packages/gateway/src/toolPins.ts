/**
 * Tool-definition pinning (the "rug pull" defence): the first time a backend's tool is seen, its definition is
 * recorded with a hash; a later listing that differs is a change the operator must accept before the model may
 * call the tool (`"pinning": "block"`, the default), or is only warned about (`"warn"`).
 *
 * The pins of one config live in `<state folder>/pins/<hash of the config's path>.json`, per backend and tool,
 * with the pinned definition itself, so a change can be shown as a diff.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Tool } from "@mcpware/protocol";
import { isObject } from "@mcpware/protocol";

export type PinningMode = "block" | "warn" | "off";
export const PINNING_MODES: readonly PinningMode[] = ["block", "warn", "off"];
export const DEFAULT_PINNING_MODE: PinningMode = "block";

/** The parts of a tool that are pinned, as the backend sent them. */
export interface PinnedDefinition {
  name: string;
  title?: unknown;
  description?: unknown;
  inputSchema?: unknown;
  outputSchema?: unknown;
  annotations?: unknown;
}

/** The fields of a definition, in the order they are compared and shown. */
const FIELDS = ["title", "description", "inputSchema", "outputSchema", "annotations"] as const;

interface PinEntry {
  hash: string;
  pinnedAt: string;
  definition: PinnedDefinition;
  /** The last differing definition a gateway saw and blocked or warned about, until it is accepted. */
  changed?: { hash: string; seenAt: string; fields: string[] } | undefined;
}

interface PinFile {
  config: string;
  backends: Record<string, Record<string, PinEntry>>;
  /** What cleaning removed from each backend's descriptions when a gateway last listed its tools. */
  cleaned?: Record<string, { seenAt: string; removed: string }>;
  /** For `docker run` backends: the image id their pins were taken from (where Docker could tell it). */
  images?: Record<string, string>;
}

/** A change a gateway saw and recorded (for `doctor`, which starts no backend). */
export interface SeenChange {
  backend: string;
  tool: string;
  fields: string[];
  seenAt: string;
  pinnedAt: string;
}

/** A tool whose definition differs from its pin. */
export interface PinChange {
  backend: string;
  tool: string;
  /** The fields that differ (`description`, `inputSchema`, …). */
  fields: string[];
  pinned: PinnedDefinition;
  current: PinnedDefinition;
  pinnedAt: string;
  /** For a `docker run` backend, when its image changed too: the image ids at pin time and now. */
  image?: { pinned: string | undefined; now: string } | undefined;
}

/** JSON with object keys sorted at every level: the same definition always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isObject(value)) {
    const keys = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** The pinned parts of `tool`. */
export function pinnedDefinition(tool: Tool): PinnedDefinition {
  const definition: PinnedDefinition = { name: tool.name };
  for (const field of FIELDS) if (tool[field] !== undefined) definition[field] = tool[field];
  return definition;
}

export function definitionHash(definition: PinnedDefinition): string {
  return createHash("sha256").update(canonicalJson(definition)).digest("hex");
}

/** The fields in which two definitions differ. */
function changedFields(pinned: PinnedDefinition, current: PinnedDefinition): string[] {
  return FIELDS.filter((field) => canonicalJson(pinned[field]) !== canonicalJson(current[field]));
}

/** The pins of one config file. Reads and writes are synchronous and small; writes replace the file whole. */
export class PinStore {
  readonly file: string;
  readonly #config: string;
  readonly #readOnly: boolean;

  /** `readOnly`: compare only, never pin (for `doctor`). */
  constructor(file: string, config: string, readOnly = false) {
    this.file = file;
    this.#config = config;
    this.#readOnly = readOnly;
  }

  /** The store of `configFile` under `stateDir`. */
  static forConfig(stateDir: string, configFile: string, readOnly = false): PinStore {
    const absolute = path.resolve(configFile);
    const key = createHash("sha256").update(absolute).digest("hex").slice(0, 16);
    return new PinStore(path.join(stateDir, "pins", `${key}.json`), absolute, readOnly);
  }

  /**
   * Compare `tools` of `backend` with their pins: tools seen for the first time are pinned (and written), the
   * ones that differ are returned.
   */
  check(backend: string, tools: readonly Tool[], image?: string): PinChange[] {
    const file = this.#read();
    const pinnedImage = file.images?.[backend];
    const pins = (file.backends[backend] ??= {});
    const changes: PinChange[] = [];
    let added = false;
    const now = new Date().toISOString();
    for (const tool of tools) {
      const current = pinnedDefinition(tool);
      const hash = definitionHash(current);
      const pin = pins[tool.name];
      if (pin === undefined) {
        pins[tool.name] = { hash, pinnedAt: now, definition: current };
        added = true;
      } else if (pin.hash === hash) {
        // Back to what was pinned (or accepted meanwhile): nothing is pending any more.
        if (pin.changed !== undefined) {
          delete pin.changed;
          added = true;
        }
      } else {
        const fields = changedFields(pin.definition, current);
        if (pin.changed?.hash !== hash) {
          pin.changed = { hash, seenAt: now, fields };
          added = true;
        }
        changes.push({
          backend,
          tool: tool.name,
          fields,
          pinned: pin.definition,
          current,
          pinnedAt: pin.pinnedAt,
          ...(image !== undefined && image !== pinnedImage
            ? { image: { pinned: pinnedImage, now: image } }
            : {}),
        });
      }
    }
    // The image the pins were taken from: recorded with new pins, and kept while the tools are unchanged.
    if (image !== undefined && image !== pinnedImage && changes.length === 0) {
      (file.images ??= {})[backend] = image;
      added = true;
    }
    if (added && !this.#readOnly) this.#write(file);
    return changes;
  }

  /** Pin the current definitions of `changes` (accepting them). */
  accept(changes: readonly PinChange[]): void {
    if (changes.length === 0) return;
    const file = this.#read();
    for (const change of changes) {
      if (change.image !== undefined) (file.images ??= {})[change.backend] = change.image.now;
      (file.backends[change.backend] ??= {})[change.tool] = {
        hash: definitionHash(change.current),
        pinnedAt: new Date().toISOString(),
        definition: change.current,
      };
    }
    this.#write(file);
  }

  /** Record what cleaning removed from `backend`'s descriptions (`""`: nothing), for `doctor`. */
  noteCleaned(backend: string, removed: string): void {
    if (this.#readOnly) return;
    const file = this.#read();
    const before = file.cleaned?.[backend]?.removed ?? "";
    if (before === removed) return;
    const cleaned = (file.cleaned ??= {});
    if (removed === "") delete cleaned[backend];
    else cleaned[backend] = { seenAt: new Date().toISOString(), removed };
    this.#write(file);
  }

  /** The changes gateways saw and that were not accepted since, and what cleaning removed, per backend. */
  seen(): { changes: SeenChange[]; cleaned: Record<string, { seenAt: string; removed: string }> } {
    const file = this.#read();
    const changes: SeenChange[] = [];
    for (const [backend, tools] of Object.entries(file.backends)) {
      for (const [tool, pin] of Object.entries(tools)) {
        if (pin.changed !== undefined) {
          changes.push({
            backend,
            tool,
            fields: pin.changed.fields,
            seenAt: pin.changed.seenAt,
            pinnedAt: pin.pinnedAt,
          });
        }
      }
    }
    return { changes, cleaned: file.cleaned ?? {} };
  }

  /** True once `change` was accepted (its current definition is the pin now), by this process or another. */
  isAccepted(change: PinChange): boolean {
    try {
      return this.#read().backends[change.backend]?.[change.tool]?.hash === definitionHash(change.current);
    } catch {
      return false;
    }
  }

  /** Every pin: backend → tool → when it was pinned. */
  list(): Record<string, Record<string, string>> {
    const listed: Record<string, Record<string, string>> = {};
    for (const [backend, tools] of Object.entries(this.#read().backends)) {
      listed[backend] = Object.fromEntries(Object.entries(tools).map(([tool, pin]) => [tool, pin.pinnedAt]));
    }
    return listed;
  }

  /**
   * The pins file; none yet is no pins. A file that exists but cannot be read or is not a pins file throws:
   * treating it as empty would pin every current definition anew, changed ones included (fail open).
   */
  #read(): PinFile {
    let text: string;
    try {
      text = readFileSync(this.file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return { config: this.#config, backends: {} };
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text) as unknown;
    } catch (error) {
      throw new Error(`${this.file} is not valid JSON (${(error as Error).message})`, { cause: error });
    }
    {
      if (isObject(parsed) && isObject(parsed.backends)) {
        const file: PinFile = { config: this.#config, backends: parsed.backends as PinFile["backends"] };
        if (isObject(parsed.cleaned)) file.cleaned = parsed.cleaned as NonNullable<PinFile["cleaned"]>;
        if (isObject(parsed.images)) file.images = parsed.images as NonNullable<PinFile["images"]>;
        return file;
      }
    }
    throw new Error(`${this.file} is not a pins file (no "backends" object)`);
  }

  #write(file: PinFile): void {
    mkdirSync(path.dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(file, null, 2)}\n`);
    renameSync(temporary, this.file);
  }
}

/** One line for the model and the log: what changed and how to accept it. */
export function describePinChange(change: PinChange): string {
  return (
    `the definition of tool "${change.tool}" on backend "${change.backend}" changed since it was pinned on ` +
    `${change.pinnedAt.slice(0, 10)} (${change.fields.join(", ")}); until a person accepts the change ` +
    `(\`mcpware pins\` shows it, \`mcpware pins accept ${change.backend} ${change.tool}\` accepts it), it cannot ` +
    "be called"
  );
}

/** What discovery says of a changed tool under `"pinning": "warn"` (a blocked one shows why it is blocked). */
export function pinNote(change: PinChange): string {
  return `warning: its definition changed since it was pinned (${change.fields.join(", ")})`;
}
