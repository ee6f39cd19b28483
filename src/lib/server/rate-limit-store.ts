/**
 * A `@fastify/rate-limit` store over the database, so that instances behind one load balancer count
 * each source address together: without it, N instances would allow N times each route's limit.
 *
 * Used when the server runs on PostgreSQL (the only way to run several instances). On SQLite the
 * plugin's in-memory store stays: an SQLite database belongs to exactly one server process, so its
 * memory already sees every request, and public routes do not pay a database write per request.
 */
import type {FastifyRateLimitOptions, FastifyRateLimitStore} from '@fastify/rate-limit'

import type {Store} from '../store/store.js'

/** Ended windows are swept at most this often per instance (their keys hold source addresses). */
const SWEEP_EVERY_MS = 60_000

export function databaseRateLimitStore(store: Store): new (options: FastifyRateLimitOptions) => FastifyRateLimitStore {
  const sweep = {last: 0}
  return class DatabaseRateLimitStore implements FastifyRateLimitStore {
    constructor(
      _options: FastifyRateLimitOptions,
      // A route's own store counts under `METHOD /url`, so routes never share a count.
      private readonly route = '',
    ) {}

    incr(key: string, callback: (error: Error | null, result?: {current: number; ttl: number}) => void, timeWindow: number): void {
      const now = Date.now()
      this.count(`${this.route} ${key}`, timeWindow, now).then(
        ({hits, resets_at}) => callback(null, {current: hits, ttl: Math.max(0, resets_at - now)}),
        (error: Error) => callback(error),
      )
    }

    // The plugin passes the route's merged limit settings, with the route itself as routeInfo.
    child(routeOptions: object): FastifyRateLimitStore {
      const info = (routeOptions as {routeInfo?: {method?: string | string[]; url?: string}}).routeInfo
      return new DatabaseRateLimitStore({}, `${String(info?.method ?? '')} ${info?.url ?? ''}`)
    }

    private async count(key: string, windowMs: number, now: number) {
      if (now - sweep.last >= SWEEP_EVERY_MS) {
        sweep.last = now
        await store.rateLimits.forgetEndedRateLimits(now)
      }
      return store.rateLimits.hitRateLimit(key, windowMs, now)
    }
  }
}
