import { existsSync } from "node:fs";
import path from "node:path";

/** What to pass to `spawn` for a command: the program, its argv and whether argv is already quoted. */
export interface ResolvedCommand {
  file: string;
  args: string[];
  /** Windows only: the argv was quoted for `cmd.exe` and must be passed verbatim. */
  windowsVerbatimArguments: boolean;
}

export interface ResolveCommandOptions {
  platform?: NodeJS.Platform;
  env?: Readonly<Record<string, string | undefined>>;
  cwd?: string;
  /** For tests: whether a path exists. */
  exists?: (file: string) => boolean;
}

function getVar(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  for (const key of Object.keys(env)) if (key.toUpperCase() === name) return env[key];
  return undefined;
}

/**
 * Find a command on Windows the way `cmd.exe` would: as given if it has an extension, else each PATHEXT
 * extension, in the cwd and then along PATH. Returns undefined when nothing is found.
 */
export function findWindowsExecutable(
  command: string,
  options: ResolveCommandOptions = {},
): string | undefined {
  const env = options.env ?? process.env;
  const exists = options.exists ?? existsSync;
  const win = path.win32;
  const extensions = (getVar(env, "PATHEXT") ?? ".COM;.EXE;.BAT;.CMD").split(";").filter((ext) => ext !== "");
  const candidates =
    win.extname(command) === "" ? extensions.map((ext) => command + ext.toLowerCase()) : [command];
  const hasDirectory = /[\\/]/.test(command);
  const directories = hasDirectory
    ? [options.cwd ?? "."]
    : [options.cwd ?? ".", ...(getVar(env, "PATH") ?? "").split(";").filter((dir) => dir !== "")];
  for (const directory of directories) {
    for (const candidate of candidates) {
      const full = win.isAbsolute(candidate) ? candidate : win.resolve(directory, candidate);
      if (exists(full)) return full;
    }
  }
  return undefined;
}

// cmd.exe metacharacters, escaped with ^ so a value cannot start a second command.
const CMD_META = /([()\][%!^"`<>&|;, *?])/g;

/** Quote one argument for CommandLineToArgvW, then escape it for cmd.exe. */
export function quoteForCmd(arg: string, doubleEscape: boolean): string {
  let quoted = arg.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\*)$/, "$1$1");
  quoted = `"${quoted}"`.replace(CMD_META, "^$1");
  // A .cmd shim passes %* on to another program through cmd.exe once more.
  return doubleEscape ? quoted.replace(CMD_META, "^$1") : quoted;
}

/**
 * Resolve a command to something `spawn` can run without a shell. On POSIX it is the identity. On Windows,
 * `.cmd`/`.bat` shims (`npx`, `pnpm`, …) cannot be spawned directly (Node refuses them since CVE-2024-27980),
 * so they run through `cmd.exe /d /s /c` with every argument quoted and escaped: no argument can inject a
 * command.
 */
export function resolveCommand(
  command: string,
  args: readonly string[],
  options: ResolveCommandOptions = {},
): ResolvedCommand {
  const platform = options.platform ?? process.platform;
  if (platform !== "win32") return { file: command, args: [...args], windowsVerbatimArguments: false };
  const found = findWindowsExecutable(command, options);
  if (found === undefined || !/\.(cmd|bat)$/i.test(found)) {
    return { file: found ?? command, args: [...args], windowsVerbatimArguments: false };
  }
  const env = options.env ?? process.env;
  // The program is parsed by cmd.exe once: escape it without quotes; arguments travel on through the shim's %*.
  const line = [found.replace(CMD_META, "^$1"), ...args.map((arg) => quoteForCmd(arg, true))].join(" ");
  return {
    file: getVar(env, "COMSPEC") ?? "cmd.exe",
    args: ["/d", "/s", "/c", `"${line}"`],
    windowsVerbatimArguments: true,
  };
}
