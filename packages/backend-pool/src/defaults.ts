/** Defaults of the pool, with units. See RELIABILITY §5 for where each number comes from. */

/** Request deadline when neither the spec nor the call sets one: under the usual client's 60 s. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 55_000;
/**
 * The longest one request may take in all, time spent waiting for the client's answers to the backend's own
 * requests (sampling, elicitation: a person may be typing) included; that waiting does not count against the
 * request deadline. Never less than the request deadline.
 */
export const DEFAULT_MAX_CALL_DURATION_MS = 600_000;
/** Requests in flight on one backend past which new ones fail at once with ERR_BACKEND_BUSY. */
export const DEFAULT_MAX_IN_FLIGHT = 256;
/** Spawn + initialize deadline of a local command. */
export const DEFAULT_START_TIMEOUT_MS = 30_000;
/** Spawn + initialize deadline of a `docker run` command (image pulls, container start). */
export const DEFAULT_DOCKER_START_TIMEOUT_MS = 120_000;

/** Stop ladder: wait after closing stdin before SIGTERM. */
export const STOP_STDIN_GRACE_MS = 800;
/** Stop ladder: wait after SIGTERM before SIGKILL. */
export const STOP_SIGTERM_GRACE_MS = 800;
/** Stop ladder: how long to wait for 'exit' after SIGKILL before giving up (a process in D state). */
export const STOP_SIGKILL_WAIT_MS = 2_000;

/**
 * Once a backend shows a sign of death (exit, stdout end, a broken pipe), how long to wait for the rest (the
 * exit code, the last bytes on stdout) before its pending requests fail. Bounded because a grandchild holding
 * stdout delays its end indefinitely.
 */
export const EXIT_SETTLE_MS = 200;

/** Bytes of stderr kept per backend. */
export const STDERR_RING_BYTES = 64 * 1024;
/** Longest stderr line kept (longer lines are cut). */
export const STDERR_MAX_LINE_BYTES = 8 * 1024;
/** Lines of stderr attached to errors and info. */
export const STDERR_TAIL_LINES = 20;
/** Bytes of stderr attached to an error (the newest lines that fit). */
export const STDERR_TAIL_BYTES = 2 * 1024;

/** Restart backoff: first delay, doubled per consecutive crash up to the maximum, ±20 % jitter. */
export const DEFAULT_INITIAL_BACKOFF_MS = 1_000;
export const DEFAULT_MAX_BACKOFF_MS = 30_000;
export const BACKOFF_JITTER_RATIO = 0.2;
/** A backend up this long before it crashes starts its backoff from the beginning again. */
export const BACKOFF_RESET_AFTER_UP_MS = 60_000;
/** Crashes within the window that open the circuit. */
export const DEFAULT_MAX_CRASHES = 5;
export const DEFAULT_CRASH_WINDOW_MS = 300_000;
/**
 * The restart budget: this many failed starts within the window and the backend is `failed` (never started
 * again until it is replaced, e.g. its config changed, or the pool is made anew). RELIABILITY §5 "FATAL".
 */
export const DEFAULT_MAX_FAILED_STARTS = 5;
export const DEFAULT_FAILED_START_WINDOW_MS = 300_000;
/** How long an open circuit fails fast before one probe start. */
export const DEFAULT_CIRCUIT_COOLDOWN_MS = 30_000;
/** Consecutive request timeouts after which a backend is recycled. */
export const DEFAULT_MAX_CONSECUTIVE_TIMEOUTS = 3;

/** `clientInfo` sent in each backend's initialize unless the pool is given one. */
export const DEFAULT_CLIENT_INFO = { name: "mcpware", version: "0.1.0" } as const;

/**
 * How long the era probe (`server/discover` on a backend whose era is not known yet) waits for a reply before the
 * backend is taken for a legacy one and sent `initialize` on the same process; never more than half the start
 * deadline. A legacy server answers an unknown method at once, so only a silent one costs this.
 */
export const ERA_PROBE_TIMEOUT_MS = 5_000;
/**
 * Rounds of a modern backend's `input_required` results the pool fulfils for one request before it gives up
 * (ERR_BACKEND_INPUT_FAILED): the cap SDK v2's legacy shim uses.
 */
export const MAX_INPUT_REQUIRED_ROUNDS = 8;
