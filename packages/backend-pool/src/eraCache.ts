import { createHash, randomUUID } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import path from "node:path";
import { isObject } from "@mcpware/protocol";
import { isDockerCommand, parseDockerRunArgv } from "./dockerRunArgs.js";
import type { BackendEra } from "./types.js";

/** Verdicts kept in the cache file; past this many the oldest are dropped. */
export const ERA_CACHE_MAX_ENTRIES = 512;

/** The version of the cache file's format; a file of another version is ignored (and replaced). */
const FILE_VERSION = 1;

/**
 * Where the era verdicts are kept unless the pool is told otherwise: `<cache dir>/mcpware/eras.json`, the cache
 * dir being `%LOCALAPPDATA%` on Windows (else `~/AppData/Local`), `$XDG_CACHE_HOME` elsewhere when it is an
 * absolute path (the XDG spec says to ignore a relative one), else `~/.cache`.
 */
export function defaultEraCacheFile(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  if (platform === "win32") {
    const local = env.LOCALAPPDATA;
    const base = local !== undefined && local !== "" ? local : path.win32.join(home, "AppData", "Local");
    return path.win32.join(base, "mcpware", "eras.json");
  }
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg !== undefined && path.posix.isAbsolute(xdg) ? xdg : path.posix.join(home, ".cache");
  return path.posix.join(base, "mcpware", "eras.json");
}

/**
 * The key of a backend command's verdict: sha256 (hex) of the JSON of `[command, args, image]`, `image` being the
 * image of a `docker run` command line (null otherwise). The same command line run anywhere is the same server.
 */
export function eraCacheKey(command: string, args: readonly string[]): string {
  const docker = isDockerCommand(command) ? parseDockerRunArgv(args) : undefined;
  const image = docker === undefined ? null : (args[docker.imageIndex] ?? null);
  return createHash("sha256")
    .update(JSON.stringify([command, args, image]))
    .digest("hex");
}

interface Entry {
  era: BackendEra;
  /** When the verdict was reached (ms since the epoch): the oldest go first past the cap. */
  at: number;
}

/**
 * The era verdicts of backend commands (see {@link eraCacheKey}): in memory for the pool's lifetime and, unless
 * `file` is undefined, in a small JSON file shared with later pools. The file is read once, on first use; each
 * change is merged into what the file holds then and written atomically (a temporary file renamed over it), one
 * write at a time. A missing, damaged or unwritable file never fails anything: `onError` hears of it and the
 * memory serves on.
 */
export class EraCache {
  readonly #file: string | undefined;
  readonly #onError: (message: string, error: Error) => void;
  readonly #memory = new Map<string, Entry>();
  #loaded: Promise<void> | undefined;
  #writes: Promise<void> = Promise.resolve();

  constructor(file: string | undefined, onError: (message: string, error: Error) => void) {
    this.#file = file;
    this.#onError = onError;
  }

  /** The verdict for `key`, if one is known (loads the file on first use; never rejects). */
  async lookup(key: string): Promise<BackendEra | undefined> {
    this.#loaded ??= this.#load();
    await this.#loaded;
    return this.#memory.get(key)?.era;
  }

  /** The verdict for `key` without waiting for the file: what this pool learnt or has loaded so far. */
  peek(key: string): BackendEra | undefined {
    return this.#memory.get(key)?.era;
  }

  /** Remember `era` for `key` (written to the file if it changed). */
  record(key: string, era: BackendEra): void {
    if (this.#memory.get(key)?.era === era) return;
    const entry = { era, at: Date.now() };
    this.#memory.set(key, entry);
    this.#write(key, entry);
  }

  /** Forget the verdict for `key`: the next start probes again. */
  forget(key: string): void {
    if (!this.#memory.delete(key)) return;
    this.#write(key, undefined);
  }

  /** Resolves once every change made so far is in the file (or failed to get there). Never rejects. */
  flush(): Promise<void> {
    return this.#writes;
  }

  async #load(): Promise<void> {
    if (this.#file === undefined) return;
    const stored = await this.#readFile();
    for (const [key, entry] of stored) if (!this.#memory.has(key)) this.#memory.set(key, entry);
  }

  /** The entries in the file now; empty when it is missing or damaged (reported). */
  async #readFile(): Promise<Map<string, Entry>> {
    const entries = new Map<string, Entry>();
    const file = this.#file!;
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
        this.#onError(`reading the era cache ${file} failed`, error as Error);
      }
      return entries;
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (!isObject(parsed) || parsed.version !== FILE_VERSION || !isObject(parsed.eras)) {
        throw new Error(`not an era cache of version ${FILE_VERSION}`);
      }
      for (const [key, value] of Object.entries(parsed.eras)) {
        if (!isObject(value) || (value.era !== "modern" && value.era !== "legacy")) continue;
        entries.set(key, { era: value.era, at: typeof value.at === "number" ? value.at : 0 });
      }
    } catch (error) {
      this.#onError(`the era cache ${file} is damaged; ignoring it`, error as Error);
    }
    return entries;
  }

  #write(key: string, entry: Entry | undefined): void {
    if (this.#file === undefined) return;
    const file = this.#file;
    this.#writes = this.#writes.then(async () => {
      // Merged into the file as it is now: other pools (other gateway processes) write to it too.
      const entries = await this.#readFile();
      if (entry === undefined) entries.delete(key);
      else entries.set(key, entry);
      const kept = [...entries].sort((a, b) => b[1].at - a[1].at).slice(0, ERA_CACHE_MAX_ENTRIES);
      const text = `${JSON.stringify({ version: FILE_VERSION, eras: Object.fromEntries(kept) }, null, 1)}\n`;
      const temporary = `${file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
      try {
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(temporary, text, { encoding: "utf8", mode: 0o600 });
        await rename(temporary, file);
      } catch (error) {
        await rm(temporary, { force: true }).catch(() => {});
        this.#onError(`writing the era cache ${file} failed`, error as Error);
      }
    });
  }
}
