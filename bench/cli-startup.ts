/** CLI cold start: `rtcc --version` (and a full oclif command's help) against bare `node -e 0`, same run. */
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url))

function medianMs(args: string[], runs: number): number {
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint()
    const result = spawnSync(process.execPath, args, {stdio: 'ignore'})
    if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}`)
    times.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]!
}

export async function run(runs = 15): Promise<Record<string, unknown>> {
  medianMs(['-e', '0'], 3) // warm the file cache
  const node = medianMs(['-e', '0'], runs)
  const version = medianMs([BIN, '--version'], runs)
  const help = medianMs([BIN, 'whoami', '--help'], runs)
  return {
    nodeBareMs: round(node),
    versionMs: round(version),
    versionRatio: round(version / node),
    versionGoalRatio: 2.5,
    commandHelpMs: round(help),
    commandHelpRatio: round(help / node),
    runs,
  }
}

const round = (n: number) => Math.round(n * 100) / 100

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(await run(), null, 2))
