/**
 * Bulk import on PostgreSQL (see ../registry-import.ts for the two phases). Staging: an UNLOGGED table
 * per import, filled by one `COPY … FROM STDIN` that stays open across batches (PostgreSQL parses rows
 * while the worker parses the next ones), with no index. The import worker flags the rows that may
 * repeat an earlier row (StagedRow.maybeRepeat, from its key hashes: no false negatives): only a batch
 * holding one ends the COPY and looks its keys up in the staged rows (indexed from then on), so the
 * reject names the first row exactly and repeats are never staged. Applying, inside
 * the audited transaction: the owners the file introduces; one join that counts the new and the changed
 * rows; one `UPDATE … FROM` of the changed ones and one `INSERT` of the new ones, each only when there
 * are any (a re-import of an unchanged file compares every row and writes none). Nothing touches the
 * registry before that transaction; a killed import changes nothing (its staging tables are dropped at
 * discard, or left behind unlogged if the process dies).
 */
import {randomBytes} from 'node:crypto'
import {once} from 'node:events'
import {finished} from 'node:stream/promises'

import type pg from 'pg'
import {from as copyFrom} from 'pg-copy-streams'

import type {CameraInput} from '../../domain/camera.js'
import {newId} from '../../domain/ids.js'
import {monotonicCameraIds, type OnConflict, type StagedCounts} from '../registry-import.js'
import type {StagedImport, StagedRow} from '../store.js'
import {all, one, run, type Pg} from './pg.js'

/** Staged columns after `row` and `id`, with their PostgreSQL types. */
const COLUMNS: [string, string][] = [
  ['source', 'text COLLATE "C" NOT NULL'],
  ['external_id', 'text COLLATE "C" NOT NULL'],
  ['owner_email', 'text COLLATE "C" NOT NULL'],
  ['owner_name', 'text COLLATE "C"'],
  ['owner_organisation', 'text COLLATE "C"'],
  ['owner_phone', 'text COLLATE "C"'],
  ['name', 'text COLLATE "C" NOT NULL'],
  ['latitude', 'double precision NOT NULL'],
  ['longitude', 'double precision NOT NULL'],
  ['address', 'text COLLATE "C"'],
  ['location_type', 'text COLLATE "C" NOT NULL'],
  ['make', 'text COLLATE "C"'],
  ['model', 'text COLLATE "C"'],
  ['view_description', 'text COLLATE "C"'],
  ['view_direction', 'double precision'],
  ['field_of_view', 'double precision'],
  ['records', 'integer NOT NULL'],
  ['retention_days', 'integer'],
  ['live_capable', 'integer NOT NULL'],
  ['tags', 'text COLLATE "C" NOT NULL'],
]
const NAMES = COLUMNS.map(([name]) => name)
/** Columns an import may change on an existing camera (and owner_id: the file says who owns it). */
const CAMERA_COLUMNS = NAMES.filter((c) => !['source', 'external_id', 'owner_email', 'owner_name', 'owner_organisation', 'owner_phone'].includes(c))

function stagedValues(c: CameraInput): unknown[] {
  return [
    c.source, c.externalId, c.ownerEmail, c.ownerName, c.ownerOrganisation, c.ownerPhone, c.name, c.latitude, c.longitude, c.address,
    c.locationType, c.make, c.model, c.viewDescription, c.viewDirection, c.fieldOfView, c.records ? 1 : 0, c.retentionDays, c.liveCapable ? 1 : 0,
    JSON.stringify(c.tags),
  ]
}

/** One value in COPY's text format. */
const SPECIAL = /[\\\n\r\t]/
function copyText(value: unknown): string {
  if (value === null || value === undefined) return '\\N'
  if (typeof value === 'number') return String(value)
  const text = String(value)
  if (!SPECIAL.test(text)) return text
  return text.replace(/[\\\n\r\t]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'))
}

const differs = (a: string, b: string) => CAMERA_COLUMNS.map((c) => `${a}.${c} IS DISTINCT FROM ${b}.${c}`).concat(`${a}.owner_id IS DISTINCT FROM ${b}.owner_id`).join(' OR ')

/**
 * New cameras are written in geohash order (a Z-order curve: neighbours on the map land on neighbouring
 * pages), not file order: a radius search then reads a few heap pages instead of one per camera. At 1M
 * cameras a 300 m search read ~100 pages in file order and ~9 in this order (execution 1.1 -> 0.35 ms).
 * Ids are still assigned by row at staging; only where the rows lie changes.
 */
const SPATIAL_ORDER = `ST_GeoHash(ST_MakePoint(r.longitude, r.latitude), 10) COLLATE "C"`

/** Inserting at least this many rows, and at least as many as the registry holds, rebuilds its indexes and keys. */
const BULK_ROWS = 50_000
/** Sources tracked by name while staging; a file naming more is treated as touching existing cameras. */
const MAX_TRACKED_SOURCES = 1000

/**
 * Runs fn with the cameras table's indexes and keys dropped (its own primary, unique and foreign keys,
 * other tables' foreign keys to it), then builds them again: one sorted build per index and one
 * set-based check per key beat inserting into each index (the GiST one above all) and a trigger per
 * row: at 200k rows, the insert alone took 3.9 s with the two keys' indexes and 1.3 s without; building
 * them took 0.9 s. Inside the caller's transaction, so a rollback restores them, and a key the rows
 * break fails the import; the tables are locked until it commits, as SQLite's single writer is anyway.
 */
async function withoutIndexes<T>(db: Pg, fn: () => Promise<T>): Promise<T> {
  const indexes = await all<{name: string; definition: string}>(
    db,
    `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS definition FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
     WHERE x.indrelid = 'cameras'::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)`,
  )
  // In the order they are added back: the primary key, unique keys, foreign keys from cameras, then to it.
  const keys = await all<{table: string; name: string; definition: string}>(
    db,
    `SELECT conrelid::regclass::text AS table, conname AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint
     WHERE (conrelid = 'cameras'::regclass AND contype IN ('p', 'u', 'f')) OR (confrelid = 'cameras'::regclass AND contype = 'f')
     ORDER BY conrelid <> 'cameras'::regclass, contype <> 'p', contype <> 'u', conname`,
  )
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`
  for (const {table, name} of [...keys].reverse()) await db.query(`ALTER TABLE ${table} DROP CONSTRAINT ${quote(name)}`)
  for (const {name} of indexes) await db.query(`DROP INDEX ${quote(name)}`)
  const result = await fn()
  await db.query(`SET LOCAL maintenance_work_mem = '256MB'`)
  for (const {table, name, definition} of keys) await db.query(`ALTER TABLE ${table} ADD CONSTRAINT ${quote(name)} ${definition}`)
  for (const {definition} of indexes) await db.query(definition)
  return result
}

/** Staging tables older than this were left by a process that died mid-import. */
const ABANDONED_AFTER_S = 2 * 86_400

async function dropAbandoned(pool: pg.Pool): Promise<void> {
  const cutoff = Math.floor(Date.now() / 1000) - ABANDONED_AFTER_S
  const tables = await all<{name: string}>(
    pool,
    `SELECT c.relname AS name FROM pg_class c WHERE c.relkind = 'r' AND c.relpersistence = 'u' AND c.relnamespace = current_schema()::regnamespace
       AND c.relname ~ '^import_(staging|owners)_[0-9]+_[0-9a-f]+$' AND split_part(c.relname, '_', 3)::bigint < $1`,
    [cutoff],
  )
  for (const {name} of tables) await pool.query(`DROP TABLE IF EXISTS ${name}`)
}

const keyOf = (c: CameraInput) => `${c.source}\0${c.externalId}`

/** The open COPY into the staging table and the connection it holds. */
interface Copy {
  client: pg.PoolClient
  stream: NodeJS.WritableStream & {destroy(): void}
  /** Set when the stream failed; the next add() or the end of staging throws it. */
  error?: Error
}

export class PgStagedImport implements StagedImport {
  /** Rows go into an open COPY: a batch only bounds what the service holds while a repeat is looked up. */
  readonly batchRows = 1000
  staged = 0
  private readonly nextId = monotonicCameraIds()
  private readonly table: string
  private readonly owners: string
  private released = false
  /** The file's sources, or undefined once there are too many to track (then assume some are known). */
  private sources: Set<string> | undefined = new Set()
  private copy: Copy | undefined
  private indexed = false

  private constructor(
    /** Staging holds one pooled connection while its COPY is open; everything else is one statement at a time. */
    private readonly pool: pg.Pool,
    /** The executor for apply(): the calling transaction's client. */
    private readonly db: () => Pg,
  ) {
    // Named with their creation time, so that tables a dead process left behind can be found and dropped.
    const tag = `${Math.floor(Date.now() / 1000)}_${randomBytes(6).toString('hex')}`
    this.table = `import_staging_${tag}`
    this.owners = `import_owners_${tag}`
  }

  static async open(pool: pg.Pool, db: () => Pg): Promise<PgStagedImport> {
    await dropAbandoned(pool)
    const staging = new PgStagedImport(pool, db)
    try {
      const columns = COLUMNS.map(([name, type]) => `${name} ${type}`).join(', ')
      await pool.query(`CREATE UNLOGGED TABLE ${staging.table} (row integer NOT NULL, id text COLLATE "C" NOT NULL, ${columns})`)
    } catch (error) {
      await staging.discard()
      throw error
    }
    return staging
  }

  async add(rows: readonly StagedRow[]): Promise<(number | undefined)[]> {
    if (this.copy?.error) throw this.copy.error
    const suspects = new Set<string>()
    for (const {camera, maybeRepeat} of rows) {
      if (maybeRepeat) suspects.add(keyOf(camera))
      if (!this.sources || this.sources.has(camera.source)) continue
      this.sources.add(camera.source)
      if (this.sources.size > MAX_TRACKED_SOURCES) this.sources = undefined
    }
    const firsts = suspects.size > 0 ? await this.firstRows(suspects) : new Map<string, number>()
    const result: (number | undefined)[] = []
    let lines = ''
    for (const {row, camera} of rows) {
      if (suspects.size > 0) {
        // A suspect key's first row is staged, or the first of this batch's rows with it.
        const key = keyOf(camera)
        const first = firsts.get(key)
        if (first !== undefined) {
          result.push(first)
          continue
        }
        if (suspects.has(key)) firsts.set(key, row)
      }
      result.push(undefined)
      lines += [row, this.nextId(), ...stagedValues(camera)].map(copyText).join('\t') + '\n'
      this.staged++
    }
    if (lines) await this.write(lines)
    return result
  }

  /** add() reported every repeat. */
  async endStaging(): Promise<{repeats: number; listed: []}> {
    return {repeats: 0, listed: []}
  }

  /** The first staged row of each key (the COPY so far ends, so that its rows can be read). */
  private async firstRows(keys: Set<string>): Promise<Map<string, number>> {
    await this.endCopy()
    if (!this.indexed) await this.pool.query(`CREATE INDEX ON ${this.table} (source, external_id, row)`)
    this.indexed = true
    const split = [...keys].map((key) => key.split('\0'))
    const found = await all<{source: string; external_id: string; first: number}>(
      this.pool,
      `SELECT k.source, k.external_id, (SELECT min(s.row) FROM ${this.table} s WHERE s.source = k.source AND s.external_id = k.external_id) AS first
       FROM unnest($1::text[], $2::text[]) AS k(source, external_id)`,
      [split.map(([source]) => source), split.map(([, externalId]) => externalId)],
    )
    return new Map(found.filter((f) => f.first !== null).map((f) => [`${f.source}\0${f.external_id}`, f.first]))
  }

  private async write(lines: string): Promise<void> {
    if (!this.copy) {
      const client = await this.pool.connect()
      const stream = client.query(copyFrom(`COPY ${this.table} (row, id, ${NAMES.join(', ')}) FROM STDIN`))
      const copy: Copy = {client, stream}
      stream.on('error', (error: Error) => (copy.error ??= error))
      this.copy = copy
    }
    // Wait only when PostgreSQL is behind: the socket's buffer is the bound.
    if (!this.copy.stream.write(lines)) await once(this.copy.stream, 'drain')
  }

  /** Ends the open COPY (its rows become visible) and returns its connection to the pool. */
  private async endCopy(): Promise<void> {
    const copy = this.copy
    if (!copy) return
    this.copy = undefined
    try {
      if (copy.error) throw copy.error
      copy.stream.end()
      await finished(copy.stream)
      copy.client.release()
    } catch (error) {
      copy.client.release(error as Error)
      throw error
    }
  }

  async resolveOwners(): Promise<number> {
    await this.endCopy()
    await this.pool.query(`CREATE UNLOGGED TABLE ${this.owners} (
      email text COLLATE "C" PRIMARY KEY, owner_id text COLLATE "C", created integer NOT NULL DEFAULT 0,
      name text COLLATE "C", organisation text COLLATE "C", phone text COLLATE "C")`)
    await this.pool.query(
      `INSERT INTO ${this.owners} (email, owner_id, name, organisation, phone)
       SELECT r.owner_email, (SELECT o.id FROM owners o WHERE o.email = r.owner_email ORDER BY o.created_at LIMIT 1),
              max(r.owner_name), max(r.owner_organisation), max(r.owner_phone)
       FROM ${this.table} r GROUP BY r.owner_email`,
    )
    const emails = (await all<{email: string}>(this.pool, `SELECT email FROM ${this.owners} WHERE owner_id IS NULL`)).map((r) => r.email)
    if (emails.length > 0)
      await run(
        this.pool,
        `UPDATE ${this.owners} t SET owner_id = n.id, created = 1 FROM unnest($1::text[], $2::text[]) AS n(email, id) WHERE t.email = n.email`,
        [emails, emails.map(() => newId('own'))],
      )
    return emails.length
  }

  /** The staged rows with their resolved owner, as `r` (`r.owner_id`). */
  private get rows(): string {
    return `(SELECT s.*, io.owner_id FROM ${this.table} s JOIN ${this.owners} io ON io.email = s.owner_email) r`
  }

  count(): Promise<StagedCounts> {
    return this.counts(this.pool)
  }

  private async counts(db: Pg): Promise<StagedCounts> {
    return (await one<StagedCounts>(
      db,
      `SELECT count(*) FILTER (WHERE c.id IS NULL) AS fresh,
              count(*) FILTER (WHERE c.id IS NOT NULL AND (${differs('c', 'r')})) AS changed,
              count(*) FILTER (WHERE c.id IS NOT NULL AND NOT (${differs('c', 'r')})) AS same
       FROM ${this.rows} LEFT JOIN cameras c ON c.source = r.source AND c.external_id = r.external_id`,
    ))!
  }

  async apply(options: {onConflict: OnConflict; now: string}): Promise<{inserted: number; updated: number}> {
    const db = this.db()
    // The joins and the sort below hold the staged rows: in memory, not spilled to disk at the default 4 MB.
    await db.query(`SET LOCAL work_mem = '256MB'`)
    await run(
      db,
      `INSERT INTO owners (id, display_name, organisation, email, phone, preferred_contact, verified, created_at, updated_at)
       SELECT owner_id, coalesce(name, organisation, email), organisation, email, phone, 'email', 0, $1, $1
       FROM ${this.owners} WHERE created = 1`,
      [options.now],
    )
    // When none of the file's sources is in the registry yet, every row is new: a plain insert. Otherwise
    // one join counts the new and the changed rows, and only the statements with work to do run (a
    // re-import of an unchanged file writes nothing).
    const touchesRegistry = !this.sources || (await one(db, 'SELECT 1 FROM cameras WHERE source = ANY($1::text[]) LIMIT 1', [[...this.sources]])) !== undefined
    const {fresh, changed} = touchesRegistry ? await this.counts(db) : {fresh: this.staged, changed: 0}
    const updated =
      changed > 0 && options.onConflict === 'update'
        ? await run(
            db,
            `UPDATE cameras AS c SET ${CAMERA_COLUMNS.map((col) => `${col} = r.${col}`).join(', ')}, owner_id = r.owner_id, updated_at = $1
             FROM ${this.rows} WHERE c.source = r.source AND c.external_id = r.external_id AND (${differs('c', 'r')})`,
            [options.now],
          )
        : 0
    if (fresh === 0) return {inserted: 0, updated}
    // As on SQLite: inserting at least BULK_ROWS rows, and at least as many as the registry holds, rebuilds
    // the indexes once instead of inserting into them row by row.
    const bulk = fresh >= BULK_ROWS && (await one<{small: boolean}>(db, 'SELECT count(*) <= $1 AS small FROM (SELECT 1 FROM cameras LIMIT $1 + 1) c', [fresh]))!.small
    const insert = () =>
      run(
        db,
        `INSERT INTO cameras (id, owner_id, source, external_id, ${CAMERA_COLUMNS.join(', ')}, created_at, updated_at)
         SELECT r.id, r.owner_id, r.source, r.external_id, ${CAMERA_COLUMNS.map((c) => `r.${c}`).join(', ')}, $1, $1
         FROM ${this.rows} ${touchesRegistry ? 'WHERE NOT EXISTS (SELECT 1 FROM cameras c WHERE c.source = r.source AND c.external_id = r.external_id)' : ''}
         ORDER BY ${SPATIAL_ORDER}, r.row ${touchesRegistry && !bulk ? 'ON CONFLICT (source, external_id) DO NOTHING' : ''}`,
        [options.now],
      )
    return {inserted: await (bulk ? withoutIndexes(db, insert) : insert()), updated}
  }

  async discard(): Promise<void> {
    if (this.released) return
    this.released = true
    if (this.copy) {
      // An import that stops while staging (a cut upload, a bad file) abandons its COPY with its connection.
      this.copy.stream.destroy()
      this.copy.client.release(true)
      this.copy = undefined
    }
    await this.pool.query(`DROP TABLE IF EXISTS ${this.table}, ${this.owners}`)
  }
}
