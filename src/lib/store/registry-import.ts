/**
 * Bulk import in two phases so that a 1 GB file never holds the database's write lock for long and
 * never leaves half-applied state:
 *  1. stage: validated rows stream into a separate SQLite file next to the database (its own
 *     connection, one transaction, no journal); its unique key on `source` + `external_id` finds
 *     rows repeated within the file, so nothing per row is kept in memory;
 *  2. apply: one synchronous transaction on the main database upserts the staged rows by
 *     `source` + `external_id` (creating unverified owners by email) together with the audit record.
 * A kill during staging leaves the registry untouched; a kill during apply rolls back. Re-running the
 * same file converges: unchanged rows are counted, not rewritten.
 */
import Database from 'better-sqlite3'
import {rmSync} from 'node:fs'
import {join} from 'node:path'

import type {CameraInput} from '../domain/camera.js'
import {newId} from '../domain/ids.js'
import {invalidateCameraLocations} from './camera-locations.js'
import type {Db} from './db.js'
import type {StagedImport, StagedRow} from './store.js'

const COLUMNS = [
  'source', 'external_id', 'owner_email', 'owner_name', 'owner_organisation', 'owner_phone', 'name', 'latitude', 'longitude', 'address',
  'location_type', 'make', 'model', 'view_description', 'view_direction', 'field_of_view', 'records', 'retention_days', 'live_capable', 'tags',
] as const

/** Columns an import may change on an existing camera (owner included: the file says who owns it). */
const CAMERA_COLUMNS = COLUMNS.filter((c) => !['source', 'external_id', 'owner_email', 'owner_name', 'owner_organisation', 'owner_phone'].includes(c))

/** Sources tracked by name while staging; a file naming more is treated as touching existing cameras. */
const MAX_TRACKED_SOURCES = 1000

function stagedValues(c: CameraInput): unknown[] {
  return [
    c.source, c.externalId, c.ownerEmail, c.ownerName, c.ownerOrganisation, c.ownerPhone, c.name, c.latitude, c.longitude, c.address,
    c.locationType, c.make, c.model, c.viewDescription, c.viewDirection, c.fieldOfView, c.records ? 1 : 0, c.retentionDays, c.liveCapable ? 1 : 0,
    JSON.stringify(c.tags),
  ]
}

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz'
const LOW_DIGITS = 6
const LOW_LIMIT = 32 ** LOW_DIGITS

/**
 * Camera ids for a bulk insert, in ULID's monotonic mode: one fresh `newId('cam')`, then successive
 * values of the low end of its random part. Unique, sortable and in file order, at a fraction of the
 * cost of a `newId` per row (which draws fresh random bytes every time: seconds per million rows).
 */
export function monotonicCameraIds(): () => string {
  let head = ''
  let low = LOW_LIMIT
  return () => {
    if (low >= LOW_LIMIT - 1) {
      const seed = newId('cam')
      head = seed.slice(0, -LOW_DIGITS)
      low = [...seed.slice(-LOW_DIGITS)].reduce((n, c) => n * 32 + CROCKFORD.indexOf(c), 0)
    }
    low++
    let tail = ''
    for (let n = low, i = 0; i < LOW_DIGITS; i++, n = Math.floor(n / 32)) tail = CROCKFORD[n % 32] + tail
    return head + tail
  }
}

export class ImportStaging {
  readonly file: string
  private readonly db: Database.Database
  private readonly insert: Database.Statement
  private readonly firstRow: Database.Statement
  private readonly nextId = monotonicCameraIds()
  private sources: Set<string> | undefined = new Set()
  staged = 0

  constructor(dataDir: string) {
    this.file = join(dataDir, `import-${newId('imp')}.staging.db`)
    this.db = new Database(this.file)
    this.db.pragma('journal_mode = OFF')
    this.db.pragma('synchronous = OFF')
    this.db.exec(`CREATE TABLE rows (row INTEGER NOT NULL, id TEXT NOT NULL, ${COLUMNS.join(', ')}, UNIQUE (source, external_id))`)
    this.insert = this.db.prepare(`INSERT OR IGNORE INTO rows (row, id, ${COLUMNS.join(', ')}) VALUES (${['row', 'id', ...COLUMNS].map(() => '?').join(', ')})`)
    this.firstRow = this.db.prepare('SELECT row FROM rows WHERE source = ? AND external_id = ?').pluck()
    this.db.exec('BEGIN')
  }

  /** Stages a valid row, or returns the number of the earlier row with the same source + external_id. */
  add(row: number, camera: CameraInput): number | undefined {
    if (this.insert.run(row, this.nextId(), ...stagedValues(camera)).changes === 0) return this.firstRow.get(camera.source, camera.externalId) as number
    this.staged++
    if (this.sources && !this.sources.has(camera.source)) {
      this.sources.add(camera.source)
      if (this.sources.size > MAX_TRACKED_SOURCES) this.sources = undefined
    }
    return undefined
  }

  /** The sources named in the file, or undefined when there were too many to track. */
  get stagedSources(): ReadonlySet<string> | undefined {
    return this.sources
  }

  close(): void {
    if (!this.db.open) return
    if (this.db.inTransaction) this.db.exec('COMMIT')
    this.db.close()
  }

  discard(): void {
    if (this.db.open) this.db.close()
    rmSync(this.file, {force: true})
  }
}

export type OnConflict = 'update' | 'skip' | 'fail'

export interface StagedCounts {
  /** Rows whose key is new to the registry. */
  fresh: number
  /** Rows whose key exists with different values. */
  changed: number
  /** Rows identical to the registry. */
  same: number
}

const differs = CAMERA_COLUMNS.map((c) => `c.${c} IS NOT r.${c}`).concat('c.owner_id IS NOT r.owner_id').join(' OR ')

/**
 * Resolves each owner email in the file to the earliest profile with that email, or to a new
 * unverified owner (name, organisation and phone from the file). Writes only temp tables; the
 * staging file must be attached. Returns how many owners the import would create.
 */
export function resolveStagedOwners(db: Db): number {
  db.exec(`CREATE TEMP TABLE IF NOT EXISTS import_owner (
    email TEXT PRIMARY KEY, owner_id TEXT, created INTEGER NOT NULL, name TEXT, organisation TEXT, phone TEXT) WITHOUT ROWID`)
  db.exec('DELETE FROM temp.import_owner')
  db.prepare(
    `INSERT INTO temp.import_owner (email, owner_id, created, name, organisation, phone)
     SELECT r.owner_email, (SELECT o.id FROM owners o WHERE o.email = r.owner_email ORDER BY o.created_at LIMIT 1), 0,
            max(r.owner_name), max(r.owner_organisation), max(r.owner_phone)
     FROM staging.rows r GROUP BY r.owner_email`,
  ).run()
  const newOwners = db.prepare('SELECT email FROM temp.import_owner WHERE owner_id IS NULL').pluck().all() as string[]
  const assign = db.prepare('UPDATE temp.import_owner SET owner_id = ?, created = 1 WHERE email = ?')
  for (const email of newOwners) assign.run(newId('own'), email)
  db.exec(`CREATE TEMP VIEW IF NOT EXISTS import_rows AS
    SELECT r.*, io.owner_id AS owner_id FROM staging.rows r JOIN temp.import_owner io ON io.email = r.owner_email`)
  return newOwners.length
}

/** What applying would do, in one pass (for --dry-run and the skip and fail policies). */
export function countStaged(db: Db): StagedCounts {
  return db
    .prepare(
      `SELECT coalesce(sum(c.id IS NULL), 0) AS fresh,
              coalesce(sum(c.id IS NOT NULL AND (${differs})), 0) AS changed,
              coalesce(sum(c.id IS NOT NULL AND NOT (${differs})), 0) AS same
       FROM temp.import_rows r LEFT JOIN cameras c ON c.source = r.source AND c.external_id = r.external_id`,
    )
    .get() as StagedCounts
}

/**
 * Applies the staged rows: new owners, new cameras, and (with `update`) changed cameras. Call inside
 * the audited transaction, after resolveStagedOwners. When none of the file's sources is in the
 * registry yet, every row is new and the per-row existence checks are skipped.
 */
export function applyStaged(db: Db, options: {onConflict: OnConflict; now: string; sources?: ReadonlySet<string>}): {inserted: number; updated: number} {
  db.prepare(
    `INSERT INTO owners (id, display_name, organisation, email, phone, preferred_contact, verified, created_at, updated_at)
     SELECT owner_id, coalesce(name, organisation, email), organisation, email, phone, 'email', 0, @now, @now
     FROM temp.import_owner WHERE created = 1`,
  ).run({now: options.now})
  const sourceKnown = db.prepare('SELECT 1 FROM cameras WHERE source = ? LIMIT 1').pluck()
  const touchesRegistry = !options.sources || [...options.sources].some((source) => sourceKnown.get(source) !== undefined)
  const insert = () =>
    db
      .prepare(
        `INSERT INTO cameras (id, owner_id, source, external_id, ${CAMERA_COLUMNS.join(', ')}, created_at, updated_at)
         SELECT r.id, r.owner_id, r.source, r.external_id, ${CAMERA_COLUMNS.map((c) => `r.${c}`).join(', ')}, @now, @now
         FROM temp.import_rows r
         ${touchesRegistry ? 'WHERE NOT EXISTS (SELECT 1 FROM cameras c WHERE c.source = r.source AND c.external_id = r.external_id)' : ''}
         ORDER BY r.row`,
      )
      .run({now: options.now}).changes
  const staged = db.prepare('SELECT count(*) FROM staging.rows').pluck().get() as number
  const registered = (db.prepare('SELECT max(rowid) FROM cameras').pluck().get() as number | null) ?? 0
  const inserted = staged >= BULK_ROWS && staged >= registered ? withoutSecondaryIndexes(db, insert) : insert()
  let updated = 0
  if (options.onConflict === 'update' && touchesRegistry) {
    updated = db
      .prepare(
        `UPDATE cameras AS c SET ${CAMERA_COLUMNS.map((col) => `${col} = r.${col}`).join(', ')}, owner_id = r.owner_id, updated_at = @now
         FROM temp.import_rows r WHERE c.source = r.source AND c.external_id = r.external_id AND (${differs})`,
      )
      .run({now: options.now}).changes
    // Updated cameras may have moved; new ones are picked up by the index on its own (by rowid).
    if (updated > 0) invalidateCameraLocations(db)
  }
  return {inserted, updated}
}

/** An import at least this large, and at least as large as the registry, rebuilds the secondary indexes. */
const BULK_ROWS = 50_000

/**
 * Runs a bulk insert with the cameras table's secondary indexes (owner and any later ones; not the
 * keys) dropped, then builds them again: one sort beats a random B-tree insert per row once the
 * index outgrows the page cache (a million-row import: about 40% faster). Inside the caller's
 * transaction, so a rollback restores them.
 */
function withoutSecondaryIndexes<T>(db: Db, fn: () => T): T {
  const indexes = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cameras' AND sql IS NOT NULL").all() as {name: string; sql: string}[]
  for (const {name} of indexes) db.exec(`DROP INDEX "${name.replace(/"/g, '""')}"`)
  const result = fn()
  for (const {sql} of indexes) db.exec(sql)
  return result
}

/** Attach a closed staging file to the main connection for the duration of fn. */
export function withStaging<T>(db: Db, stagingFile: string, fn: () => T): T {
  db.prepare('ATTACH DATABASE ? AS staging').run(stagingFile)
  try {
    return fn()
  } finally {
    db.exec('DROP VIEW IF EXISTS temp.import_rows')
    db.exec('DETACH DATABASE staging')
  }
}

/** Runs work on the store's connection in turn with other requests (SqliteStore.run). */
export type Runner = <T>(work: (db: Db) => T) => Promise<T>

/**
 * The SQLite store's StagedImport: rows stage into a side file (ImportStaging); from resolveOwners()
 * to discard() that file is attached to the main connection as `staging`, one import at a time
 * (`turn` hands out that right), and every statement on the main connection goes through `run`.
 */
export class SqliteStagedImport implements StagedImport {
  /** Staging is a synchronous insert per row: nothing is gained by holding rows back. */
  readonly batchRows = 64
  private readonly staging: ImportStaging
  private release?: () => void
  private attached = false

  constructor(
    dataDir: string,
    private readonly run: Runner,
    private readonly turn: () => Promise<() => void>,
  ) {
    this.staging = new ImportStaging(dataDir)
  }

  get staged(): number {
    return this.staging.staged
  }

  async add(rows: readonly StagedRow[]): Promise<(number | undefined)[]> {
    return rows.map(({row, camera}) => this.staging.add(row, camera))
  }

  async resolveOwners(): Promise<number> {
    this.staging.close()
    this.release = await this.turn()
    return this.run((db) => {
      db.prepare('ATTACH DATABASE ? AS staging').run(this.staging.file)
      this.attached = true
      return resolveStagedOwners(db)
    })
  }

  count(): Promise<StagedCounts> {
    return this.run(countStaged)
  }

  apply(options: {onConflict: OnConflict; now: string}): Promise<{inserted: number; updated: number}> {
    return this.run((db) => applyStaged(db, {...options, sources: this.staging.stagedSources}))
  }

  async discard(): Promise<void> {
    try {
      if (this.attached)
        await this.run((db) => {
          db.exec('DROP VIEW IF EXISTS temp.import_rows')
          db.exec('DETACH DATABASE staging')
        })
    } finally {
      this.attached = false
      this.release?.()
      this.release = undefined
      this.staging.discard()
    }
  }
}
