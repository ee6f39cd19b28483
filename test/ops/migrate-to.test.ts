/**
 * `rtcc server migrate-to`: a real SQLite deployment (a server that ran: users, an agency, owners and
 * cameras from an import, a canvass with its requests, evidence with a derived copy, audit records)
 * moved to a fresh PostgreSQL database by the real CLI, then compared table by table, row by row,
 * and by the audit log's Merkle root; a second move is refused; a move that fails half-way keeps nothing.
 */
import {execFileSync} from 'node:child_process'
import {copyFileSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import Database from 'better-sqlite3'
import pg from 'pg'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ApiClient} from '../../src/lib/client/api.js'
import {fulfil} from '../../src/lib/client/fulfil.js'
import {rootOf} from '../../src/lib/audit/merkle.js'
import type {CanvassResult} from '../../src/lib/domain/requests.js'
import {IMPORT_OPTIONS_HEADER} from '../../src/lib/domain/registry-import.js'
import {ffmpegPath} from '../../src/lib/media/ffmpeg.js'
import type {MigrateToReport} from '../../src/lib/store/migrate-to.js'
import {runCli} from '../helpers/cli.js'
import {runInProcess} from '../helpers/cli-in-process.js'
import {createTestDatabase, type TestDatabase} from '../helpers/database.js'
import {removeDir, startTestServer, tempDir} from '../helpers/server.js'
import {decodeQuotedPrintable} from '../helpers/smtp.js'

pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value))

const CAMERAS = `external_id,name,latitude,longitude,owner_email,owner_name,view_direction,field_of_view,records,retention_days,location_type
A1,Shop A door,41.9005,-87.6500,a@example.org,Shop A,180,90,yes,30,business
A2,Shop A alley,41.9006,-87.6502,a@example.org,Shop A,0,60,yes,30,business
B1,Shop B "window",41.8996,-87.6497,b@example.org,"Shop B, Inc.",,,yes,30,business
FAR,Far away,41.9500,-87.6500,e@example.org,Shop E,,,yes,30,business
`

let dataDir: string
let brokenDir: string
let database: TestDatabase
let target: pg.Client
const work = tempDir('rtcc-ops-work-')

beforeAll(async () => {
  const t = await startTestServer()
  dataDir = t.dataDir
  try {
    const imported = await t.admin.http.post('v1/registry/import', {
      body: CAMERAS,
      headers: {'content-type': 'application/octet-stream', [IMPORT_OPTIONS_HEADER]: JSON.stringify({format: 'csv', fileName: 'shops.csv', source: 'shops'})},
    })
    expect(imported.statusCode).toBe(200)
    const ring = [[-87.75, 41.8], [-87.55, 41.8], [-87.55, 42.0], [-87.75, 42.0], [-87.75, 41.8]]
    await t.admin.post('/v1/agencies', {name: 'Chicago PD', jurisdiction: {type: 'Polygon', coordinates: [ring]}})
    await t.admin.post('/v1/users', {username: 'lola', password: 'Loop-Analyst-Pass-1', role: 'analyst', agency: 'Chicago PD'})
    const investigator = await t.userClient('ines', 'investigator')
    const window = {from: new Date(Date.now() - 50 * 3600_000).toISOString(), to: new Date(Date.now() - 49 * 3600_000).toISOString()}
    const canvass = await investigator.post<CanvassResult>('/v1/requests/canvass', {latitude: 41.9, longitude: -87.65, radius: '300m', caseId: 'CASE-OPS-1', reason: 'burglary', ...window})
    expect(canvass.requests.length).toBe(2)
    // An owner answers from the mailed link with an original and a trimmed copy (evidence_files.parent_id).
    const outbox = join(dataDir, 'outbox')
    const mail = readdirSync(outbox).map((f) => decodeQuotedPrintable(readFileSync(join(outbox, f), 'utf8'))).find((m) => m.includes('a@example.org'))!
    const token = /rtcc_r_[A-Za-z0-9_-]{43}/.exec(mail)![0]
    const video = join(work, 'door.mp4')
    execFileSync(ffmpegPath(), ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=duration=3:size=160x120:rate=10', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', video])
    const owner = new ApiClient({baseUrl: t.url, pin: t.pin, headers: {'x-rtcc-request-token': token}})
    const answer = {api: owner, path: '/v1/requests/token', viewPath: '/v1/requests/by-token'}
    const seen = await owner.get<{cameras: Array<{cameraId: string}>}>('/v1/requests/by-token')
    const start = window.from
    const result = await fulfil(answer, {
      clips: [{camera: seen.cameras[0]!.cameraId, files: [video]}],
      done: true,
      clockOffsetSeconds: 0,
      trim: {recordingStart: start, from: new Date(Date.parse(start) + 1000).toISOString(), to: new Date(Date.parse(start) + 2000).toISOString()},
    })
    expect(result.uploaded[1]!.parentId).toBe(result.uploaded[0]!.id)
  } finally {
    await t.stop() // signs a checkpoint: the copied log must still match it
  }
  // A copy of the deployment with one row PostgreSQL's foreign keys reject (SQLite let it in with its
  // checks off), late in the copy order: the move must fail and keep nothing.
  brokenDir = tempDir('rtcc-ops-broken-')
  copyFileSync(join(dataDir, 'rtcc.db'), join(brokenDir, 'rtcc.db'))
  const broken = new Database(join(brokenDir, 'rtcc.db'))
  broken.pragma('foreign_keys = OFF')
  broken.prepare("INSERT INTO core_cameras (camera_id, core_id) VALUES ('cam_missing', 'cor_missing')").run()
  broken.close()

  database = await createTestDatabase()
  target = new pg.Client({connectionString: database.url})
  await target.connect()
})

afterAll(async () => {
  await target?.end()
  await database?.drop()
  removeDir(dataDir)
  removeDir(brokenDir)
  removeDir(work)
})

function sqliteTables(db: Database.Database): string[] {
  return db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[]
}

async function targetCounts(): Promise<Record<string, number>> {
  const {rows} = await target.query<{table_name: string}>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT IN ('spatial_ref_sys', 'rtcc_schema')",
  )
  const counts: Record<string, number> = {}
  for (const {table_name: table} of rows) counts[table] = (await target.query<{n: number}>(`SELECT count(*)::int AS n FROM "${table}"`)).rows[0]!.n
  return counts
}

describe('rtcc server migrate-to', () => {
  it('a move that fails half-way (a row PostgreSQL rejects) keeps nothing and says which table', async () => {
    // In this process (same dist/ code and oclif handling); the whole move below runs bin/run.js as a process.
    const failed = await runInProcess(['server', 'migrate-to', database.url, '--data-dir', brokenDir, '--json'])
    expect(failed.code).toBe(1)
    expect(failed.json<{error: {code: string; message: string}}>().error).toMatchObject({code: 'copy_failed', message: expect.stringContaining('core_cameras')})
    const counts = await targetCounts()
    expect(Object.keys(counts).length).toBeGreaterThan(10)
    expect(Object.values(counts).every((n) => n === 0)).toBe(true)
  })

  it('moves every record: same tables, same rows, same audit Merkle root; secrets stay in the data dir', async () => {
    const moved = await runCli(['server', 'migrate-to', database.url, '--data-dir', dataDir, '--json'], {timeoutMs: 60_000})
    expect(moved.stderr).not.toMatch(/✘/)
    expect(moved.code).toBe(0)
    const report = moved.json<MigrateToReport>()
    expect(report.keptInDataDir.join(' ')).toMatch(/audit-signing\.key.*evidence-master\.key/s)

    const source = new Database(join(dataDir, 'rtcc.db'), {readonly: true})
    try {
      const counts = await targetCounts()
      // Every PostgreSQL table holds what SQLite's table of that name holds (nothing if SQLite has none);
      // every SQLite table with rows has its PostgreSQL table.
      const sourceCounts = Object.fromEntries(sqliteTables(source).map((table) => [table, source.prepare(`SELECT count(*) FROM "${table}"`).pluck().get() as number]))
      const expected = Object.fromEntries(Object.keys(counts).map((table) => [table, sourceCounts[table] ?? 0]))
      expect(counts).toEqual(expected)
      for (const [table, n] of Object.entries(sourceCounts)) if (n > 0) expect(counts, table).toHaveProperty(table, n)
      for (const table of ['users', 'agencies', 'owners', 'cameras', 'footage_requests', 'request_cameras', 'request_timeline', 'evidence_files', 'audit_records', 'audit_checkpoints']) {
        expect(counts[table], table).toBeGreaterThan(0)
      }
      expect(report.tables.map((t) => [t.table, t.copied])).toEqual(report.tables.map((t) => [t.table, expected[t.table]]))

      // Row by row: every column both schemas have holds the same value.
      for (const table of Object.keys(counts).filter((t) => t in sourceCounts)) {
        const targetColumns = new Set(
          (await target.query<{column_name: string}>("SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1", [table])).rows.map((r) => r.column_name),
        )
        const sourceColumns = source.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table) as string[]
        // A column only SQLite has may be left behind only when it holds nothing.
        for (const column of sourceColumns.filter((c) => !targetColumns.has(c))) {
          expect(source.prepare(`SELECT count(*) FROM "${table}" WHERE "${column}" IS NOT NULL`).pluck().get(), `${table}.${column}`).toBe(0)
          expect(report.skipped).toContain(`${table}.${column} (empty; no such column in PostgreSQL)`)
        }
        const columns = sourceColumns.filter((c) => targetColumns.has(c)).map((c) => `"${c}"`).join(', ')
        const normalise = (rows: unknown[]) => rows.map((row) => JSON.stringify(row)).sort()
        const before = normalise(source.prepare(`SELECT ${columns} FROM "${table}"`).all())
        const after = normalise((await target.query(`SELECT ${columns} FROM "${table}"`)).rows)
        expect(after, table).toEqual(before)
      }

      // The audit log: the Merkle root over PostgreSQL's leaf hashes is the source's.
      const sourceLeaves = source.prepare('SELECT leaf_hash FROM audit_records ORDER BY seq').pluck().all() as Buffer[]
      const targetLeaves = (await target.query<{leaf_hash: Buffer}>('SELECT leaf_hash FROM audit_records ORDER BY seq')).rows.map((r) => r.leaf_hash)
      expect(rootOf(targetLeaves).toString('hex')).toBe(rootOf(sourceLeaves).toString('hex'))
      expect(report.audit).toMatchObject({records: sourceLeaves.length, root: rootOf(sourceLeaves).toString('hex'), contentsMatchLeaves: true, checkpoint: {matches: true}})
    } finally {
      source.close()
    }

    // PostGIS columns SQLite does not have: the generated camera points and the computed jurisdiction.
    const near = await target.query<{n: number}>("SELECT count(*)::int AS n FROM cameras WHERE ST_DWithin(location, ST_SetSRID(ST_MakePoint(-87.65, 41.9), 4326)::geography, 300)")
    expect(near.rows[0]!.n).toBe(3)
    const covers = await target.query<{inside: boolean; outside: boolean}>(
      "SELECT ST_Covers(area, ST_SetSRID(ST_MakePoint(-87.65, 41.9), 4326)) AS inside, ST_Covers(area, ST_SetSRID(ST_MakePoint(-87.5, 41.9), 4326)) AS outside FROM agencies WHERE name = 'Chicago PD'",
    )
    expect(covers.rows[0]).toEqual({inside: true, outside: false})
    // Identity sequences continue after the ids copied.
    const last = (await target.query<{id: number}>('SELECT max(id)::int AS id FROM request_timeline')).rows[0]!.id
    const next = await target.query<{id: number}>(
      "INSERT INTO request_timeline (request_id, time, actor, actor_id, actor_role, event) SELECT id, 'now', 'ops', 'usr_ops', 'admin', 'test' FROM footage_requests LIMIT 1 RETURNING id::int",
    )
    expect(next.rows[0]!.id).toBe(last + 1)
    await target.query('DELETE FROM request_timeline WHERE id = $1', [last + 1])
  })

  it('refuses a second move into a database that already holds rtcc data, changing nothing', async () => {
    const before = await targetCounts()
    const again = await runInProcess(['server', 'migrate-to', database.url, '--data-dir', dataDir])
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/already holds rtcc data \(in .*users/)
    expect(await targetCounts()).toEqual(before)
  })

  it('refuses a data dir without a database and a URL that is not PostgreSQL (usage errors, exit 2)', async () => {
    const empty = tempDir('rtcc-ops-empty-')
    try {
      const missing = await runInProcess(['server', 'migrate-to', database.url, '--data-dir', empty])
      expect(missing.code).toBe(2)
      expect(missing.stderr).toMatch(/no rtcc database in/)
    } finally {
      removeDir(empty)
    }
    const mysql = await runInProcess(['server', 'migrate-to', 'mysql://root:hunter2@db/rtcc', '--data-dir', dataDir])
    expect(mysql.code).toBe(2)
    expect(mysql.stderr).toMatch(/rtcc accepts postgres:\/\/ or postgresql:\/\//)
    expect(mysql.stderr).not.toContain('hunter2')
  })
})
