/**
 * Reconnect delays: exponential with "equal jitter" (half the capped exponential step fixed, half
 * random), so Cores that lost the server together do not all return in the same second, and each
 * waits longer the longer the server stays away.
 */
export interface BackoffPolicy {
  baseMs: number
  maxMs: number
}

export const DEFAULT_BACKOFF: BackoffPolicy = {baseMs: 1000, maxMs: 60_000}

export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30))
  return Math.round(step / 2 + random() * (step / 2))
}
