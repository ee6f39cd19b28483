/**
 * CLI cold start, each against bare `node -e 0` in the same run: `rtcc --version`, a full oclif
 * command's help, and two read commands end to end against a running server (`rtcc whoami --json`,
 * `rtcc registry near … --json`). The limit for a read command is 3× `node -e 0` plus the
 * server's own time for the request, measured here as the same calls made by an already-running
 * client (same profile, so the same audit witness check first), each over a new TLS connection as a
 * fresh process makes them. Needs a built dist/.
 */
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {globalAgent} from 'node:https'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {connectJson} from '../src/lib/client/session.js'
import {startServerProcess} from './registry-import.js'

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const NEAR = ['registry', 'near', '--at', '41.8781,-87.6298', '--radius', '300m', '--json']

const median = (times: number[]) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!

function medianMs(args: string[], runs: number, env: NodeJS.ProcessEnv = process.env): number {
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint()
    const result = spawnSync(process.execPath, args, {stdio: 'ignore', env})
    if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}`)
    times.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  return median(times)
}

/** The server's own time for a command's calls: a warm client, a new connection each time. */
async function serverMs(configDir: string, call: (api: Awaited<ReturnType<typeof connectJson>>) => Promise<unknown>, runs: number): Promise<number> {
  const previous = process.env.RTCC_CONFIG_DIR
  process.env.RTCC_CONFIG_DIR = configDir
  try {
    const times: number[] = []
    for (let i = 0; i < runs + 1; i++) {
      globalAgent.destroy() // no kept-alive connection from the last round
      const start = performance.now()
      await call(await connectJson())
      if (i > 0) times.push(performance.now() - start) // the first call warms this process
    }
    return median(times)
  } finally {
    process.env.RTCC_CONFIG_DIR = previous
    globalAgent.destroy()
  }
}

export async function run(runs = 15): Promise<Record<string, unknown>> {
  medianMs(['-e', '0'], 3) // warm the file cache
  const node = medianMs(['-e', '0'], runs)
  const version = medianMs([BIN, '--version'], runs)
  const help = medianMs([BIN, 'whoami', '--help'], runs)
  const dir = mkdtempSync(join(tmpdir(), 'rtcc-bench-startup-'))
  const server = await startServerProcess(join(dir, 'data'), join(dir, 'config'))
  try {
    const env = {...process.env, ...server.env}
    const commands: Record<string, unknown> = {}
    for (const [name, args, call] of [
      ['whoami', ['whoami', '--json'], (api) => api.get('/v1/auth/whoami')],
      ['registryNear', NEAR, (api) => api.get('/v1/registry/near', {at: '41.8781,-87.6298', radius: '300m', limit: 100})],
    ] as const satisfies ReadonlyArray<readonly [string, string[], Parameters<typeof serverMs>[1]]>) {
      medianMs([BIN, ...args], 2, env)
      const endToEnd = medianMs([BIN, ...args], runs, env)
      const serverTime = await serverMs(server.env.RTCC_CONFIG_DIR!, call, runs)
      const limit = 3 * node + serverTime
      commands[name] = {endToEndMs: round(endToEnd), serverMs: round(serverTime), limitMs: round(limit), ratio: round(endToEnd / limit), goalRatio: 1}
    }
    return {
      nodeBareMs: round(node),
      versionMs: round(version),
      versionRatio: round(version / node),
      versionGoalRatio: 2.5,
      commandHelpMs: round(help),
      commandHelpRatio: round(help / node),
      ...commands,
      runs,
    }
  } finally {
    await server.stop()
    rmSync(dir, {recursive: true, force: true})
  }
}

const round = (n: number) => Math.round(n * 100) / 100

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(await run(), null, 2))
