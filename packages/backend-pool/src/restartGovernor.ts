import {
  BACKOFF_JITTER_RATIO,
  BACKOFF_RESET_AFTER_UP_MS,
  DEFAULT_CIRCUIT_COOLDOWN_MS,
  DEFAULT_CRASH_WINDOW_MS,
  DEFAULT_FAILED_START_WINDOW_MS,
  DEFAULT_INITIAL_BACKOFF_MS,
  DEFAULT_MAX_BACKOFF_MS,
  DEFAULT_MAX_CONSECUTIVE_TIMEOUTS,
  DEFAULT_MAX_CRASHES,
  DEFAULT_MAX_FAILED_STARTS,
} from "./defaults.js";
import type { RestartPolicy } from "./types.js";

/** A restart policy with every default filled in. */
export type ResolvedRestartPolicy = Required<RestartPolicy>;

export function resolveRestartPolicy(policy: RestartPolicy = {}): ResolvedRestartPolicy {
  return {
    initialBackoffMs: policy.initialBackoffMs ?? DEFAULT_INITIAL_BACKOFF_MS,
    maxBackoffMs: policy.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS,
    maxCrashes: policy.maxCrashes ?? DEFAULT_MAX_CRASHES,
    windowMs: policy.windowMs ?? DEFAULT_CRASH_WINDOW_MS,
    cooldownMs: policy.cooldownMs ?? DEFAULT_CIRCUIT_COOLDOWN_MS,
    maxConsecutiveTimeouts: policy.maxConsecutiveTimeouts ?? DEFAULT_MAX_CONSECUTIVE_TIMEOUTS,
    maxFailedStarts: policy.maxFailedStarts ?? DEFAULT_MAX_FAILED_STARTS,
    failedStartWindowMs: policy.failedStartWindowMs ?? DEFAULT_FAILED_START_WINDOW_MS,
  };
}

/** What the governor allows now. */
export type StartDecision =
  | { kind: "start"; probe: boolean }
  | { kind: "wait"; delayMs: number }
  | { kind: "circuit-open"; retryAtMs: number }
  | { kind: "failed" };

/**
 * Backoff and circuit breaker of one backend, as a pure state machine over caller-supplied times (no timers,
 * so it is tested with plain numbers and sinon fake timers alike).
 *
 * - After a crash (an unexpected exit or a failed start) the next start waits `initialBackoffMs`, doubled per
 *   consecutive crash up to `maxBackoffMs`, with ±20 % jitter. A backend that ran `BACKOFF_RESET_AFTER_UP_MS`
 *   before crashing starts again from the first delay.
 * - `maxCrashes` crashes within `windowMs` open the circuit: starts are refused until `cooldownMs` passed,
 *   then exactly one probe start is allowed; its success closes the circuit, its failure opens it again.
 * - `maxFailedStarts` failed starts within `failedStartWindowMs` exhaust the restart budget: the backend is
 *   failed for good (`decide` says `failed` from then on).
 */
export class RestartGovernor {
  readonly policy: ResolvedRestartPolicy;
  readonly #random: () => number;
  #crashTimes: number[] = [];
  #consecutiveCrashes = 0;
  #notBefore = 0;
  #readyAt: number | undefined;
  #circuitOpenUntil: number | undefined;
  #probing = false;
  #failedStartTimes: number[] = [];
  #failed = false;

  constructor(policy: RestartPolicy = {}, random: () => number = Math.random) {
    this.policy = resolveRestartPolicy(policy);
    this.#random = random;
  }

  /** Whether the circuit is open (failing fast or waiting for its probe). */
  get isCircuitOpen(): boolean {
    return this.#circuitOpenUntil !== undefined;
  }

  /** When the open circuit allows its probe (ms since epoch), if open. */
  get circuitOpenUntil(): number | undefined {
    return this.#circuitOpenUntil;
  }

  /** True once the restart budget is spent. */
  get isFailed(): boolean {
    return this.#failed;
  }

  decide(now: number): StartDecision {
    if (this.#failed) return { kind: "failed" };
    if (this.#circuitOpenUntil !== undefined) {
      if (this.#probing || now < this.#circuitOpenUntil) {
        return { kind: "circuit-open", retryAtMs: Math.max(this.#circuitOpenUntil, now) };
      }
      return { kind: "start", probe: true };
    }
    if (now < this.#notBefore) return { kind: "wait", delayMs: this.#notBefore - now };
    return { kind: "start", probe: false };
  }

  /** A start begins (after `decide` said so). */
  recordStart(probe: boolean): void {
    if (probe) this.#probing = true;
  }

  /** The backend finished its handshake. */
  recordReady(now: number): void {
    this.#readyAt = now;
    if (this.#probing) {
      this.#probing = false;
      this.#circuitOpenUntil = undefined;
      this.#crashTimes = [];
      this.#consecutiveCrashes = 0;
    }
  }

  /** An unexpected exit or a failed start. Returns true if the circuit is now open. */
  recordCrash(now: number): boolean {
    if (this.#readyAt !== undefined && now - this.#readyAt >= BACKOFF_RESET_AFTER_UP_MS) {
      this.#consecutiveCrashes = 0;
    }
    this.#readyAt = undefined;
    this.#crashTimes = this.#crashTimes.filter((time) => now - time < this.policy.windowMs);
    this.#crashTimes.push(now);
    this.#consecutiveCrashes++;
    const exponent = Math.min(this.#consecutiveCrashes - 1, 30);
    const base = Math.min(this.policy.initialBackoffMs * 2 ** exponent, this.policy.maxBackoffMs);
    const jitter = 1 + BACKOFF_JITTER_RATIO * (2 * this.#random() - 1);
    this.#notBefore = now + Math.round(base * jitter);
    if (this.#probing || this.#crashTimes.length >= this.policy.maxCrashes) {
      this.#probing = false;
      this.#circuitOpenUntil = now + this.policy.cooldownMs;
    }
    return this.#circuitOpenUntil !== undefined;
  }

  /** A start failed (after `recordCrash`). Returns true once the restart budget is spent. */
  recordFailedStart(now: number): boolean {
    this.#failedStartTimes = this.#failedStartTimes.filter(
      (time) => now - time < this.policy.failedStartWindowMs,
    );
    this.#failedStartTimes.push(now);
    if (this.#failedStartTimes.length >= this.policy.maxFailedStarts) this.#failed = true;
    return this.#failed;
  }

  /** A deliberate stop (idle, recycle, replace): no backoff for the next start. */
  recordStop(): void {
    this.#readyAt = undefined;
    this.#notBefore = 0;
  }
}
