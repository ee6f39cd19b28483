/** Bounded concurrency for scans: a sweep or a details pass must not open thousands of sockets at once. */

/** Runs `fn` over `items` with at most `limit` calls in flight. */
export async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({length: Math.min(limit, items.length)}, async () => {
      while (next < items.length) await fn(items[next++]!)
    }),
  )
}

export type Limiter = <R>(task: () => Promise<R>) => Promise<R>

/** A shared gate: at most `limit` tasks run at a time, the rest wait their turn. */
export function createLimiter(limit: number): Limiter {
  let running = 0
  const waiting: (() => void)[] = []
  return async (task) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve))
    running++
    try {
      return await task()
    } finally {
      running--
      waiting.shift()?.()
    }
  }
}
