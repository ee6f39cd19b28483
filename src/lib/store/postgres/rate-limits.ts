/** Rate-limit windows on PostgreSQL: the same upsert as the SQLite reference (rate-limits.ts). */
import type {RateLimitCount} from '../rate-limits.js'
import {one, run, type Pg} from './pg.js'

export async function hitRateLimit(db: Pg, key: string, windowMs: number, nowMs: number): Promise<RateLimitCount> {
  return (await one<RateLimitCount>(
    db,
    `INSERT INTO rate_limit_hits (key, hits, resets_at) VALUES ($1, 1, $2)
      ON CONFLICT (key) DO UPDATE SET
        hits = CASE WHEN rate_limit_hits.resets_at <= $3 THEN 1 ELSE rate_limit_hits.hits + 1 END,
        resets_at = CASE WHEN rate_limit_hits.resets_at <= $3 THEN excluded.resets_at ELSE rate_limit_hits.resets_at END
      RETURNING hits, resets_at`,
    [key, nowMs + windowMs, nowMs],
  ))!
}

export function forgetEndedRateLimits(db: Pg, nowMs: number): Promise<number> {
  return run(db, 'DELETE FROM rate_limit_hits WHERE resets_at <= $1', [nowMs])
}
