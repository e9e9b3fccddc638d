/**
 * Variables a child gets from the parent's environment when `inheritEnv` is off: what a program needs to
 * find binaries, its home, its locale and its temp directory, the network's proxies and certificate bundles, plus
 * what Windows needs to run at all.
 * Matched case-insensitively (Windows environments are case-insensitive).
 */
export const ENV_ALLOWLIST: readonly string[] = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "LANG",
  "LANGUAGE",
  "TMPDIR",
  "TEMP",
  "TMP",
  "TERM",
  "TZ",
  // So that the Docker CLI of a `docker run` backend reaches the engine the user configured.
  "DOCKER_HOST",
  "DOCKER_CONTEXT",
  "DOCKER_CONFIG",
  "DOCKER_CERT_PATH",
  "DOCKER_TLS_VERIFY",
  // Proxies and certificate bundles (matched in either case: `https_proxy` too), so that `npx -y`, `uvx` and the
  // backends themselves reach the network behind a corporate proxy or a TLS-inspecting one.
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "ALL_PROXY",
  "NODE_EXTRA_CA_CERTS",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "REQUESTS_CA_BUNDLE",
  // Windows
  "SystemRoot",
  "SystemDrive",
  "ComSpec",
  "PATHEXT",
  "windir",
  "APPDATA",
  "LOCALAPPDATA",
  "USERPROFILE",
  "USERNAME",
  "HOMEDRIVE",
  "HOMEPATH",
  "ProgramData",
  "ProgramFiles",
  "ProgramFiles(x86)",
  "ProgramW6432",
  "CommonProgramFiles",
  "CommonProgramFiles(x86)",
  "CommonProgramW6432",
  "PROCESSOR_ARCHITECTURE",
  "NUMBER_OF_PROCESSORS",
  "OS",
];

/** Set in every child unless already present: keep stdout free of colour codes and banners, unbuffer Python. */
export const CHILD_ENV_DEFAULTS: ReadonlyMap<string, string> = new Map([
  ["NO_COLOR", "1"],
  ["DOTENV_CONFIG_QUIET", "true"],
  ["PYTHONUNBUFFERED", "1"],
]);

const allowed = new Set(ENV_ALLOWLIST.map((name) => name.toUpperCase()));

function isAllowed(name: string): boolean {
  const upper = name.toUpperCase();
  return allowed.has(upper) || upper.startsWith("LC_");
}

/**
 * The environment of a backend: the allowlisted parent variables (or all of them with `inheritEnv`), then the
 * declared `env` on top, then {@link CHILD_ENV_DEFAULTS} where unset. The result has no prototype, so a
 * variable named `__proto__` is an ordinary entry.
 */
export function buildChildEnv(
  declared: ReadonlyMap<string, string> | Readonly<Record<string, string>> | undefined,
  options: { inheritEnv?: boolean; parentEnv?: NodeJS.ProcessEnv; platform?: NodeJS.Platform } = {},
): Record<string, string> {
  const parentEnv = options.parentEnv ?? process.env;
  const env: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const name of Object.keys(parentEnv)) {
    const value = parentEnv[name];
    if (value !== undefined && (options.inheritEnv === true || isAllowed(name))) env[name] = value;
  }
  const entries = declared instanceof Map ? declared.entries() : Object.entries(declared ?? {});
  const caseInsensitive = (options.platform ?? process.platform) === "win32";
  for (const [name, value] of entries) {
    if (caseInsensitive) {
      for (const existing of Object.keys(env))
        if (existing !== name && existing.toUpperCase() === name.toUpperCase()) delete env[existing];
    }
    env[name] = value;
  }
  const present = new Set(Object.keys(env).map((name) => name.toUpperCase()));
  for (const [name, value] of CHILD_ENV_DEFAULTS) if (!present.has(name)) env[name] = value;
  return env;
}
