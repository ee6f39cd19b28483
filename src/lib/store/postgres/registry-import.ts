/**
 * Bulk import on PostgreSQL (see ../registry-import.ts for the two phases). Staging: an UNLOGGED table
 * per import, indexed by source + external_id; each batch of rows arrives by `COPY … FROM STDIN`, then
 * one indexed lookup of the batch's keys finds rows repeating an earlier row (named in the reject) and
 * removes them, so the staged keys stay unique without a map in memory. Applying is one
 * set-based `INSERT … ON CONFLICT (source, external_id) DO UPDATE … WHERE … IS DISTINCT FROM …` inside
 * the audited transaction (rows identical to the registry are not rewritten), after the owners the file
 * introduces. Nothing touches the registry before that transaction; a killed import changes nothing
 * (its staging tables are dropped at discard, or left behind unlogged if the process dies).
 */
import {randomBytes} from 'node:crypto'
import {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'

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

/** An import at least this large, and at least as large as the registry, rebuilds the secondary indexes. */
const BULK_ROWS = 50_000
/** Sources tracked by name while staging; a file naming more is treated as touching existing cameras. */
const MAX_TRACKED_SOURCES = 1000

/**
 * Runs fn with the cameras table's secondary indexes (those backing no constraint: owner, the GiST
 * ones) and its foreign key to owners dropped, then builds them again: one sorted build per index and
 * one set-based check of the key beat a GiST insert and a trigger per row. Inside the caller's
 * transaction, so a rollback restores them; the table is locked until it commits, as SQLite's single
 * writer is anyway.
 */
async function withoutSecondaryIndexes<T>(db: Pg, fn: () => Promise<T>): Promise<T> {
  const indexes = await all<{name: string; definition: string}>(
    db,
    `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS definition FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
     WHERE x.indrelid = 'cameras'::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)`,
  )
  const keys = await all<{name: string; definition: string}>(
    db,
    `SELECT conname AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE conrelid = 'cameras'::regclass AND contype = 'f'`,
  )
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`
  for (const {name} of keys) await db.query(`ALTER TABLE cameras DROP CONSTRAINT ${quote(name)}`)
  for (const {name} of indexes) await db.query(`DROP INDEX ${quote(name)}`)
  const result = await fn()
  await db.query(`SET LOCAL maintenance_work_mem = '256MB'`)
  for (const {definition} of indexes) await db.query(definition)
  for (const {name, definition} of keys) await db.query(`ALTER TABLE cameras ADD CONSTRAINT ${quote(name)} ${definition}`)
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

export class PgStagedImport implements StagedImport {
  /** A COPY and a lookup per batch: enough rows to amortise the round trips, few enough to hold. */
  readonly batchRows = 1000
  staged = 0
  private readonly nextId = monotonicCameraIds()
  private readonly table: string
  private readonly owners: string
  private released = false
  /** The file's sources, or undefined once there are too many to track (then assume some are known). */
  private sources: Set<string> | undefined = new Set()

  private constructor(
    /** Staging runs on pooled connections, one statement at a time: no connection is held between batches. */
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
      await pool.query(`CREATE INDEX ON ${staging.table} (source, external_id, row)`)
    } catch (error) {
      await staging.discard()
      throw error
    }
    return staging
  }

  async add(rows: readonly StagedRow[]): Promise<(number | undefined)[]> {
    if (rows.length === 0) return []
    for (const {camera} of rows) {
      if (!this.sources || this.sources.has(camera.source)) continue
      this.sources.add(camera.source)
      if (this.sources.size > MAX_TRACKED_SOURCES) this.sources = undefined
    }
    const lines = rows.map(({row, camera}) => [row, this.nextId(), ...stagedValues(camera)].map(copyText).join('\t')).join('\n') + '\n'
    const client = await this.pool.connect()
    try {
      await pipeline(Readable.from([lines]), client.query(copyFrom(`COPY ${this.table} (row, id, ${NAMES.join(', ')}) FROM STDIN`)))
      client.release()
    } catch (error) {
      client.release(error as Error)
      throw error
    }
    // The first row of each of the batch's keys; a row that is not its key's first repeats it.
    const firsts = await all<{row: number; first: number}>(
      this.pool,
      `SELECT b.row, (SELECT s.row FROM ${this.table} s WHERE s.source = b.source AND s.external_id = b.external_id ORDER BY s.row LIMIT 1) AS first
       FROM unnest($1::integer[], $2::text[], $3::text[]) AS b(row, source, external_id)`,
      [rows.map((r) => r.row), rows.map((r) => r.camera.source), rows.map((r) => r.camera.externalId)],
    )
    const repeats = firsts.filter((f) => f.first !== f.row)
    const cameraOf = new Map(rows.map((r) => [r.row, r.camera]))
    if (repeats.length > 0)
      await run(
        this.pool,
        `DELETE FROM ${this.table} s USING unnest($1::integer[], $2::text[], $3::text[]) AS d(row, source, external_id)
         WHERE s.source = d.source AND s.external_id = d.external_id AND s.row = d.row`,
        [repeats.map((r) => r.row), repeats.map((r) => cameraOf.get(r.row)!.source), repeats.map((r) => cameraOf.get(r.row)!.externalId)],
      )
    this.staged += rows.length - repeats.length
    const firstOf = new Map(repeats.map((r) => [r.row, r.first]))
    return rows.map(({row}) => firstOf.get(row))
  }

  async resolveOwners(): Promise<number> {
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

  async count(): Promise<StagedCounts> {
    return (await one<StagedCounts>(
      this.pool,
      `SELECT count(*) FILTER (WHERE c.id IS NULL) AS fresh,
              count(*) FILTER (WHERE c.id IS NOT NULL AND (${differs('c', 'r')})) AS changed,
              count(*) FILTER (WHERE c.id IS NOT NULL AND NOT (${differs('c', 'r')})) AS same
       FROM ${this.rows} LEFT JOIN cameras c ON c.source = r.source AND c.external_id = r.external_id`,
    ))!
  }

  async apply(options: {onConflict: OnConflict; now: string}): Promise<{inserted: number; updated: number}> {
    const db = this.db()
    await run(
      db,
      `INSERT INTO owners (id, display_name, organisation, email, phone, preferred_contact, verified, created_at, updated_at)
       SELECT owner_id, coalesce(name, organisation, email), organisation, email, phone, 'email', 0, $1, $1
       FROM ${this.owners} WHERE created = 1`,
      [options.now],
    )
    // When none of the file's sources is in the registry yet, every row is new: a plain insert.
    const touchesRegistry = !this.sources || (await one(db, 'SELECT 1 FROM cameras WHERE source = ANY($1::text[]) LIMIT 1', [[...this.sources]])) !== undefined
    const insert = `INSERT INTO cameras AS c (id, owner_id, source, external_id, ${CAMERA_COLUMNS.join(', ')}, created_at, updated_at)
      SELECT r.id, r.owner_id, r.source, r.external_id, ${CAMERA_COLUMNS.map((c) => `r.${c}`).join(', ')}, $1, $1
      FROM ${this.rows} ORDER BY r.row`
    const onConflict =
      options.onConflict === 'update'
        ? `ON CONFLICT (source, external_id) DO UPDATE SET ${CAMERA_COLUMNS.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}, owner_id = EXCLUDED.owner_id, updated_at = EXCLUDED.updated_at
           WHERE ${differs('c', 'EXCLUDED')}`
        : 'ON CONFLICT (source, external_id) DO NOTHING'
    const upsert = async () =>
      touchesRegistry
        ? (await one<{inserted: number; updated: number}>(
            db,
            // xmax is 0 on a row this statement inserted, set on one it updated.
            `WITH done AS (${insert} ${onConflict} RETURNING (c.xmax = 0) AS fresh)
             SELECT count(*) FILTER (WHERE fresh) AS inserted, count(*) FILTER (WHERE NOT fresh) AS updated FROM done`,
            [options.now],
          ))!
        : {inserted: await run(db, insert, [options.now]), updated: 0}
    // As on SQLite: an import at least BULK_ROWS large and at least as large as the registry rebuilds the
    // secondary indexes (the GiST ones above all) once instead of inserting into them row by row.
    const bulk = this.staged >= BULK_ROWS && (await one<{small: boolean}>(db, 'SELECT count(*) <= $1 AS small FROM (SELECT 1 FROM cameras LIMIT $1 + 1) c', [this.staged]))!.small
    return bulk ? withoutSecondaryIndexes(db, upsert) : upsert()
  }

  async discard(): Promise<void> {
    if (this.released) return
    this.released = true
    await this.pool.query(`DROP TABLE IF EXISTS ${this.table}, ${this.owners}`)
  }
}
