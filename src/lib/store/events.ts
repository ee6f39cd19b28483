/** The recent-event buffer: persisted so `Last-Event-ID` replay survives a server restart; bounded. */
import type {RtccEvent, Severity} from '../domain/events.js'
import type {Db} from './db.js'

export interface EventRow {
  id: number
  type: string
  time: string
  severity: Severity
  owner_id: string | null
  data: string
}

export const toEvent = (row: EventRow): RtccEvent => ({
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

export interface LatLon {
  latitude: number
  longitude: number
}

/** What an event names, resolved to places and agencies so it can be delivered by jurisdiction. */
export interface EventRefs {
  cameraIds: string[]
  coreIds: string[]
  requestIds: string[]
}

const ids = (values: string[]) => JSON.stringify([...new Set(values)])

/** The locations of the cameras an event names (directly or through their Core). */
export function placesOf(db: Db, refs: EventRefs): LatLon[] {
  if (refs.cameraIds.length === 0 && refs.coreIds.length === 0 && refs.requestIds.length === 0) return []
  return db
    .prepare(
      `SELECT latitude, longitude FROM cameras WHERE id IN (SELECT value FROM json_each(@cameras))
         OR id IN (SELECT camera_id FROM core_cameras WHERE core_id IN (SELECT value FROM json_each(@cores)))
         OR id IN (SELECT camera_id FROM request_cameras WHERE request_id IN (SELECT value FROM json_each(@requests)))`,
    )
    .all({cameras: ids(refs.cameraIds), cores: ids(refs.coreIds), requests: ids(refs.requestIds)}) as LatLon[]
}

/** The agencies that made the footage or live-access requests an event names. */
export function requestingAgencies(db: Db, requestIds: string[]): string[] {
  if (requestIds.length === 0) return []
  const rows = db
    .prepare(
      `SELECT agency_id FROM footage_requests WHERE id IN (SELECT value FROM json_each(@ids)) AND agency_id IS NOT NULL
       UNION SELECT agency_id FROM access_requests WHERE id IN (SELECT value FROM json_each(@ids)) AND agency_id IS NOT NULL`,
    )
    .all({ids: ids(requestIds)}) as {agency_id: string}[]
  return rows.map((r) => r.agency_id)
}
