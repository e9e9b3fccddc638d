import { constants, existsSync } from "node:fs";
import { access, stat } from "node:fs/promises";
import path from "node:path";

/** The outcome of `checkCommand`: a row of `mcpware doctor`, a line of `mcpware validate` when it failed. */
export interface CommandCheck {
  ok: boolean;
  /** `<backend>: command`. */
  subject: string;
  /** Where the command was found, or why not and where it was looked for. */
  detail: string;
}

/**
 * Whether a backend's command is found the way it will be spawned: along PATH (its own PATH when it declares
 * one), or at the path it names, against its cwd. A failure says where it looked: the PATH directories, or the
 * resolved path. Used by `mcpware doctor` and `mcpware validate`.
 */
export async function checkCommand(
  backend: string,
  command: string,
  spec: { env?: Readonly<Record<string, string>>; cwd?: string },
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
): Promise<CommandCheck> {
  // The child is spawned with its own PATH when the backend declares one.
  const lookupEnv = spec.env?.PATH === undefined ? env : { ...env, PATH: spec.env.PATH };
  const options = { env: lookupEnv, platform, cwd: spec.cwd };
  const found = await findCommand(command, options);
  const subject = `${backend}: command`;
  if (found !== undefined) return { ok: true, subject, detail: `${command} → ${found}` };
  if (hasDirectory(command)) {
    const resolved = (platform === "win32" ? path.win32 : path.posix).resolve(
      spec.cwd ?? process.cwd(),
      command,
    );
    const named = resolved === command ? command : `${command} → ${resolved}`;
    const why = existsSync(resolved) ? "the file is not executable" : "no such file";
    return { ok: false, subject, detail: `${named}: no executable file there (${why})` };
  }
  const directories = [...new Set(searchDirectories(command, options))];
  // A PATH the backend declares is masked like every value of its env: its directories are not listed.
  const where =
    spec.env?.PATH !== undefined
      ? 'its own PATH, set in its "env"'
      : directories.length === 0
        ? "PATH is empty"
        : `looked in ${directories.join(", ")}`;
  const install = command === "docker" ? "; install the Docker CLI" : "";
  return { ok: false, subject, detail: `${command}: not found on PATH (${where})${install}` };
}

/** Where `command` would be found: a path as given (against the backend's cwd), or along PATH. */
export async function findCommand(
  command: string,
  options: { env: NodeJS.ProcessEnv; platform: NodeJS.Platform; cwd?: string },
): Promise<string | undefined> {
  const { platform } = options;
  const paths = platform === "win32" ? path.win32 : path.posix;
  const extensions =
    platform === "win32" && paths.extname(command) === ""
      ? ["", ...(lookupVariable(options.env, "PATHEXT") ?? ".COM;.EXE;.BAT;.CMD").split(";")]
      : [""];
  for (const directory of searchDirectories(command, options)) {
    for (const extension of extensions) {
      const candidate = paths.resolve(directory, command + extension.toLowerCase());
      if (await isExecutableFile(candidate, platform)) return candidate;
    }
  }
  return undefined;
}

/** Where `findCommand` looks: the backend's cwd for a command with a directory, else each PATH directory. */
function searchDirectories(
  command: string,
  options: { env: NodeJS.ProcessEnv; platform: NodeJS.Platform; cwd?: string },
): string[] {
  if (hasDirectory(command)) return [options.cwd ?? process.cwd()];
  return (lookupVariable(options.env, "PATH") ?? "")
    .split(options.platform === "win32" ? ";" : ":")
    .filter((dir) => dir !== "");
}

function hasDirectory(command: string): boolean {
  return /[\\/]/.test(command);
}

function lookupVariable(env: NodeJS.ProcessEnv, name: string): string | undefined {
  for (const key of Object.keys(env)) if (key.toUpperCase() === name) return env[key];
  return undefined;
}

async function isExecutableFile(file: string, platform: NodeJS.Platform): Promise<boolean> {
  try {
    const info = await stat(file);
    if (!info.isFile()) return false;
    if (platform !== "win32") await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
