/**
 * Bulk import through the real CLI and server: a generated CSV of BENCH_ROWS rows (default 200,000, about
 * 38 MB; BENCH_ROWS=1000000 is the issue's size, about 190 MB) is
 * streamed by `rtcc registry import` to `rtcc server start` (both spawned from dist/, over TLS), which
 * validates every row, stages it, and upserts it into the registry. The raw limit, measured in the
 * same run on the same file: the sqlite3 shell's `.import` into a plain table (no validation, no
 * keys, no index). Also reported: CPU seconds of each side (rows per CPU-second is the steadier
 * comparison on a shared machine), a re-import of the same file (all unchanged), peak RSS of server
 * and CLI, and the load average, since other work on the machine shows in every wall-clock figure.
 * With PostgreSQL (RTCC_BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test when it
 * answers; see lib/postgres.ts) the same file is imported again with the server on a database of its
 * own (`postgres`), against psql's `\copy` of the file into a plain table of text columns there.
 * BENCH_IMPORT_SQLITE=off runs the PostgreSQL part alone. Needs a built dist/ (`npm run build`). Run directly: `npx tsx bench/registry-import.ts [rows]`.
 */
import {type ChildProcess, spawn, spawnSync} from 'node:child_process'
import {closeSync, createWriteStream, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync} from 'node:fs'
import {cpus, loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'
import {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {fileURLToPath} from 'node:url'

import {syntheticCameraCsv} from '../src/lib/registry/synthetic.js'
import {adminQuery, benchPostgresUrl, benchRows, withBenchDatabase} from './lib/postgres.js'

const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const SQLITE3 = '/usr/bin/sqlite3'
const PSQL = '/usr/bin/psql'
const ADMIN = {username: 'chief', password: 'Import-Bench-Passphrase-1'}

/** Peak resident set size (VmHWM) of a live process, in MB. */
export function peakRssMb(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024
  } catch {
    return 0
  }
}

const CLOCK_TICKS = 100

/** CPU seconds (user + system) a live process has used so far. */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS
  } catch {
    return 0
  }
}

/** Runs a command to completion, sampling its peak RSS and CPU time (the last sample is at most 50 ms old). */
async function watched(command: string, args: string[], env: Record<string, string> = {}): Promise<{seconds: number; cpuSeconds: number; peakRssMb: number; stdout: string}> {
  const started = performance.now()
  const child = spawn(command, args, {env: {...process.env, ...env, CI: '1'}, stdio: ['ignore', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  const seen = {cpuSeconds: 0, peakRssMb: 0}
  const sampler = setInterval(() => {
    seen.cpuSeconds = Math.max(seen.cpuSeconds, cpuSeconds(child.pid!))
    seen.peakRssMb = Math.max(seen.peakRssMb, peakRssMb(child.pid!))
  }, 50)
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  clearInterval(sampler)
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`)
  return {seconds: (performance.now() - started) / 1000, ...seen, stdout}
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
export async function startServerProcess(dataDir: string, configDir: string, database?: string): Promise<BenchServer> {
  const env = {RTCC_CONFIG_DIR: configDir}
  const databaseArgs = database ? ['--database', database] : []
  try {
    cli(['server', 'init', '--data-dir', dataDir, ...databaseArgs, '--admin-user', ADMIN.username, '--admin-password-stdin'], env, ADMIN.password)
  } catch (error) {
    if (!/already initialised/.test((error as Error).message)) throw error
  }
  const child = spawn(process.execPath, [BIN, 'server', 'start', '--data-dir', dataDir, ...databaseArgs, '--port', '0', '--json'], {stdio: ['ignore', 'pipe', 'inherit']})
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

/** `rtcc registry import FILE --json`, with the CPU the server spent on it. */
async function timedImport(file: string, server: BenchServer) {
  const serverCpu = cpuSeconds(server.process.pid!)
  const run = await watched(process.execPath, [BIN, 'registry', 'import', file, '--json'], server.env)
  return {...run, serverCpuSeconds: cpuSeconds(server.process.pid!) - serverCpu, summary: JSON.parse(run.stdout) as Record<string, unknown>}
}

const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits

/**
 * The same import with the server on PostgreSQL (`server start --database`), in a database of its own.
 * The raw limit, same run, same file: psql's `\\copy` (a bare `COPY … FROM STDIN`) into a plain table of
 * text columns (no validation, no keys, no index), in the same database.
 */
async function postgresFigures(adminUrl: string, file: string, rows: number, dir: string): Promise<Record<string, unknown>> {
  return withBenchDatabase(adminUrl, 'import', async (url) => {
    const head = Buffer.alloc(4096)
    const fd = openSync(file, 'r')
    readSync(fd, head, 0, head.length, 0)
    closeSync(fd)
    const header = head.toString('utf8').split('\n')[0]!.split(',')
    await adminQuery(url, `CREATE TABLE raw_cameras (${header.map((_, i) => `c${i} text`).join(', ')})`)
    const raw = await watched(PSQL, [url, '-v', 'ON_ERROR_STOP=1', '-c', `\\copy raw_cameras FROM '${file}' WITH (FORMAT csv, HEADER true)`])
    await adminQuery(url, 'DROP TABLE raw_cameras')
    const server = await startServerProcess(join(dir, 'server-pg'), join(dir, 'config-pg'), url)
    try {
      const first = await timedImport(file, server)
      const again = await timedImport(file, server)
      const copyRate = rows / raw.seconds
      const importRate = rows / first.seconds
      return {
        copyRowsPerSecond: Math.round(copyRate),
        importRowsPerSecond: Math.round(importRate),
        ratio: round(importRate / copyRate, 3),
        goalRatio: 0.3,
        reimportUnchangedRowsPerSecond: Math.round(rows / again.seconds),
        copy: {seconds: round(raw.seconds, 2)},
        firstImport: {seconds: round(first.seconds, 1), serverCpuSeconds: round(first.serverCpuSeconds, 1), cliCpuSeconds: round(first.cpuSeconds, 1), inserted: first.summary.inserted, rejected: first.summary.rejected},
        reimport: {seconds: round(again.seconds, 1), serverCpuSeconds: round(again.serverCpuSeconds, 1), unchanged: again.summary.unchanged},
        serverPeakRssMb: round(peakRssMb(server.process.pid!)),
        cliPeakRssMb: round(Math.max(first.peakRssMb, again.peakRssMb)),
        loadAverageAfter: round(loadavg()[0]!, 2),
      }
    } finally {
      await server.stop()
    }
  })
}

/** Default 200,000 rows (the whole default `npm run bench` stays near 10 minutes on 2 cores); BENCH_ROWS=1000000 for the issue's size. */
export async function run(rows = benchRows(200_000)): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'rtcc-bench-import-'))
  let server: BenchServer | undefined
  try {
    const file = join(dir, 'cameras.csv')
    await pipeline(Readable.from(syntheticCameraCsv(rows, {source: 'bench'})), createWriteStream(file))
    const megabytes = statSync(file).size / 1e6
    const loadBefore = loadavg()[0]!
    // BENCH_IMPORT_SQLITE=off: the PostgreSQL figures alone (when working on that store).
    if (process.env.BENCH_IMPORT_SQLITE === 'off') {
      const postgresUrl = await benchPostgresUrl()
      return {rows, megabytes: round(megabytes, 1), loadAverage: {before: round(loadBefore, 2)}, postgres: postgresUrl ? await postgresFigures(postgresUrl, file, rows, dir) : undefined}
    }

    // The raw limit: the sqlite3 shell's own CSV import into a plain table, same file.
    const raw = await watched(SQLITE3, [join(dir, 'raw.db'), `.import --csv ${file} cameras`])

    server = await startServerProcess(join(dir, 'server'), join(dir, 'config'))
    const first = await timedImport(file, server)
    const again = await timedImport(file, server)
    const serverPeakRssMb = peakRssMb(server.process.pid!)
    const rawRate = rows / raw.seconds
    const importRate = rows / first.seconds
    // Rows per CPU-second of the work (sqlite3; server + CLI): steadier than wall time on a shared machine.
    const rawCpuRate = rows / raw.cpuSeconds
    const importCpuRate = rows / (first.serverCpuSeconds + first.cpuSeconds)
    await server.stop()
    server = undefined
    const postgresUrl = await benchPostgresUrl()
    const postgres = postgresUrl ? await postgresFigures(postgresUrl, file, rows, dir) : undefined
    return {
      rows,
      megabytes: round(megabytes, 1),
      sqlite3ImportRowsPerSecond: Math.round(rawRate),
      importRowsPerSecond: Math.round(importRate),
      ratio: round(importRate / rawRate, 3),
      goalRatio: 0.3,
      cpu: {
        sqlite3Seconds: round(raw.cpuSeconds, 1),
        importServerSeconds: round(first.serverCpuSeconds, 1),
        importCliSeconds: round(first.cpuSeconds, 1),
        ratio: round(importCpuRate / rawCpuRate, 3),
      },
      reimportUnchangedRowsPerSecond: Math.round(rows / again.seconds),
      firstImport: {seconds: round(first.seconds, 1), inserted: first.summary.inserted, rejected: first.summary.rejected},
      reimport: {seconds: round(again.seconds, 1), serverCpuSeconds: round(again.serverCpuSeconds, 1), unchanged: again.summary.unchanged},
      serverPeakRssMb: round(serverPeakRssMb),
      cliPeakRssMb: round(Math.max(first.peakRssMb, again.peakRssMb)),
      goalPeakRssMb: 300,
      loadAverage: {before: round(loadBefore, 2), after: round(loadavg()[0]!, 2)},
      cpus: cpus().length,
      ...(postgres ? {postgres} : {}),
    }
  } finally {
    await server?.stop()
    rmSync(dir, {recursive: true, force: true})
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(await run(process.argv[2] ? Number(process.argv[2]) : undefined), null, 2))
