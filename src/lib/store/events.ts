/** The recent-event buffer: persisted so `Last-Event-ID` replay survives a server restart; bounded. */
import type {RtccEvent, Severity} from '../domain/events.js'
import type {Db} from './db.js'

interface EventRow {
  id: number
  type: string
  time: string
  severity: Severity
  owner_id: string | null
  data: string
}

const toEvent = (row: EventRow): RtccEvent => ({
  id: row.id,
  type: row.type,
  time: row.time,
  severity: row.severity,
  ownerId: row.owner_id,
  data: JSON.parse(row.data) as Record<string, unknown>,
})

export function insertEvent(db: Db, event: Omit<RtccEvent, 'id'>, keep: number): RtccEvent {
  const {lastInsertRowid} = db
    .prepare('INSERT INTO events (type, time, severity, owner_id, data) VALUES (?, ?, ?, ?, ?)')
    .run(event.type, event.time, event.severity, event.ownerId, JSON.stringify(event.data))
  const id = Number(lastInsertRowid)
  if (id % 100 === 0) db.prepare('DELETE FROM events WHERE id <= ?').run(id - keep)
  return {id, ...event}
}

export function eventsAfter(db: Db, afterId: number, limit: number): RtccEvent[] {
  return (db.prepare('SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?').all(afterId, limit) as EventRow[]).map(toEvent)
}
