/** Owners' panics on PostgreSQL (see ../panic.ts). */
import type {PanicRecord} from '../../domain/panic.js'
import type {OwnerStatement} from '../../domain/policy.js'
import {toPanicRecord as toRecord, type PanicRow} from '../panic.js'
import {all, one, type Pg} from './pg.js'


// Times are UTC ISO strings, compared as text (the columns collate byte-wise).
const ACTIVE = `($1::text IS NULL OR owner_id = $1) AND started_at <= $2 AND until > $2 AND (cleared_at IS NULL OR cleared_at > $2)`

export async function insertPanic(db: Pg, p: {id: string; ownerId: string; startedAt: string; until: string; message: string | null; statement: OwnerStatement; now: string}): Promise<PanicRecord> {
  const row = await one<PanicRow>(
    db,
    'INSERT INTO panics (id, owner_id, started_at, until, message, statement, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *',
    [p.id, p.ownerId, p.startedAt, p.until, p.message, JSON.stringify(p.statement), p.now],
  )
  return toRecord(row!)
}

export async function getPanic(db: Pg, id: string): Promise<PanicRecord | undefined> {
  const row = await one<PanicRow>(db, 'SELECT * FROM panics WHERE id = $1', [id])
  return row && toRecord(row)
}

export async function activePanics(db: Pg, ownerId: string | null, at: Date): Promise<PanicRecord[]> {
  return (await all<PanicRow>(db, `SELECT * FROM panics WHERE ${ACTIVE} ORDER BY started_at DESC`, [ownerId, at.toISOString()])).map(toRecord)
}

export async function activePanic(db: Pg, ownerId: string, at: Date): Promise<PanicRecord | null> {
  return (await activePanics(db, ownerId, at))[0] ?? null
}

export async function clearPanics(db: Pg, ownerId: string, panicIds: readonly string[], clearedAt: string, clearStatement: OwnerStatement): Promise<PanicRecord[]> {
  const rows = await all<PanicRow>(
    db,
    `UPDATE panics SET cleared_at = $2, clear_statement = $3 WHERE id = ANY($4::text[]) AND ${ACTIVE} RETURNING *`,
    [ownerId, clearedAt, JSON.stringify(clearStatement), panicIds],
  )
  // In the order asked, each once (as the SQLite store, which clears them one by one).
  const byId = new Map(rows.map((row) => [row.id, toRecord(row)]))
  return [...new Set(panicIds)].flatMap((id) => byId.get(id) ?? [])
}
