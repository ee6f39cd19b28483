/** Owners' panics with the owner-signed statements that start and clear them. */
import type {PanicRecord} from '../domain/panic.js'
import {OwnerStatement} from '../domain/policy.js'
import type {Db} from './db.js'

export interface PanicRow {
  id: string
  owner_id: string
  started_at: string
  until: string
  message: string | null
  cleared_at: string | null
  statement: string
  clear_statement: string | null
}

export const toPanicRecord = (r: PanicRow): PanicRecord => ({
  id: r.id,
  ownerId: r.owner_id,
  startedAt: r.started_at,
  until: r.cleared_at !== null && r.cleared_at < r.until ? r.cleared_at : r.until,
  message: r.message,
  clearedAt: r.cleared_at,
  statement: OwnerStatement.parse(JSON.parse(r.statement)),
  clearStatement: r.clear_statement === null ? null : OwnerStatement.parse(JSON.parse(r.clear_statement)),
})

/** Times are stored as UTC ISO strings so they compare as text. */
export function insertPanic(db: Db, p: {id: string; ownerId: string; startedAt: string; until: string; message: string | null; statement: OwnerStatement; now: string}): PanicRecord {
  db.prepare('INSERT INTO panics (id, owner_id, started_at, until, message, statement, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    p.id, p.ownerId, p.startedAt, p.until, p.message, JSON.stringify(p.statement), p.now,
  )
  return getPanic(db, p.id)!
}

export function getPanic(db: Db, id: string): PanicRecord | undefined {
  const row = db.prepare('SELECT * FROM panics WHERE id = ?').get(id) as PanicRow | undefined
  return row && toPanicRecord(row)
}

const ACTIVE = `(@ownerId IS NULL OR owner_id = @ownerId) AND started_at <= @at AND until > @at AND (cleared_at IS NULL OR cleared_at > @at)`

/** The owner's panics in force at `at` (every owner's, for null), newest first. */
export function activePanics(db: Db, ownerId: string | null, at: Date): PanicRecord[] {
  const rows = db.prepare(`SELECT * FROM panics WHERE ${ACTIVE} ORDER BY started_at DESC`).all({ownerId, at: at.toISOString()}) as PanicRow[]
  return rows.map(toPanicRecord)
}

/**
 * For the Core's link: the owner's panic in force at `at` (the newest, if several), with the signed
 * statements the Core must verify (`verifyPanic`) before acting on it.
 */
export function activePanic(db: Db, ownerId: string, at: Date): PanicRecord | null {
  return activePanics(db, ownerId, at)[0] ?? null
}

/** Records the owner's signed clear on each named panic that is still in force. */
export function clearPanics(db: Db, ownerId: string, panicIds: readonly string[], clearedAt: string, clearStatement: OwnerStatement): PanicRecord[] {
  const update = db.prepare(`UPDATE panics SET cleared_at = @clearedAt, clear_statement = @statement WHERE id = @id AND ${ACTIVE}`)
  const cleared: PanicRecord[] = []
  for (const id of panicIds) {
    if (update.run({id, ownerId, at: clearedAt, clearedAt, statement: JSON.stringify(clearStatement)}).changes) cleared.push(getPanic(db, id)!)
  }
  return cleared
}
