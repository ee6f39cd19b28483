/**
 * `rtcc server migrate-to postgres://…`: moves a SQLite deployment's database to PostgreSQL with every
 * record, and proves it did.
 *
 * - The source is the data dir's `rtcc.db`, opened read-only and read in one transaction (one
 *   snapshot); it must be at the current schema version. Stop the server first: writes made after
 *   the copy would stay behind in SQLite.
 * - The target gets the current PostgreSQL schema (migrations applied) and must hold no rtcc data:
 *   a second run, or a run against a database in use, is refused before anything is written.
 * - Tables are copied generically by the column names both schemas have, parents before children
 *   (from the target's foreign keys; a self-referencing table row by row, parents first), with COPY
 *   in batches, all in ONE PostgreSQL transaction: a failure leaves the target empty. Columns only
 *   PostgreSQL has are either generated (`cameras.location`) or computed here (`agencies.area`, from
 *   the jurisdiction GeoJSON). A column or table only SQLite has must be empty, else the move stops.
 * - Identity sequences are set past the explicit ids copied.
 * - Before committing: row counts per table equal the source's, and the audit log's Merkle root over
 *   the copied leaf hashes (and over leaf hashes recomputed from the copied record contents) equals
 *   the source's, so `rtcc audit verify` gives the same answer on both.
 * Secrets are files in the data dir (TLS key, audit signing key, evidence master key, MFA key) and
 * so are the evidence blobs: they are not rows and stay where they are.
 */
import {existsSync} from 'node:fs'
import {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'

import type pg from 'pg'

import {hashLeaf, MerkleAccumulator} from '../audit/merkle.js'
import {RtccError, usageError} from '../errors.js'
import {type Db, openDatabase, schemaVersion} from './db.js'
import {migrations} from './migrations.js'
import {postgresConnection, postgresError, redactUrl, sqliteFile} from './open.js'

/** What stays in the data dir after a move: files, not rows. */
export const KEPT_IN_DATA_DIR = [
  'tls-cert.pem, tls-key.pem (the server certificate clients pin)',
  'audit-signing.key, audit-signing.pub (signs audit checkpoints)',
  'evidence-master.key (encrypts evidence) and evidence/ (the encrypted evidence files)',
  'mfa-secrets.key (seals TOTP secrets; the database holds them sealed only)',
  'outbox/ (mail written as .eml files when no SMTP server is set)',
] as const

/** PostgreSQL-only columns computed from the SQLite row: `{column}` names a copied column. */
const COMPUTED: Record<string, Record<string, string>> = {
  agencies: {area: 'ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON({jurisdiction}), 4326))'},
}

/** Tables in the target that are not rtcc data. */
const NOT_DATA = new Set(['rtcc_schema', 'spatial_ref_sys'])
/** Rows per COPY chunk / parameters per INSERT. */
const COPY_CHUNK_ROWS = 2000
const INSERT_PARAMETERS = 30_000
const AUDIT_PAGE = 10_000
const MOVE_LOCK = 7_273_902

export interface TableMove {
  table: string
  /** Rows in SQLite. */
  rows: number
  /** Rows counted in PostgreSQL after the copy. */
  copied: number
}

export interface MigrateToReport {
  source: string
  target: string
  schemaVersion: {sqlite: number; postgres: number}
  tables: TableMove[]
  /** Empty SQLite tables or columns PostgreSQL has no place for. */
  skipped: string[]
  audit: {
    records: number
    /** Merkle root over the stored leaf hashes, hex: equal on both sides. */
    root: string
    /** False when the source's records already do not hash to their stored leaves (the copy is still identical). */
    contentsMatchLeaves: boolean
    /** The latest signed checkpoint and whether the copied log's root at its size is the one it signed. */
    checkpoint: {size: number; matches: boolean} | null
  }
  keptInDataDir: string[]
  dataDir: string
  elapsedMs: number
}

interface TargetColumn {
  name: string
  generated: boolean
  /** An identity column, or one whose default takes nextval() of a sequence: set past the copied ids. */
  sequence: boolean
}

interface ForeignKey {
  child: string
  parent: string
  columns: string[]
  refColumns: string[]
}

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`

export async function migrateToPostgres(options: {dataDir: string; databaseUrl: string}): Promise<MigrateToReport> {
  const started = Date.now()
  const connection = postgresConnection(options.databaseUrl)
  const display = redactUrl(options.databaseUrl)
  const file = sqliteFile(options.dataDir)
  if (!existsSync(file)) throw usageError(`no rtcc database in ${options.dataDir} (${file} does not exist)`, 'Pass the data dir of the SQLite deployment to move with --data-dir.')

  const source = openDatabase(file, {readonly: true})
  const [{default: pg}, {migratePostgres}] = await Promise.all([import('pg'), import('./postgres/migrate.js')])
  // Counts, sizes and sequence numbers as numbers, as the PostgreSQL store reads them (all below 2^53).
  pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value))
  const pool = new pg.Pool({connectionString: connection.connectionString, ssl: connection.ssl, max: 1})
  pool.on('error', () => undefined)
  try {
    const version = schemaVersion(source)
    if (version !== migrations.length) {
      throw new RtccError(`${file} is at schema version ${version}, this rtcc's is ${migrations.length}`, {
        code: 'schema_mismatch',
        hint: version < migrations.length ? `Bring it up to date first: rtcc server migrate --data-dir ${options.dataDir}` : 'Use the rtcc version that last ran this server.',
      })
    }
    let postgresVersion: number
    try {
      postgresVersion = await migratePostgres(pool)
    } catch (error) {
      throw postgresError(error, display)
    }
    const client = await pool.connect().catch((error: unknown) => {
      throw postgresError(error, display)
    })
    try {
      // One snapshot of the source for the whole copy.
      source.exec('BEGIN')
      await client.query('BEGIN')
      try {
        const moved = await copyEverything(source, client, display)
        await client.query('COMMIT')
        return {
          source: file,
          target: display,
          schemaVersion: {sqlite: version, postgres: postgresVersion},
          ...moved,
          keptInDataDir: [...KEPT_IN_DATA_DIR],
          dataDir: options.dataDir,
          elapsedMs: Date.now() - started,
        }
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined)
        throw error
      } finally {
        if (source.inTransaction) source.exec('COMMIT')
      }
    } finally {
      client.release()
    }
  } finally {
    source.close()
    await pool.end()
  }
}

async function copyEverything(source: Db, client: pg.PoolClient, display: string): Promise<Pick<MigrateToReport, 'tables' | 'skipped' | 'audit'>> {
  // Two moves at once would both see an empty target: the second waits here, then finds data.
  await client.query('SELECT pg_advisory_xact_lock($1)', [MOVE_LOCK])
  const target = await targetSchema(client)
  const occupied: string[] = []
  for (const table of target.tables.keys()) {
    const {rows} = await client.query<{found: boolean}>(`SELECT EXISTS (SELECT 1 FROM ${quote(table)}) AS found`)
    if (rows[0]?.found) occupied.push(table)
  }
  if (occupied.length > 0) {
    throw new RtccError(`the PostgreSQL database ${display} already holds rtcc data (in ${occupied.join(', ')}); nothing was copied`, {
      code: 'target_not_empty',
      hint: 'Move into a new, empty database (createdb), or run the server on this one as it is.',
    })
  }

  const sourceTables = (source.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[])
  const skipped: string[] = []
  const present: string[] = []
  for (const table of sourceTables) {
    const rows = countSource(source, table)
    if (target.tables.has(table)) present.push(table)
    else if (rows === 0) skipped.push(`${table} (empty; no such table in PostgreSQL)`)
    else {
      throw new RtccError(`SQLite table ${table} holds ${rows} rows but the PostgreSQL schema has no ${table} table; nothing was copied`, {
        code: 'schema_gap',
        hint: 'This rtcc cannot move that data yet: keep running on SQLite and report it.',
      })
    }
  }

  const tables: TableMove[] = []
  for (const table of dependencyOrder(present, target.foreignKeys)) {
    tables.push(await copyTable(source, client, table, target, skipped))
  }
  await resetIdentities(client, target)
  const audit = await compareAuditLogs(source, client)
  return {tables, skipped, audit}
}

async function targetSchema(client: pg.PoolClient): Promise<{tables: Map<string, TargetColumn[]>; foreignKeys: ForeignKey[]}> {
  const {rows} = await client.query<{table_name: string; column_name: string; is_generated: string; is_identity: string; column_default: string | null}>(
    `SELECT c.table_name, c.column_name, c.is_generated, c.is_identity, c.column_default
       FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
      ORDER BY c.table_name, c.ordinal_position`,
  )
  const tables = new Map<string, TargetColumn[]>()
  for (const row of rows) {
    if (NOT_DATA.has(row.table_name)) continue
    const columns = tables.get(row.table_name) ?? []
    columns.push({
      name: row.column_name,
      generated: row.is_generated === 'ALWAYS',
      sequence: row.is_identity === 'YES' || /^nextval\(/.test(row.column_default ?? ''),
    })
    tables.set(row.table_name, columns)
  }
  const keys = await client.query<{child: string; parent: string; columns: string[]; ref_columns: string[]}>(
    `SELECT child.relname AS child, parent.relname AS parent,
            ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(num, ord)
                    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num ORDER BY k.ord) AS columns,
            ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(num, ord)
                    JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.num ORDER BY k.ord) AS ref_columns
       FROM pg_constraint c
       JOIN pg_class child ON child.oid = c.conrelid
       JOIN pg_class parent ON parent.oid = c.confrelid
      WHERE c.contype = 'f' AND child.relnamespace = current_schema()::regnamespace`,
  )
  const foreignKeys = keys.rows.map((row) => ({child: row.child, parent: row.parent, columns: row.columns, refColumns: row.ref_columns}))
  return {tables, foreignKeys}
}

/** Parents before children; ties in name order. A cycle between tables (none today) stops the move. */
export function dependencyOrder(tables: readonly string[], foreignKeys: readonly ForeignKey[]): string[] {
  const wanted = new Set(tables)
  const parents = new Map(tables.map((table) => [table, new Set<string>()]))
  for (const key of foreignKeys) {
    if (key.child !== key.parent && wanted.has(key.child) && wanted.has(key.parent)) parents.get(key.child)!.add(key.parent)
  }
  const order: string[] = []
  const done = new Set<string>()
  while (order.length < tables.length) {
    const ready = [...wanted].filter((table) => !done.has(table) && [...parents.get(table)!].every((parent) => done.has(parent))).sort()
    if (ready.length === 0) throw new RtccError(`the tables ${[...wanted].filter((t) => !done.has(t)).join(', ')} reference each other in a cycle: cannot order the copy`, {code: 'schema_cycle'})
    for (const table of ready) {
      order.push(table)
      done.add(table)
    }
  }
  return order
}

const countSource = (source: Db, table: string): number => source.prepare(`SELECT count(*) FROM ${quote(table)}`).pluck().get() as number

async function copyTable(source: Db, client: pg.PoolClient, table: string, target: {tables: Map<string, TargetColumn[]>; foreignKeys: ForeignKey[]}, skipped: string[]): Promise<TableMove> {
  const targetColumns = target.tables.get(table)!
  const insertable = new Set(targetColumns.filter((column) => !column.generated).map((column) => column.name))
  const sourceColumns = (source.prepare(`SELECT name FROM pragma_table_info(?) ORDER BY cid`).pluck().all(table) as string[])
  const columns = sourceColumns.filter((column) => insertable.has(column))
  for (const column of sourceColumns.filter((name) => !insertable.has(name))) {
    const used = source.prepare(`SELECT count(*) FROM ${quote(table)} WHERE ${quote(column)} IS NOT NULL`).pluck().get() as number
    if (used > 0) {
      throw new RtccError(`SQLite column ${table}.${column} holds values in ${used} rows but PostgreSQL has no such column; nothing was copied`, {
        code: 'schema_gap',
        hint: 'This rtcc cannot move that data yet: keep running on SQLite and report it.',
      })
    }
    skipped.push(`${table}.${column} (empty; no such column in PostgreSQL)`)
  }
  const computed = COMPUTED[table] ?? {}
  const rows = countSource(source, table)
  const select = `SELECT ${columns.map(quote).join(', ')} FROM ${quote(table)} ORDER BY rowid`
  const selfKey = target.foreignKeys.find((key) => key.child === table && key.parent === table && key.columns.length === 1)
  // better-sqlite3 runs nothing else on the connection while an iterator is open: iterate last.
  const values: Iterable<unknown[]> =
    selfKey && columns.includes(selfKey.columns[0]!) && columns.includes(selfKey.refColumns[0]!)
      ? parentsFirst(source.prepare(select).raw().all() as unknown[][], columns.indexOf(selfKey.columns[0]!), columns.indexOf(selfKey.refColumns[0]!))
      : (source.prepare(select).raw().iterate() as Iterable<unknown[]>)
  try {
    if (Object.keys(computed).length > 0) await insertRows(client, table, columns, computed, values)
    else await copyRows(client, table, columns, values)
  } catch (error) {
    const message = (error as Error).message
    throw new RtccError(`copying ${table} failed: ${message}; nothing was copied`, {code: 'copy_failed', where: table})
  }
  const {rows: counted} = await client.query<{n: number}>(`SELECT count(*)::int AS n FROM ${quote(table)}`)
  const copied = counted[0]!.n
  if (copied !== rows) throw new RtccError(`${table}: ${rows} rows in SQLite but ${copied} in PostgreSQL after the copy; nothing was copied`, {code: 'count_mismatch', where: table})
  return {table, rows, copied}
}

/** Rows of a self-referencing table ordered so that each row's parent comes before it. */
function parentsFirst(rows: unknown[][], parentIndex: number, keyIndex: number): unknown[][] {
  const byKey = new Map(rows.map((row) => [row[keyIndex], row]))
  const placed = new Set<unknown>()
  const ordered: unknown[][] = []
  for (const row of rows) {
    const chain: unknown[][] = []
    let current: unknown[] | undefined = row
    while (current && !placed.has(current[keyIndex])) {
      if (chain.includes(current)) throw new RtccError(`rows of a table refer to each other in a cycle (at ${String(current[keyIndex])})`, {code: 'schema_cycle'})
      chain.push(current)
      const parent: unknown = current[parentIndex]
      current = parent === null || parent === undefined ? undefined : byKey.get(parent)
    }
    for (const link of chain.reverse()) {
      placed.add(link[keyIndex])
      ordered.push(link)
    }
  }
  return ordered
}

/** One CSV field as PostgreSQL's COPY reads it: NULL unquoted and empty, bytea as quoted \x hex. */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'number' || typeof value === 'bigint') return String(value)
  if (value instanceof Uint8Array) return `"\\x${Buffer.from(value.buffer, value.byteOffset, value.length).toString('hex')}"`
  return `"${String(value).replaceAll('"', '""')}"`
}

async function copyRows(client: pg.PoolClient, table: string, columns: string[], values: Iterable<unknown[]>): Promise<void> {
  const {from} = await import('pg-copy-streams')
  const stream = client.query(from(`COPY ${quote(table)} (${columns.map(quote).join(', ')}) FROM STDIN WITH (FORMAT csv)`))
  function* chunks(): Generator<string> {
    let lines: string[] = []
    for (const row of values) {
      lines.push(row.map(csvField).join(',') + '\n')
      if (lines.length >= COPY_CHUNK_ROWS) {
        yield lines.join('')
        lines = []
      }
    }
    if (lines.length > 0) yield lines.join('')
  }
  await pipeline(Readable.from(chunks()), stream)
}

async function insertRows(client: pg.PoolClient, table: string, columns: string[], computed: Record<string, string>, values: Iterable<unknown[]>): Promise<void> {
  const extra = Object.keys(computed)
  const perRow = Math.max(1, Math.floor(INSERT_PARAMETERS / columns.length))
  const head = `INSERT INTO ${quote(table)} (${[...columns, ...extra].map(quote).join(', ')}) VALUES `
  let batch: unknown[][] = []
  const flush = async () => {
    if (batch.length === 0) return
    const params: unknown[] = []
    const tuples = batch.map((row) => {
      const base = params.length
      params.push(...row)
      const placeholder = (index: number) => `$${base + index + 1}`
      const expressions = extra.map((column) =>
        computed[column]!.replace(/\{(\w+)\}/g, (_match, name: string) => {
          const index = columns.indexOf(name)
          if (index === -1) throw new RtccError(`${table}.${column} is computed from ${name}, which SQLite does not have`, {code: 'schema_gap'})
          return placeholder(index)
        }),
      )
      return `(${[...columns.map((_column, index) => placeholder(index)), ...expressions].join(', ')})`
    })
    await client.query(head + tuples.join(', '), params)
    batch = []
  }
  for (const row of values) {
    batch.push(row)
    if (batch.length >= perRow) await flush()
  }
  await flush()
}

async function resetIdentities(client: pg.PoolClient, target: {tables: Map<string, TargetColumn[]>}): Promise<void> {
  for (const [table, columns] of target.tables) {
    for (const column of columns.filter((c) => c.sequence)) {
      // Next value: one past the largest id copied (1 on an empty table). The sequence is the column's
      // own (identity, serial) or the one its default draws from.
      const {rows} = await client.query<{name: string | null}>(
        `SELECT coalesce(pg_get_serial_sequence($1, $2),
                (SELECT substring(column_default FROM 'nextval\\(''([^'']+)''') FROM information_schema.columns
                  WHERE table_schema = current_schema() AND table_name = $3 AND column_name = $2)) AS name`,
        [quote(table), column.name, table],
      )
      const sequence = rows[0]?.name
      if (!sequence) continue
      await client.query(
        `SELECT setval($1::regclass, coalesce(max(${quote(column.name)}), 1), max(${quote(column.name)}) IS NOT NULL) FROM ${quote(table)}`,
        [sequence],
      )
    }
  }
}

/** A record's seq, its leaf's bytes as stored, and its stored leaf hash, on either side. */
const SQLITE_AUDIT_COLUMNS = 'seq, CAST(leaf AS BLOB), leaf_hash'
const POSTGRES_AUDIT_COLUMNS = "seq, convert_to(leaf, 'UTF8'), leaf_hash"

interface LogDigest {
  records: number
  stored: MerkleAccumulator
  recomputed: MerkleAccumulator
  /** Root over the first `size` stored leaves, for the latest checkpoint's size. */
  rootAtCheckpoint?: string
}

function digestRow(digest: LogDigest, row: unknown[], checkpointSize: number | undefined): void {
  digest.stored.append(row[2] as Uint8Array)
  digest.recomputed.append(hashLeaf(row[1] as Uint8Array))
  digest.records++
  if (digest.records === checkpointSize) digest.rootAtCheckpoint = digest.stored.rootHex()
}

const newDigest = (): LogDigest => ({records: 0, stored: new MerkleAccumulator(), recomputed: new MerkleAccumulator()})

async function compareAuditLogs(source: Db, client: pg.PoolClient): Promise<MigrateToReport['audit']> {
  const checkpoint = await client.query<{size: number; root_hash: Buffer}>('SELECT size, root_hash FROM audit_checkpoints ORDER BY size DESC LIMIT 1')
  const latest = checkpoint.rows[0]
  const before = newDigest()
  for (const row of source.prepare(`SELECT ${SQLITE_AUDIT_COLUMNS} FROM audit_records ORDER BY seq`).raw().iterate() as Iterable<unknown[]>) digestRow(before, row, latest?.size)
  const after = newDigest()
  for (let last = 0; ; ) {
    const page = await client.query<unknown[]>({text: `SELECT ${POSTGRES_AUDIT_COLUMNS} FROM audit_records WHERE seq > $1 ORDER BY seq LIMIT ${AUDIT_PAGE}`, values: [last], rowMode: 'array'})
    for (const row of page.rows) digestRow(after, row, latest?.size)
    if (page.rows.length < AUDIT_PAGE) break
    last = page.rows.at(-1)![0] as number
  }
  const root = before.stored.rootHex()
  if (after.records !== before.records || after.stored.rootHex() !== root || after.recomputed.rootHex() !== before.recomputed.rootHex()) {
    throw new RtccError(
      `the copied audit log does not match the source (records ${before.records} → ${after.records}, root ${root.slice(0, 16)}… → ${after.stored.rootHex().slice(0, 16)}…); nothing was copied`,
      {code: 'audit_mismatch', hint: 'This is a bug in rtcc: report it with the output of rtcc audit verify on the source.'},
    )
  }
  return {
    records: after.records,
    root,
    contentsMatchLeaves: before.recomputed.rootHex() === root,
    checkpoint: latest ? {size: latest.size, matches: after.rootAtCheckpoint === Buffer.from(latest.root_hash).toString('hex')} : null,
  }
}
