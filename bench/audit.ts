/**
 * Audit log benchmark: append rate (one transaction per record, checkpoint every 1000, as the server
 * runs it) against bare single-row insert transactions into a same-indexed table, `audit verify --db`
 * rate over 1,000,000 records (AUDIT_BENCH_RECORDS), with its CPU time, and raw SHA-256 throughput over
 * the same canonical record bytes in the same run, for comparison. Run directly: `npx tsx bench/audit.ts`.
 * With PostgreSQL (RTCC_BENCH_POSTGRES_URL, a database the bench may create others from; default
 * postgres://postgres@127.0.0.1:5432/test when it answers, see lib/postgres.ts) it also measures both on PostgreSQL, side by side: appends
 * through the store (advisory-locked, one transaction each) and `audit verify --database` over a copy
 * of the same records.
 */
import {generateKeyPairSync} from 'node:crypto'
import {mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs'
import {loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'

import {AuditLog, type AuditInput} from '../src/lib/audit/log.js'
import {sha256Hex} from '../src/lib/audit/merkle.js'
import type {NoteSigner} from '../src/lib/audit/note.js'
import {verifyAuditLog} from '../src/lib/audit/verify.js'
import {listCheckpoints} from '../src/lib/store/audit.js'
import {withSqliteAuditSnapshot} from '../src/lib/store/audit-reader.js'
import {type Db, openDatabase} from '../src/lib/store/db.js'
import {SqliteStore} from '../src/lib/store/sqlite-store.js'
import {adminQuery, benchPostgresUrl, databaseUrl} from './lib/postgres.js'

const VERIFY_RECORDS = Number(process.env.AUDIT_BENCH_RECORDS ?? 1_000_000)
const APPEND_RECORDS = 20_000
const SHA_SAMPLE = 200_000

const ACTIONS = ['camera.read', 'registry.near', 'request.issue', 'evidence.download', 'user.login', 'audit.query']

function input(i: number): AuditInput {
  return {
    actorId: `usr_01jc${String(i % 97).padStart(22, '0')}`,
    actorName: `officer${i % 97}`,
    role: i % 11 === 0 ? 'supervisor' : 'investigator',
    action: ACTIONS[i % ACTIONS.length]!,
    target: `cam_01jc${String(i % 5003).padStart(22, '0')}`,
    outcome: i % 13 === 0 ? 'denied' : 'allowed',
    source: `10.0.${(i >> 8) & 255}.${i & 255}`,
    requestId: `req-${i.toString(36)}`,
    bytesIn: 200 + (i % 1000),
    bytesOut: 1500 + (i % 50_000),
    detail: i % 13 === 0 ? {reason: 'role not allowed'} : null,
  }
}

const perSecond = (count: number, ms: number): number => Math.round((count / ms) * 1000)

/** CPU seconds of this process's main thread (Linux /proc), to tell its share from the workers'. */
function mainThreadCpuSeconds(): number | undefined {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return undefined
  }
}

/** Runs fn and returns its result with the CPU seconds it took: all threads, and the main thread alone. */
async function withCpu<T>(fn: () => Promise<T>): Promise<{result: T; cpuSeconds: number; mainCpuSeconds?: number}> {
  const [cpu, main] = [process.cpuUsage(), mainThreadCpuSeconds()]
  const result = await fn()
  const used = process.cpuUsage(cpu)
  const mainAfter = mainThreadCpuSeconds()
  return {result, cpuSeconds: (used.user + used.system) / 1e6, mainCpuSeconds: main === undefined || mainAfter === undefined ? undefined : mainAfter - main}
}

/** The columns an insert into audit_records writes (the others are generated from the leaf). */
const STORED_COLUMNS = 'seq, leaf, leaf_hash'

/**
 * The limit for appends, same run: bare single-row insert transactions of the same records (every
 * stored column) into a copy of audit_records with the same indexes, on the same connection, no log.
 */
function bareSqliteInsertsPerSecond(db: Db, count: number): number {
  const ddl = db.prepare("SELECT sql FROM sqlite_master WHERE tbl_name = 'audit_records' AND sql IS NOT NULL").pluck().all() as string[]
  for (const sql of ddl) db.exec(sql.replaceAll('audit_records', 'bare_audit'))
  const rows = db.prepare(`SELECT ${STORED_COLUMNS} FROM audit_records ORDER BY seq LIMIT ?`).raw().all(count) as unknown[][]
  const insert = db.prepare(`INSERT INTO bare_audit (${STORED_COLUMNS}) VALUES (?, ?, ?)`)
  const once = db.transaction((row: unknown[]) => insert.run(row))
  const started = performance.now()
  for (const row of rows) once(row)
  return perSecond(rows.length, performance.now() - started)
}

/** The same figures on PostgreSQL, in a database of its own (dropped after), from the SQLite verify file's records. */
async function postgresFigures(adminUrl: string, signer: NoteSigner, sqliteFile: string): Promise<Record<string, unknown>> {
  const {PgStore} = await import('../src/lib/store/postgres/pg-store.js')
  const {withPostgresAuditSnapshot} = await import('../src/lib/store/postgres/audit-reader.js')
  const name = `rtcc_bench_audit_${process.pid}`
  const admin = (sql: string) => adminQuery(adminUrl, sql)
  const databaseUrlOf = (database: string) => databaseUrl(adminUrl, database)
  const figures: Record<string, unknown> = {}
  for (const database of [`${name}_append`, `${name}_verify`]) await admin(`CREATE DATABASE ${database}`)
  try {
    const appendStore = await PgStore.open(databaseUrlOf(`${name}_append`))
    try {
      const log = await AuditLog.open(appendStore, {origin: signer.name, signer, checkpointEvery: 1000})
      const count = Math.min(APPEND_RECORDS, 5000)
      const started = performance.now()
      for (let i = 0; i < count; i++) {
        await log.append(input(i)) // alone, as the server's onSend hook appends
        await log.afterCommit()
      }
      Object.assign(figures, {appendRecords: count, appendPerSecond: perSecond(count, performance.now() - started)})
      // The limit: the same records as bare single-row insert transactions into a same-indexed copy.
      await appendStore.pool.query('CREATE TABLE bare_audit (LIKE audit_records INCLUDING ALL)')
      const {rows} = await appendStore.pool.query({text: `SELECT ${STORED_COLUMNS} FROM audit_records ORDER BY seq`, rowMode: 'array'})
      const insert = `INSERT INTO bare_audit (${STORED_COLUMNS}) VALUES ($1, $2, $3)`
      const bareStarted = performance.now()
      for (const row of rows as unknown[][]) await appendStore.pool.query(insert, row)
      figures.bareInsertPerSecond = perSecond(rows.length, performance.now() - bareStarted)
    } finally {
      await appendStore.close()
    }

    // Copy the SQLite verify log row for row, then verify it the way `audit verify --database` does.
    const verifyUrl = databaseUrlOf(`${name}_verify`)
    const store = await PgStore.open(verifyUrl)
    const source = openDatabase(sqliteFile, {readonly: true})
    try {
      const page = source.prepare(`SELECT ${STORED_COLUMNS} FROM audit_records WHERE seq > ? ORDER BY seq LIMIT 10000`).raw()
      for (let after = 0; ; ) {
        const rows = page.all(after) as unknown[][]
        if (rows.length === 0) break
        const columns = [0, 1, 2].map((c) => rows.map((row) => row[c]))
        await store.pool.query(`INSERT INTO audit_records (${STORED_COLUMNS}) SELECT * FROM unnest($1::bigint[], $2::text[], $3::bytea[])`, columns)
        after = rows.at(-1)![0] as number
      }
      for (const checkpoint of listCheckpoints(source)) await store.audit.insertCheckpoint(checkpoint)
    } finally {
      source.close()
      await store.close()
    }
    const verify = () => withPostgresAuditSnapshot(verifyUrl, (reader) => verifyAuditLog(reader, signer.publicKey))
    const [first, second] = [await verify(), await verify()]
    if (!first.ok) throw new Error(`bench log failed to verify on PostgreSQL: ${first.problems[0]}`)
    const best = first.seconds < second.seconds ? first : second
    Object.assign(figures, {verifyRecords: best.records, verifySeconds: Number(best.seconds.toFixed(3)), verifyPerSecond: best.ratePerSecond})
  } finally {
    for (const database of [`${name}_append`, `${name}_verify`]) await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
  }
  return figures
}

export async function run(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'rtcc-bench-audit-'))
  const {privateKey, publicKey} = generateKeyPairSync('ed25519')
  const signer = {name: 'bench.rtcc/audit', privateKey, publicKey}
  const postgresUrl = await benchPostgresUrl()
  try {
    // Append: each record in its own transaction, then afterCommit (which signs every 1000th).
    const appendDb = openDatabase(join(dir, 'append.db'))
    const appendLog = await AuditLog.open(new SqliteStore(appendDb), {origin: signer.name, signer, checkpointEvery: 1000})
    let started = performance.now()
    for (let i = 0; i < APPEND_RECORDS; i++) {
      await appendLog.append(input(i))
      await appendLog.afterCommit()
    }
    const appendMs = performance.now() - started
    const bareInsertPerSecond = bareSqliteInsertsPerSecond(appendDb, APPEND_RECORDS)
    appendDb.close()

    // The verify database: bulk-built in one transaction (fast to make), checkpoints signed on catch-up.
    const file = join(dir, 'verify.db')
    const db = openDatabase(file)
    db.pragma('cache_size = -262144') // 256 MiB page cache: keeps the bulk build from thrashing its indexes
    const store = new SqliteStore(db)
    const log = await AuditLog.open(store, {origin: signer.name, signer, checkpointEvery: 1000})
    started = performance.now()
    await store.transaction(async () => {
      for (let i = 0; i < VERIFY_RECORDS; i++) await log.append(input(i))
    })
    await log.afterCommit()
    const buildSeconds = (performance.now() - started) / 1000
    db.close()

    // Best of two runs: the first also warms the OS page cache; this machine's cores are shared.
    const verifyDb = openDatabase(file, {readonly: true})
    const verify = () => withCpu(() => withSqliteAuditSnapshot(verifyDb, (reader) => verifyAuditLog(reader, publicKey)))
    const [first, second] = [await verify(), await verify()]
    if (!first.result.ok) throw new Error(`bench log failed to verify: ${first.result.problems[0]}`)
    const best = first.result.seconds < second.result.seconds ? first : second
    const result = best.result

    // Raw SHA-256 over the same canonical leaf bytes (0x00 || record JSON), prepared beforehand, using
    // the cheapest node:crypto call (hex out), as verify does.
    const leaves = verifyDb.prepare('SELECT leaf FROM audit_records ORDER BY seq LIMIT ?').pluck().all(SHA_SAMPLE) as string[]
    const sample = leaves.map((leaf) => Buffer.from('\u0000' + leaf))
    verifyDb.close()
    const rounds = Math.max(1, Math.round(VERIFY_RECORDS / sample.length))
    let shaRate = 0
    let shaCpuRate = 0
    for (let attempt = 0; attempt < 2; attempt++) {
      started = performance.now()
      const {cpuSeconds} = await withCpu(async () => {
        for (let r = 0; r < rounds; r++) for (const bytes of sample) sha256Hex(bytes)
      })
      shaRate = Math.max(shaRate, perSecond(rounds * sample.length, performance.now() - started))
      shaCpuRate = Math.max(shaCpuRate, Math.round((rounds * sample.length) / cpuSeconds))
    }
    const meanLeafBytes = Math.round(sample.reduce((sum, b) => sum + b.length, 0) / sample.length)

    return {
      appendRecords: APPEND_RECORDS,
      appendPerSecond: perSecond(APPEND_RECORDS, appendMs),
      bareInsertPerSecond,
      appendToBareInsertRatio: Number((perSecond(APPEND_RECORDS, appendMs) / bareInsertPerSecond).toFixed(3)),
      verifyRecords: result.records,
      verifyCheckpoints: result.checkpoints,
      verifySeconds: Number(result.seconds.toFixed(3)),
      verifyPerSecond: result.ratePerSecond,
      verifyGoalPerSecond: 1_000_000,
      rawSha256PerSecond: shaRate,
      meanLeafBytes,
      // verify makes two SHA-256 calls per record (its leaf and, amortised, one tree node) besides
      // reading it from SQLite, so rawSha256PerSecond / 2 is its ceiling on one thread.
      verifyToRawSha256Ratio: Number(((result.ratePerSecond ?? 0) / shaRate).toFixed(3)),
      verifyToTwoHashCeilingRatio: Number(((result.ratePerSecond ?? 0) / (shaRate / 2)).toFixed(3)),
      // CPU time, steadier than wall time on a shared machine: verify reads and hashes the leaves in
      // worker threads, so its main thread (tree and roots) and the workers' share are told apart.
      verifyCpuSeconds: Number(best.cpuSeconds.toFixed(3)),
      verifyMainThreadCpuSeconds: best.mainCpuSeconds === undefined ? undefined : Number(best.mainCpuSeconds.toFixed(2)),
      rawSha256PerCpuSecond: shaCpuRate,
      loadAverage: loadavg().map((load) => load.toFixed(2)).join(' '),
      buildSeconds: Number(buildSeconds.toFixed(1)),
      databaseMiB: Math.round(statSync(file).size / 2 ** 20),
      ...(postgresUrl ? {postgres: await postgresFigures(postgresUrl, signer, file)} : {}),
    }
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await run(), null, 2))
}
