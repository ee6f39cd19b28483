/**
 * Bulk import in two phases so that a 1 GB file never holds the database's write lock for long and
 * never leaves half-applied state:
 *  1. stage: validated rows stream into a separate SQLite file next to the database (its own
 *     connection, batched commits; memory stays flat);
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
import type {Db} from './db.js'

const COLUMNS = [
  'source', 'external_id', 'owner_email', 'owner_name', 'owner_organisation', 'owner_phone', 'name', 'latitude', 'longitude', 'address',
  'location_type', 'make', 'model', 'view_description', 'view_direction', 'field_of_view', 'records', 'retention_days', 'live_capable', 'tags',
] as const

/** Columns an import may change on an existing camera (owner included: the file says who owns it). */
const CAMERA_COLUMNS = COLUMNS.filter((c) => !['source', 'external_id', 'owner_email', 'owner_name', 'owner_organisation', 'owner_phone'].includes(c))

const BATCH = 5000

function stagedValues(c: CameraInput): unknown[] {
  return [
    c.source, c.externalId, c.ownerEmail, c.ownerName, c.ownerOrganisation, c.ownerPhone, c.name, c.latitude, c.longitude, c.address,
    c.locationType, c.make, c.model, c.viewDescription, c.viewDirection, c.fieldOfView, c.records ? 1 : 0, c.retentionDays, c.liveCapable ? 1 : 0,
    JSON.stringify(c.tags),
  ]
}

export class ImportStaging {
  readonly file: string
  private readonly db: Database.Database
  private readonly insert: Database.Statement
  private pending: unknown[][] = []
  staged = 0

  constructor(dataDir: string) {
    this.file = join(dataDir, `import-${newId('imp')}.staging.db`)
    this.db = new Database(this.file)
    this.db.pragma('journal_mode = OFF')
    this.db.pragma('synchronous = OFF')
    this.db.exec(`CREATE TABLE rows (${COLUMNS.join(', ')}, PRIMARY KEY (source, external_id)) WITHOUT ROWID`)
    this.insert = this.db.prepare(`INSERT OR REPLACE INTO rows VALUES (${COLUMNS.map(() => '?').join(', ')})`)
  }

  add(camera: CameraInput): void {
    this.pending.push(stagedValues(camera))
    if (this.pending.length >= BATCH) this.flush()
  }

  flush(): void {
    const rows = this.pending
    this.pending = []
    this.db.transaction(() => {
      for (const row of rows) this.insert.run(row)
    })()
    this.staged += rows.length
  }

  close(): void {
    if (this.pending.length) this.flush()
    if (this.db.open) this.db.close()
  }

  discard(): void {
    if (this.db.open) this.db.close()
    rmSync(this.file, {force: true})
  }
}

export type OnConflict = 'update' | 'skip' | 'fail'

export interface StagedPlan {
  /** Rows whose key is new to the registry. */
  fresh: number
  /** Rows whose key exists with different values. */
  changed: number
  /** Rows identical to the registry. */
  same: number
  ownersCreated: number
}

const differs = CAMERA_COLUMNS.map((c) => `c.${c} IS NOT r.${c}`).concat('c.owner_id IS NOT r.owner_id').join(' OR ')

/**
 * Resolves owners by email (the earliest profile with that email, else a new unverified one) and
 * counts what applying would do. Writes only temp tables; the staging file must be attached.
 */
export function planStaged(db: Db): StagedPlan {
  db.exec('CREATE TEMP TABLE IF NOT EXISTS import_owner (email TEXT PRIMARY KEY, owner_id TEXT, created INTEGER) WITHOUT ROWID')
  db.exec('DELETE FROM temp.import_owner')
  db.prepare(
    `INSERT INTO temp.import_owner (email, owner_id, created)
     SELECT r.owner_email, (SELECT o.id FROM owners o WHERE o.email = r.owner_email ORDER BY o.created_at LIMIT 1), 0
     FROM staging.rows r GROUP BY r.owner_email`,
  ).run()
  const newOwners = db.prepare('SELECT email FROM temp.import_owner WHERE owner_id IS NULL').pluck().all() as string[]
  const assign = db.prepare('UPDATE temp.import_owner SET owner_id = ?, created = 1 WHERE email = ?')
  for (const email of newOwners) assign.run(newId('own'), email)
  db.exec(`CREATE TEMP VIEW IF NOT EXISTS import_rows AS
    SELECT r.*, io.owner_id AS owner_id FROM staging.rows r JOIN temp.import_owner io ON io.email = r.owner_email`)
  const counts = db
    .prepare(
      `SELECT coalesce(sum(c.id IS NULL), 0) AS fresh,
              coalesce(sum(c.id IS NOT NULL AND (${differs})), 0) AS changed,
              coalesce(sum(c.id IS NOT NULL AND NOT (${differs})), 0) AS same
       FROM temp.import_rows r LEFT JOIN cameras c ON c.source = r.source AND c.external_id = r.external_id`,
    )
    .get() as {fresh: number; changed: number; same: number}
  return {...counts, ownersCreated: newOwners.length}
}

/** Applies a plan: new owners, new cameras, and (with `update`) changed cameras. Call inside the audited transaction. */
export function applyStaged(db: Db, plan: StagedPlan, options: {onConflict: OnConflict; now: string}): void {
  db.prepare(
    `INSERT INTO owners (id, display_name, organisation, email, phone, preferred_contact, verified, created_at, updated_at)
     SELECT io.owner_id, coalesce(max(r.owner_name), max(r.owner_organisation), io.email), max(r.owner_organisation), io.email, max(r.owner_phone), 'email', 0, @now, @now
     FROM temp.import_owner io JOIN staging.rows r ON r.owner_email = io.email WHERE io.created = 1 GROUP BY io.email`,
  ).run({now: options.now})
  db.prepare(
    `INSERT INTO cameras (id, owner_id, source, external_id, ${CAMERA_COLUMNS.join(', ')}, created_at, updated_at)
     SELECT new_id('cam'), r.owner_id, r.source, r.external_id, ${CAMERA_COLUMNS.map((c) => `r.${c}`).join(', ')}, @now, @now
     FROM temp.import_rows r WHERE NOT EXISTS (SELECT 1 FROM cameras c WHERE c.source = r.source AND c.external_id = r.external_id)`,
  ).run({now: options.now})
  if (options.onConflict === 'update' && plan.changed > 0) {
    db.prepare(
      `UPDATE cameras AS c SET ${CAMERA_COLUMNS.map((col) => `${col} = r.${col}`).join(', ')}, owner_id = r.owner_id, updated_at = @now
       FROM temp.import_rows r WHERE c.source = r.source AND c.external_id = r.external_id AND (${differs})`,
    ).run({now: options.now})
  }
}

/** SQL function `new_id(prefix)`: prefixed sortable ids for rows created in bulk statements. */
export function registerIdFunction(db: Db): void {
  db.function('new_id', (prefix: unknown) => newId(prefix as 'cam'))
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
