/** Rate-limit windows on both backends: counts within a window, a fresh window after it, concurrent hits none lost. */
import {describe, expect, it} from 'vitest'

import {BACKENDS, useBackendStore} from './backends.js'

describe.each(BACKENDS)('rate-limit windows on %s', (backend) => {
  const store = useBackendStore(backend)
  const WINDOW = 60_000
  const t0 = 1_800_000_000_000

  it('counts hits in a window, starts a new one after it ends, and keeps keys apart', async () => {
    expect(await store.rateLimits.hitRateLimit('GET /v1/health 10.0.0.1', WINDOW, t0)).toEqual({hits: 1, resets_at: t0 + WINDOW})
    expect(await store.rateLimits.hitRateLimit('GET /v1/health 10.0.0.1', WINDOW, t0 + 1000)).toEqual({hits: 2, resets_at: t0 + WINDOW})
    expect(await store.rateLimits.hitRateLimit('GET /v1/health 10.0.0.2', WINDOW, t0 + 1000)).toEqual({hits: 1, resets_at: t0 + 1000 + WINDOW})
    expect(await store.rateLimits.hitRateLimit('GET /v1/health 10.0.0.1', WINDOW, t0 + WINDOW)).toEqual({hits: 1, resets_at: t0 + 2 * WINDOW})
    expect(await store.rateLimits.forgetEndedRateLimits(t0 + WINDOW + 1000)).toBe(1) // 10.0.0.2's window is over
    expect(await store.rateLimits.hitRateLimit('GET /v1/health 10.0.0.2', WINDOW, t0 + WINDOW + 2000)).toMatchObject({hits: 1})
  })

  it('loses no hit when many arrive at once', async () => {
    const results = await Promise.all(Array.from({length: 25}, () => store.rateLimits.hitRateLimit('POST /v1/auth/login 10.0.0.9', WINDOW, t0)))
    expect(results.map((r) => r.hits).sort((x, y) => x - y)).toEqual(Array.from({length: 25}, (_, i) => i + 1))
  })
})
