/**
 * Request counts per rate-limit key (route and source address) in fixed windows, kept in the database
 * so that several server instances count together (server/rate-limit-store.ts). Times are epoch
 * milliseconds. One upsert counts a hit and starts a new window when the old one is over, so two
 * instances hitting the same key at once cannot both start a window or lose a count.
 */
import type {Db} from './db.js'

export interface RateLimitCount {
  hits: number
  /** When the window ends (epoch ms). */
  resets_at: number
}

const HIT = `INSERT INTO rate_limit_hits (key, hits, resets_at) VALUES (?, 1, ?)
  ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN rate_limit_hits.resets_at <= ? THEN 1 ELSE rate_limit_hits.hits + 1 END,
    resets_at = CASE WHEN rate_limit_hits.resets_at <= ? THEN excluded.resets_at ELSE rate_limit_hits.resets_at END
  RETURNING hits, resets_at`

/** Counts one hit on `key`; a window of `windowMs` starts at the first hit after the last one ended. */
export function hitRateLimit(db: Db, key: string, windowMs: number, nowMs: number): RateLimitCount {
  return db.prepare(HIT).get(key, nowMs + windowMs, nowMs, nowMs) as RateLimitCount
}

/** Drops windows that are over (their keys hold source addresses, kept no longer than needed). */
export function forgetEndedRateLimits(db: Db, nowMs: number): number {
  return db.prepare('DELETE FROM rate_limit_hits WHERE resets_at <= ?').run(nowMs).changes
}
