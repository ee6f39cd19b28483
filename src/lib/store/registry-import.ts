/**
 * Bulk import in two phases so that a 1 GB file never holds the database's write lock for long and
 * never leaves half-applied state:
 *  1. stage: validated rows go, batch by batch as the import's worker thread parses the file, into a
 *     separate SQLite file next to the database (its own connection, one transaction, no journal, no
 *     key while staging: rows that repeat an earlier row's `source` + `external_id` are found in one
 *     indexed pass at the end, among the rows the worker flagged). Nothing per row is kept in memory;
 *  2. apply: one synchronous transaction on the main database upserts the staged rows by
 *     `source` + `external_id` (creating unverified owners by email) together with the audit record.
 * A kill during staging leaves the registry untouched; a kill during apply rolls back. Re-running the
 * same file converges: unchanged rows are counted, not rewritten.
 */
import Database from 'better-sqlite3'
import {rmSync} from 'node:fs'
import {join} from 'node:path'

import type {CameraInput} from '../domain/camera.js'
import {newId, type IdPrefix} from '../domain/ids.js'
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
/** Owner emails tracked while staging; a file naming more has its owners grouped from all its rows. */
const MAX_TRACKED_OWNERS = 50_000

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz'
const LOW_DIGITS = 6
const LOW_LIMIT = 32 ** LOW_DIGITS

/**
 * Ids for a bulk insert, in ULID's monotonic mode: one fresh `newId(prefix)`, then successive values
 * of the low end of its random part. Unique, sortable and in insert order, at a fraction of the cost
 * of a `newId` per row (which draws fresh random bytes every time: seconds per million rows).
 */
export function monotonicIds(prefix: IdPrefix): () => string {
  let head = ''
  let low = LOW_LIMIT
  return () => {
    if (low >= LOW_LIMIT - 1) {
      const seed = newId(prefix)
      head = seed.slice(0, -LOW_DIGITS)
      low = [...seed.slice(-LOW_DIGITS)].reduce((n, c) => n * 32 + CROCKFORD.indexOf(c), 0)
    }
    low++
    let tail = ''
    for (let n = low, i = 0; i < LOW_DIGITS; i++, n = Math.floor(n / 32)) tail = CROCKFORD[n % 32] + tail
    return head + tail
  }
}

export const monotonicCameraIds = () => monotonicIds('cam')

/** An owner's columns as staged in `owner_details`. */
type OwnerDetails = readonly [email: string, name: string | null, organisation: string | null, phone: string | null]

const ownerDetails = (c: CameraInput): OwnerDetails => [c.ownerEmail, c.ownerName, c.ownerOrganisation, c.ownerPhone]

/** A row repeating an earlier row's source + external_id, found after staging (ImportStaging.finish). */
export interface StagedRepeat {
  row: number
  first: number
  source: string
  externalId: string
  raw: Record<string, unknown>
}

/** A new staging file's path in the data directory. */
export const newStagingFile = (dataDir: string) => join(dataDir, `import-${newId('imp')}.staging.db`)

/**
 * A staging file, filled row by row (stage(), in file order); finish() then finds the rows that
 * repeat an earlier one among those flagged with markSuspect(). No key is checked per insert (about
 * half the cost per row of a unique key). Its `owner_details` table, when there is one, holds every distinct
 * owner email, name, organisation and phone of the rows: what resolveStagedOwners groups, instead of
 * sorting all the rows (a second per million rows), when the file names few enough owners.
 */
export class ImportStaging {
  private readonly db: Database.Database
  private readonly insert: Database.Statement
  private readonly suspect: Database.Statement
  private readonly nextId = monotonicCameraIds()
  private sources: Set<string> | undefined = new Set()
  /** The last row's source: most files name one, and comparing with it is cheaper than a set lookup. */
  private lastSource: string | undefined
  /** Each owner email's first name, organisation and phone; other combinations go into `owner_details` as they come. */
  private owners: Map<string, OwnerDetails> | undefined = new Map()
  private readonly ownerVariant: Database.Statement
  staged = 0

  constructor(readonly file: string) {
    this.db = new Database(file)
    // Large pages: the file is written once in order and read once in order (by the apply), so a
    // sixteenth of the page reads and writes, and a smaller file (fewer page headers and part-filled pages).
    this.db.pragma('page_size = 65536')
    this.db.pragma('journal_mode = OFF')
    this.db.pragma('synchronous = OFF')
    // Rows arrive in file order, so the row number as rowid makes every insert an append.
    this.db.exec(`CREATE TABLE rows (row INTEGER PRIMARY KEY, id TEXT NOT NULL, ${COLUMNS.join(', ')});
      CREATE TABLE suspects (row INTEGER PRIMARY KEY, raw TEXT NOT NULL);
      CREATE TABLE owner_details (owner_email, owner_name, owner_organisation, owner_phone)`)
    this.insert = this.db.prepare(`INSERT INTO rows (row, id, ${COLUMNS.join(', ')}) VALUES (${['row', 'id', ...COLUMNS].map(() => '?').join(', ')})`)
    this.suspect = this.db.prepare('INSERT INTO suspects (row, raw) VALUES (?, ?)')
    this.ownerVariant = this.db.prepare('INSERT INTO owner_details VALUES (?, ?, ?, ?)')
    this.db.exec('BEGIN')
  }

  /**
   * Stages a camera's columns (COLUMNS order). They go in as separate arguments, read straight off
   * the camera: better-sqlite3 binds an array argument's elements a good deal slower (about a quarter
   * of the insert's cost), and an array per row is garbage too.
   */
  stage(row: number, c: CameraInput): void {
    this.insert.run(
      row, this.nextId(), c.source, c.externalId, c.ownerEmail, c.ownerName, c.ownerOrganisation, c.ownerPhone, c.name, c.latitude, c.longitude,
      c.address, c.locationType, c.make, c.model, c.viewDescription, c.viewDirection, c.fieldOfView, c.records ? 1 : 0, c.retentionDays,
      c.liveCapable ? 1 : 0, JSON.stringify(c.tags),
    )
    this.staged++
    if (c.source !== this.lastSource) this.noteSource(c.source)
    if (this.owners) this.noteOwner(c)
  }

  private noteSource(source: string): void {
    this.lastSource = source
    if (this.sources && !this.sources.has(source)) {
      this.sources.add(source)
      if (this.sources.size > MAX_TRACKED_SOURCES) this.sources = undefined
    }
  }

  private noteOwner(c: CameraInput): void {
    const first = this.owners!.get(c.ownerEmail)
    if (first === undefined) {
      this.owners!.set(c.ownerEmail, ownerDetails(c))
      if (this.owners!.size > MAX_TRACKED_OWNERS) this.owners = undefined
    } else if (first[1] !== c.ownerName || first[2] !== c.ownerOrganisation || first[3] !== c.ownerPhone) this.ownerVariant.run(ownerDetails(c))
  }

  /** A staged row that may repeat an earlier one (its raw cells kept for the reject). */
  markSuspect(row: number, raw: Record<string, unknown>): void {
    this.suspect.run(row, JSON.stringify(raw))
  }

  /**
   * After the last row: removes the suspects that repeat an earlier row's key (the first
   * occurrence stays), closes the file, and returns how many there were and the first `list` of them
   * in file order.
   */
  finish(list: number): {repeats: number; listed: StagedRepeat[]} {
    let repeats = 0
    let listed: StagedRepeat[] = []
    if (this.db.prepare('SELECT EXISTS (SELECT 1 FROM suspects)').pluck().get()) {
      this.db.exec(`CREATE INDEX rows_key ON rows (source, external_id);
        CREATE TABLE repeats AS SELECT * FROM (
          SELECT s.row, s.raw, r.source, r.external_id AS externalId,
                 (SELECT min(f.row) FROM rows f WHERE f.source = r.source AND f.external_id = r.external_id) AS first
          FROM suspects s JOIN rows r ON r.row = s.row) WHERE first < row ORDER BY row;
        DELETE FROM rows WHERE row IN (SELECT row FROM repeats);`)
      repeats = this.db.prepare('SELECT count(*) FROM repeats').pluck().get() as number
      listed = (this.db.prepare('SELECT * FROM repeats ORDER BY row LIMIT ?').all(list) as (Omit<StagedRepeat, 'raw'> & {raw: string})[]).map((r) => ({...r, raw: JSON.parse(r.raw) as StagedRepeat['raw']}))
      this.staged -= repeats
    }
    // The removed repeats' owner details may be nowhere else: then owners are grouped from the rows.
    if (this.owners && repeats === 0) for (const owner of this.owners.values()) this.ownerVariant.run(owner)
    else this.db.exec('DROP TABLE owner_details')
    this.owners = undefined
    this.close()
    return {repeats, listed}
  }

  /** The sources named in the file, or undefined when there were too many to track. */
  get stagedSources(): ReadonlySet<string> | undefined {
    return this.sources
  }

  private close(): void {
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
 * unverified owner (name, organisation and phone from the file: the greatest of each). Writes only
 * temp tables; the staging file must be attached. Returns how many owners the import would create.
 */
export function resolveStagedOwners(db: Db): number {
  db.exec(`CREATE TEMP TABLE IF NOT EXISTS import_owner (
    email TEXT PRIMARY KEY, owner_id TEXT, created INTEGER NOT NULL, name TEXT, organisation TEXT, phone TEXT) WITHOUT ROWID`)
  db.exec('DELETE FROM temp.import_owner')
  db.prepare(
    `INSERT INTO temp.import_owner (email, owner_id, created, name, organisation, phone)
     SELECT r.owner_email, (SELECT o.id FROM owners o WHERE o.email = r.owner_email ORDER BY o.created_at LIMIT 1), 0,
            max(r.owner_name), max(r.owner_organisation), max(r.owner_phone)
     FROM ${db.prepare("SELECT 1 FROM staging.sqlite_master WHERE name = 'owner_details'").get() ? 'staging.owner_details' : 'staging.rows'} r GROUP BY r.owner_email`,
  ).run()
  // One statement, ids from a function: a file of a million owners is not a million statements.
  const nextOwnerId = monotonicIds('own')
  db.function('rtcc_import_owner_id', {deterministic: false}, () => nextOwnerId())
  const created = db.prepare('UPDATE temp.import_owner SET owner_id = rtcc_import_owner_id(), created = 1 WHERE owner_id IS NULL').run().changes
  db.exec(`CREATE TEMP VIEW IF NOT EXISTS import_rows AS
    SELECT r.*, io.owner_id AS owner_id FROM staging.rows r JOIN temp.import_owner io ON io.email = r.owner_email`)
  return created
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
 * Applies the staged rows (`staged` of them): new owners, new cameras, and (with `update`) changed
 * cameras. Call inside the audited transaction, after resolveStagedOwners. When none of the file's
 * sources is in the registry yet, every row is new: a plain insert. Otherwise one pass lists the rows
 * to write (new, or differing from their camera), so that a re-import of an unchanged file writes
 * nothing and rebuilds no index, and the insert and the update read only the listed rows.
 */
export function applyStaged(db: Db, options: {onConflict: OnConflict; now: string; staged: number; sources?: ReadonlySet<string>}): {inserted: number; updated: number} {
  db.prepare(
    `INSERT INTO owners (id, display_name, organisation, email, phone, preferred_contact, verified, created_at, updated_at)
     SELECT owner_id, coalesce(name, organisation, email), organisation, email, phone, 'email', 0, @now, @now
     FROM temp.import_owner WHERE created = 1`,
  ).run({now: options.now})
  const sourceKnown = db.prepare('SELECT 1 FROM cameras WHERE source = ? LIMIT 1').pluck()
  const touchesRegistry = !options.sources || [...options.sources].some((source) => sourceKnown.get(source) !== undefined)
  // The rows to insert (`camera` null) and to update (`camera`: the rowid of the camera they change), in file order.
  let fresh = options.staged
  let changed = 0
  if (touchesRegistry) {
    db.exec(`DROP TABLE IF EXISTS temp.import_plan;
      CREATE TEMP TABLE import_plan AS
        SELECT r.row AS row, c.rowid AS camera FROM temp.import_rows r LEFT JOIN cameras c ON c.source = r.source AND c.external_id = r.external_id
        WHERE c.rowid IS NULL OR (${differs})`)
    ;({fresh, changed} = db.prepare('SELECT count(*) - count(camera) AS fresh, count(camera) AS changed FROM temp.import_plan').get() as {fresh: number; changed: number})
  }
  const planned = (which: string) => `(SELECT r.*, p.camera FROM temp.import_plan p JOIN temp.import_rows r ON r.row = p.row WHERE p.camera ${which})`
  const insert = () =>
    db
      .prepare(
        `INSERT INTO cameras (id, owner_id, source, external_id, ${CAMERA_COLUMNS.join(', ')}, created_at, updated_at)
         SELECT r.id, r.owner_id, r.source, r.external_id, ${CAMERA_COLUMNS.map((c) => `r.${c}`).join(', ')}, @now, @now
         FROM ${touchesRegistry ? planned('IS NULL') : 'temp.import_rows'} r ORDER BY r.row`,
      )
      .run({now: options.now}).changes
  const registered = (db.prepare('SELECT max(rowid) FROM cameras').pluck().get() as number | null) ?? 0
  const inserted = fresh === 0 ? 0 : fresh >= BULK_ROWS && fresh >= registered ? withoutSecondaryIndexes(db, insert) : insert()
  let updated = 0
  if (options.onConflict === 'update' && changed > 0) {
    updated = db
      .prepare(`UPDATE cameras AS c SET ${CAMERA_COLUMNS.map((col) => `${col} = r.${col}`).join(', ')}, owner_id = r.owner_id, updated_at = @now FROM ${planned('IS NOT NULL')} r WHERE c.rowid = r.camera`)
      .run({now: options.now}).changes
    // Updated cameras may have moved; new ones are picked up by the index on its own (by rowid).
    invalidateCameraLocations(db)
  }
  if (touchesRegistry) db.exec('DROP TABLE temp.import_plan')
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
 * The SQLite store's StagedImport: add() fills the staging file (an ImportStaging, its own connection)
 * batch by batch on the calling thread, endStaging() finds the repeats and closes it; from
 * resolveOwners() to discard() that file is attached to the main connection as `staging`, one import
 * at a time (`turn` hands out that right), and every statement on the main connection goes through `run`.
 */
export class SqliteStagedImport implements StagedImport {
  /** No round trips to save: a batch only bounds the rows the caller holds at once (512: a millisecond or two of staging). */
  readonly batchRows = 512
  private readonly file: string
  private readonly staging: ImportStaging
  private release?: () => void
  private attached = false

  constructor(
    dataDir: string,
    private readonly run: Runner,
    private readonly turn: () => Promise<() => void>,
  ) {
    this.file = newStagingFile(dataDir)
    this.staging = new ImportStaging(this.file)
  }

  get staged(): number {
    return this.staging.staged
  }

  /** Stages the rows at once; their repeats are found by endStaging(). */
  async add(rows: readonly StagedRow[]): Promise<[]> {
    for (const {row, camera, maybeRepeat, raw} of rows) {
      this.staging.stage(row, camera)
      if (maybeRepeat) this.staging.markSuspect(row, raw ?? {})
    }
    return []
  }

  async endStaging(list: number): Promise<{repeats: number; listed: StagedRepeat[]}> {
    return this.staging.finish(list)
  }

  async resolveOwners(): Promise<number> {
    this.release = await this.turn()
    return this.run((db) => {
      db.prepare('ATTACH DATABASE ? AS staging').run(this.file)
      this.attached = true
      return resolveStagedOwners(db)
    })
  }

  count(): Promise<StagedCounts> {
    return this.run(countStaged)
  }

  apply(options: {onConflict: OnConflict; now: string}): Promise<{inserted: number; updated: number}> {
    return this.run((db) => applyStaged(db, {...options, staged: this.staged, sources: this.staging.stagedSources}))
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
