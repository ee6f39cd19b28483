/** CPU use of a process tree (the process and its direct children, e.g. ffmpeg), from /proc (Linux). */
import {execFileSync} from 'node:child_process'
import {readdirSync, readFileSync} from 'node:fs'
import {setTimeout as sleep} from 'node:timers/promises'

const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100
  } catch {
    return 100
  }
})()

/** CPU ticks of a process and of each of its live children (the ffmpeg relays), by pid. */
function treeTicks(pid: number): Map<number, number> {
  const fields = (p: string) => {
    const text = readFileSync(`/proc/${p}/stat`, 'utf8')
    return text.slice(text.lastIndexOf(')') + 2).split(' ')
  }
  const ticks = new Map<number, number>()
  const own = fields(String(pid))
  ticks.set(pid, Number(own[11]) + Number(own[12]))
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const f = fields(entry)
      if (Number(f[1]) === pid) ticks.set(Number(entry), Number(f[11]) + Number(f[12]))
    } catch {
      // exited meanwhile
    }
  }
  return ticks
}

/**
 * CPU use of the process tree over `ms`, counting processes alive at both ends (a steady window: the
 * relays measured run throughout; a child reaped meanwhile would otherwise add its whole lifetime).
 */
export async function cpuPercent(pid: number, ms: number): Promise<number> {
  const before = treeTicks(pid)
  const start = performance.now()
  await sleep(ms)
  const after = treeTicks(pid)
  const seconds = (performance.now() - start) / 1000
  let used = 0
  for (const [p, ticks] of after) if (before.has(p)) used += ticks - before.get(p)!
  return Math.round((used / clockTicks / seconds) * 1000) / 10
}

