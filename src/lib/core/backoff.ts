/**
 * Reconnect delays for the Core's link and the clients' event stream.
 *
 * Normally exponential with "equal jitter" (half the capped exponential step fixed, half random), so
 * clients that lost the server together do not all return in the same second, and each waits longer
 * the longer the server stays away. But a connection that was up and then dropped, because the server
 * said it was shutting down or after it had been healthy for a while, most likely met a restart,
 * which takes seconds: emergency video must not wait out a long backoff then. For FAST_RETRY.windowMs
 * after such a drop, retries come every FAST_RETRY.minMs–maxMs (bounded jitter), so the link is back
 * within well under a second of the server listening again: live video then takes the ~2 s a relay
 * needs to start, inside the 3 s an emergency allows.
 */
export interface BackoffPolicy {
  baseMs: number
  maxMs: number
}

export const DEFAULT_BACKOFF: BackoffPolicy = {baseMs: 1000, maxMs: 60_000}

export const FAST_RETRY = {minMs: 200, maxMs: 600, windowMs: 60_000}

/** A connection that lasted this long was healthy: its drop starts the backoff afresh, with fast retries. */
export const STABLE_MS = 10_000

export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30))
  return Math.round(step / 2 + random() * (step / 2))
}

export class Reconnect {
  private attempt = 0
  private fastUntil = 0

  constructor(
    private readonly policy: BackoffPolicy = DEFAULT_BACKOFF,
    private readonly random: () => number = Math.random,
    private readonly now: () => number = Date.now,
  ) {}

  /** A connection that was up has dropped: after `upMs`, and whether the server announced its shutdown. */
  dropped(upMs: number, serverShutdown: boolean): void {
    if (upMs >= STABLE_MS) this.attempt = 0
    if (upMs >= STABLE_MS || serverShutdown) this.fastUntil = this.now() + FAST_RETRY.windowMs
  }

  /** How long to wait before the next attempt. */
  next(): number {
    if (this.now() < this.fastUntil) return Math.round(FAST_RETRY.minMs + this.random() * (FAST_RETRY.maxMs - FAST_RETRY.minMs))
    return backoffDelay(this.attempt++, this.policy, this.random)
  }
}
