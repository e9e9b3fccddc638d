/**
 * Just enough of the Docker CLI's flag grammar (spf13/pflag) to find, in `docker [global options] run
 * [options] IMAGE [command…]`, where the run options are, which options the user already set and where the image
 * starts. Everything after the image belongs to the container and is never looked at.
 */

/** One option as the user wrote it, with its long name (`-e` is reported as `env`). */
export interface DockerFlag {
  name: string;
  /** The value for options that take one; undefined for boolean flags written without `=`. */
  value: string | undefined;
}

/** A parsed `docker … run …` command line. */
export interface DockerRunArgv {
  /** Options given to `docker` itself, before the subcommand (`--context x`, `-H unix:///…`). */
  globalArgs: string[];
  /** Index in argv of the first run option (right after `run` or `container run`). */
  optionsIndex: number;
  /** Index in argv of the image. */
  imageIndex: number;
  /** The run options in order. */
  flags: DockerFlag[];
}

// `docker run --help` of Docker 27/28: every run option that takes a value (long form, without dashes), and the
// hidden aliases the CLI still accepts. Anything else is a boolean flag.
const RUN_VALUE_FLAGS = new Set(
  `
  add-host annotation attach blkio-weight blkio-weight-device cap-add cap-drop cgroup-parent cgroupns
  cidfile cpu-count cpu-percent cpu-period cpu-quota cpu-rt-period cpu-rt-runtime cpu-shares cpus
  cpuset-cpus cpuset-mems detach-keys device device-cgroup-rule device-read-bps device-read-iops
  device-write-bps device-write-iops dns dns-option dns-opt dns-search domainname entrypoint env
  env-file expose gpus group-add health-cmd health-interval health-retries health-start-interval
  health-start-period health-timeout hostname io-maxbandwidth io-maxiops ip ip6 ipc isolation
  kernel-memory label label-file link link-local-ip log-driver log-opt mac-address memory
  memory-reservation memory-swap memory-swappiness mount name network net network-alias net-alias
  oom-score-adj pid pids-limit platform publish pull restart runtime security-opt shm-size stop-signal
  stop-timeout storage-opt sysctl tmpfs ulimit user userns uts volume volume-driver volumes-from
  workdir
`
    .trim()
    .split(/\s+/),
);

const RUN_SHORT_FLAGS: Readonly<Record<string, string>> = {
  a: "attach",
  c: "cpu-shares",
  e: "env",
  h: "hostname",
  l: "label",
  m: "memory",
  p: "publish",
  u: "user",
  v: "volume",
  w: "workdir",
  d: "detach",
  i: "interactive",
  t: "tty",
  P: "publish-all",
  q: "quiet",
};

const LONG_ALIASES: Readonly<Record<string, string>> = {
  net: "network",
  "net-alias": "network-alias",
  "dns-opt": "dns-option",
};

const GLOBAL_VALUE_FLAGS = new Set([
  "config",
  "context",
  "host",
  "log-level",
  "tlscacert",
  "tlscert",
  "tlskey",
]);
const GLOBAL_SHORT_FLAGS: Readonly<Record<string, string>> = {
  c: "context",
  H: "host",
  l: "log-level",
  D: "debug",
};

interface FlagScan {
  flags: DockerFlag[];
  /** Index of the first argument that is not an option, or argv.length. */
  end: number;
  /** Index right after a `--` terminator, when that is what ended the options. */
  afterTerminator: boolean;
}

function scanFlags(
  argv: readonly string[],
  start: number,
  valueFlags: ReadonlySet<string>,
  shortFlags: Readonly<Record<string, string>>,
): FlagScan | undefined {
  const flags: DockerFlag[] = [];
  let i = start;
  while (i < argv.length) {
    const arg = argv[i]!;
    if (arg === "--") return { flags, end: i + 1, afterTerminator: true };
    if (arg.startsWith("--")) {
      const body = arg.slice(2);
      const eq = body.indexOf("=");
      if (eq >= 0) {
        flags.push({ name: canonicalLong(body.slice(0, eq)), value: body.slice(eq + 1) });
      } else if (valueFlags.has(body)) {
        if (i + 1 >= argv.length) return undefined;
        flags.push({ name: canonicalLong(body), value: argv[i + 1] });
        i += 1;
      } else {
        flags.push({ name: canonicalLong(body), value: undefined });
      }
    } else if (arg.startsWith("-") && arg.length > 1) {
      // A cluster of short flags (`-it`), the last of which may take a value (`-ite FOO=1`, `-eFOO=1`, `-e=FOO`).
      for (let j = 1; j < arg.length; j += 1) {
        const letter = arg[j]!;
        const name = shortFlags[letter] ?? letter;
        if (!valueFlags.has(name)) {
          flags.push({ name, value: undefined });
          continue;
        }
        let rest = arg.slice(j + 1);
        if (rest.startsWith("=")) rest = rest.slice(1);
        if (rest.length > 0 || arg[j + 1] === "=") {
          flags.push({ name, value: rest });
        } else {
          if (i + 1 >= argv.length) return undefined;
          flags.push({ name, value: argv[i + 1] });
          i += 1;
        }
        break;
      }
    } else {
      return { flags, end: i, afterTerminator: false };
    }
    i += 1;
  }
  return { flags, end: i, afterTerminator: false };
}

function canonicalLong(name: string): string {
  return LONG_ALIASES[name] ?? name;
}

/** True when `command` names the Docker CLI (`docker`, `docker.exe`, or a path to one). */
export function isDockerCommand(command: string): boolean {
  const base = command.split(/[\\/]/).pop() ?? command;
  return /^docker(\.exe)?$/i.test(base);
}

/**
 * Parses `args` (argv after the program) of a Docker CLI invocation. Returns undefined unless it is `run` or
 * `container run` with an image.
 */
export function parseDockerRunArgv(args: readonly string[]): DockerRunArgv | undefined {
  const global = scanFlags(args, 0, GLOBAL_VALUE_FLAGS, GLOBAL_SHORT_FLAGS);
  if (global === undefined || global.afterTerminator) return undefined;
  let index = global.end;
  if (args[index] === "container") index += 1;
  if (args[index] !== "run") return undefined;
  const optionsIndex = index + 1;
  const run = scanFlags(args, optionsIndex, RUN_VALUE_FLAGS, RUN_SHORT_FLAGS);
  if (run === undefined || run.end >= args.length) return undefined;
  return {
    globalArgs: args.slice(0, global.end),
    optionsIndex,
    imageIndex: run.end,
    flags: run.flags,
  };
}
