/**
 * Bulk import through the real CLI and server: a generated 1,000,000-row CSV (about 190 MB) is
 * streamed by `rtcc registry import` to `rtcc server start` (both spawned from dist/, over TLS), which
 * validates every row, stages it, and upserts it into the registry. The raw limit, measured in the
 * same run on the same file: the sqlite3 shell's `.import` into a plain table (no validation, no
 * keys, no index). Also reported: a re-import of the same file (all unchanged), peak RSS of server
 * and CLI, and the load average, since other work on the machine shows in every figure.
 * Needs a built dist/ (`npm run build`). Run directly: `npx tsx bench/registry-import.ts [rows]`.
 */
import {type ChildProcess, spawn, spawnSync} from 'node:child_process'
import {createWriteStream, mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs'
import {cpus, loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'
import {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {fileURLToPath} from 'node:url'

import {syntheticCameraCsv} from '../src/lib/registry/synthetic.js'

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const SQLITE3 = '/usr/bin/sqlite3'
const ADMIN = {username: 'chief', password: 'Import-Bench-Passphrase-1'}

/** Peak resident set size (VmHWM) of a live process, in MB. */
export function peakRssMb(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024
  } catch {
    return 0
  }
}

function cli(args: string[], env: Record<string, string>, input?: string) {
  const result = spawnSync(process.execPath, [BIN, ...args], {env: {...process.env, ...env, CI: '1'}, input, encoding: 'utf8', maxBuffer: 64 * 2 ** 20})
  if (result.status !== 0) throw new Error(`rtcc ${args.join(' ')} exited ${result.status}: ${result.stderr}`)
  return result.stdout
}

export interface BenchServer {
  url: string
  fingerprint: string
  process: ChildProcess
  /** Environment for CLI calls logged in as the admin. */
  env: Record<string, string>
  admin: typeof ADMIN
  stop(): Promise<void>
}

/** `rtcc server init` + `rtcc server start` in `dataDir` as a child process, and an admin CLI login. */
export async function startServerProcess(dataDir: string, configDir: string): Promise<BenchServer> {
  const env = {RTCC_CONFIG_DIR: configDir}
  try {
    cli(['server', 'init', '--data-dir', dataDir, '--admin-user', ADMIN.username, '--admin-password-stdin'], env, ADMIN.password)
  } catch (error) {
    if (!/already initialised/.test((error as Error).message)) throw error
  }
  const child = spawn(process.execPath, [BIN, 'server', 'start', '--data-dir', dataDir, '--port', '0', '--json'], {stdio: ['ignore', 'pipe', 'inherit']})
  const {url, fingerprint} = await new Promise<{url: string; fingerprint: string}>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (chunk) => {
      out += chunk
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!))
    })
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)))
  })
  cli(['login', url, '--user', ADMIN.username, '--password-stdin', '--fingerprint', fingerprint], env, ADMIN.password)
  return {
    url,
    fingerprint,
    process: child,
    env,
    admin: ADMIN,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}

/** Runs the CLI import, sampling its peak RSS until it exits. */
async function timedImport(file: string, env: Record<string, string>): Promise<{seconds: number; summary: Record<string, unknown>; cliPeakRssMb: number}> {
  const started = performance.now()
  const child = spawn(process.execPath, [BIN, 'registry', 'import', file, '--json'], {env: {...process.env, ...env, CI: '1'}, stdio: ['ignore', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  let cliPeakRssMb = 0
  const sampler = setInterval(() => (cliPeakRssMb = Math.max(cliPeakRssMb, peakRssMb(child.pid!))), 50)
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  clearInterval(sampler)
  if (code !== 0) throw new Error(`registry import exited ${code}: ${stderr}`)
  return {seconds: (performance.now() - started) / 1000, summary: JSON.parse(stdout) as Record<string, unknown>, cliPeakRssMb}
}

const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits

export async function run(rows = Number(process.env.REGISTRY_BENCH_ROWS ?? 1_000_000)): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'rtcc-bench-import-'))
  let server: BenchServer | undefined
  try {
    const file = join(dir, 'cameras.csv')
    await pipeline(Readable.from(syntheticCameraCsv(rows, {source: 'bench'})), createWriteStream(file))
    const megabytes = statSync(file).size / 1e6
    const loadBefore = loadavg()[0]!

    // The raw limit: the sqlite3 shell's own CSV import into a plain table, same file.
    const started = performance.now()
    const raw = spawnSync(SQLITE3, [join(dir, 'raw.db'), '.import --csv ' + file + ' cameras'], {encoding: 'utf8'})
    const rawSeconds = (performance.now() - started) / 1000
    if (raw.status !== 0) throw new Error(`sqlite3 .import failed: ${raw.stderr}`)

    server = await startServerProcess(join(dir, 'server'), join(dir, 'config'))
    const first = await timedImport(file, server.env)
    const again = await timedImport(file, server.env)
    const serverPeakRssMb = peakRssMb(server.process.pid!)
    const rawRate = rows / rawSeconds
    const importRate = rows / first.seconds
    return {
      rows,
      megabytes: round(megabytes, 1),
      sqlite3ImportRowsPerSecond: Math.round(rawRate),
      importRowsPerSecond: Math.round(importRate),
      ratio: round(importRate / rawRate, 3),
      goalRatio: 0.3,
      reimportUnchangedRowsPerSecond: Math.round(rows / again.seconds),
      firstImport: {seconds: round(first.seconds, 1), inserted: first.summary.inserted, rejected: first.summary.rejected},
      reimport: {seconds: round(again.seconds, 1), unchanged: again.summary.unchanged},
      serverPeakRssMb: round(serverPeakRssMb),
      cliPeakRssMb: round(Math.max(first.cliPeakRssMb, again.cliPeakRssMb)),
      goalPeakRssMb: 300,
      loadAverage: {before: round(loadBefore, 2), after: round(loadavg()[0]!, 2)},
      cpus: cpus().length,
    }
  } finally {
    await server?.stop()
    rmSync(dir, {recursive: true, force: true})
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(await run(process.argv[2] ? Number(process.argv[2]) : undefined), null, 2))
