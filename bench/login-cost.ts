/** Cost of one password hash (scrypt parameters in src/lib/server/passwords.ts); the goal is 50-100 ms. */
import {fileURLToPath} from 'node:url'

import {hashPassword, verifyPassword} from '../src/lib/server/passwords.js'

export async function run(runs = 10): Promise<Record<string, unknown>> {
  const stored = await hashPassword('benchmark-passphrase')
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const start = performance.now()
    await verifyPassword('benchmark-passphrase', stored)
    times.push(performance.now() - start)
  }
  times.sort((a, b) => a - b)
  return {scryptMedianMs: Math.round(times[Math.floor(runs / 2)]! * 10) / 10, goalMs: [50, 100], params: stored.split('$').slice(1, 4).join(',')}
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(await run(), null, 2))
