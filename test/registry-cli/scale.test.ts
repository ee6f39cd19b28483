import {spawn} from 'node:child_process'
import {createWriteStream, readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {fileURLToPath} from 'node:url'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {AuditRecord} from '../../src/lib/audit/record.js'
import {syntheticCameraCsv} from '../../src/lib/registry/synthetic.js'
import type {SqliteStore} from '../../src/lib/store/sqlite-store.js'
import {sqlAll} from '../helpers/sql.js'
import {type ImportResult, type RegistryCli, startRegistryCli} from './helpers.js'

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

let r: RegistryCli

beforeAll(async () => {
  r = await startRegistryCli()
})

afterAll(async () => {
  await r.stop()
})

async function syntheticFile(name: string, rows: number, source: string): Promise<string> {
  const path = join(r.dir, name)
  await pipeline(Readable.from(syntheticCameraCsv(rows, {source})), createWriteStream(path))
  return path
}

const stats = () => r.t.admin.get<{cameras: number; owners: number}>('/v1/registry/stats')
/** Imports being staged now: SQLite staging files in the data dir, or PostgreSQL staging tables. */
async function stagingAreas(): Promise<string[]> {
  const store = r.t.server.ctx.store
  if (store.backend === 'sqlite') return readdirSync(r.t.server.ctx.secrets.dir).filter((f) => f.endsWith('.staging.db'))
  return (await sqlAll<{tablename: string}>(store, "SELECT tablename FROM pg_tables WHERE tablename LIKE 'import_staging_%'")).map((t) => t.tablename)
}

/** Peak resident set size of a running process, sampled from /proc. */
function rssKb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
  } catch {
    return 0
  }
}

/** Spawns `rtcc registry import …` as the admin, sampling the server's heap and the CLI's RSS while it runs. */
function importWatched(args: string[], onSample?: (child: {kill(): void}) => void) {
  const child = spawn(process.execPath, [BIN, 'registry', 'import', ...args, '--profile', 'default'], {
    env: {...process.env, RTCC_CONFIG_DIR: join(r.dir, 'config'), NO_COLOR: '1', CI: '1'},
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  const peak = {serverHeapMB: 0, cliRssMB: 0}
  const timer = setInterval(() => {
    peak.serverHeapMB = Math.max(peak.serverHeapMB, process.memoryUsage().heapUsed / 2 ** 20)
    peak.cliRssMB = Math.max(peak.cliRssMB, rssKb(child.pid!) / 1024)
    onSample?.({kill: () => child.kill('SIGKILL')})
  }, 20)
  return new Promise<{code: number | null; signal: string | null; stdout: string; stderr: string; peak: typeof peak}>((resolve) => {
    child.on('close', (code, signal) => {
      clearInterval(timer)
      resolve({code, signal, stdout, stderr, peak})
    })
  })
}

describe('large files', () => {
  it('imports a 100,000-row file with the server heap and the CLI staying small', async () => {
    const file = await syntheticFile('100k.csv', 100_000, 'bulk')
    const megabytes = statSync(file).size / 2 ** 20
    global.gc?.()
    const baseline = process.memoryUsage().heapUsed / 2 ** 20
    const first = await importWatched([file, '--json'])
    expect(first.code).toBe(0)
    expect(JSON.parse(first.stdout)).toMatchObject({read: 100_000, inserted: 100_000, rejected: 0, ownersCreated: 5000})
    // Streaming: neither side holds the file (19 MB of bytes, twice that as text) or a per-row map.
    // (On PostgreSQL each batch becomes COPY text first and V8 collects it late: the bound is the benchmark's RSS figure.)
    if (r.t.server.ctx.store.backend === 'sqlite') expect(first.peak.serverHeapMB - baseline).toBeLessThan(megabytes)
    expect(first.peak.cliRssMB).toBeLessThan(200)
    // A bulk insert this large rebuilds the owner index rather than inserting into it row by row: it is back.
    // SQLite only: the check reads sqlite_master and forces the index with INDEXED BY.
    const store = r.t.server.ctx.store
    if (store.backend === 'sqlite') {
      const {db} = store as SqliteStore
      const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cameras' AND sql IS NOT NULL").pluck().all()
      expect(indexes).toContain('cameras_owner')
      expect(db.prepare("SELECT count(*) FROM cameras INDEXED BY cameras_owner WHERE owner_id = (SELECT id FROM owners WHERE email = 'owner7@example.com')").pluck().get()).toBe(20)
    }
  })
})

describe('an import killed mid-upload', () => {
  it('leaves the registry as it was, is audited, and a re-run imports every row', async () => {
    // Large enough (about 23 MB) that the body is still arriving when staging starts: the server
    // reads ahead of its parser by a few MB at most, and staging shows once a first batch is parsed.
    const file = await syntheticFile('120k.csv', 120_000, 'killed')
    const before = await stats()
    let staging = false
    const watch = setInterval(() => void stagingAreas().then((areas) => (staging = areas.length > 0)), 20)
    const cut = await importWatched([file], (child) => {
      // Kill the CLI as soon as the server stages rows from the body (well before the end).
      if (staging) child.kill()
    }).finally(() => clearInterval(watch))
    expect(cut.signal).toBe('SIGKILL')
    // The server notices the cut, discards its staging area and applies nothing.
    for (let i = 0; i < 200 && (await stagingAreas()).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 50))
    expect(await stagingAreas()).toEqual([])
    expect(await stats()).toEqual(before)
    const audit = await r.t.admin.get<AuditRecord[]>('/v1/audit', {action: 'registry.import', limit: 1})
    expect(audit[0]).toMatchObject({outcome: 'error', actorName: 'chief'})

    const rerun = await importWatched([file, '--json'])
    expect(JSON.parse(rerun.stdout) as ImportResult).toMatchObject({read: 120_000, inserted: 120_000, rejected: 0})
    expect((await stats()).cameras).toBe(before.cameras + 120_000)
  })
})
