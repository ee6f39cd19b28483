/**
 * The recent-event buffer on PostgreSQL: ids come from the table's identity sequence (so they only
 * grow, whichever connection inserts), and the buffer is trimmed to `keep` rows every hundredth id,
 * as on SQLite.
 */
import type {RtccEvent} from '../../domain/events.js'
import {type EventRefs, type EventRow, type LatLon, toEvent} from '../events.js'
import {all, one, run, type Pg} from './pg.js'

export async function insertEvent(db: Pg, event: Omit<RtccEvent, 'id'>, keep: number): Promise<RtccEvent> {
  const {id} = (await one<{id: number}>(db, 'INSERT INTO events (type, time, severity, owner_id, data) VALUES ($1, $2, $3, $4, $5) RETURNING id', [
    event.type,
    event.time,
    event.severity,
    event.ownerId,
    JSON.stringify(event.data),
  ]))!
  if (id % 100 === 0) await run(db, 'DELETE FROM events WHERE id <= $1', [id - keep])
  return {id, ...event}
}

export async function eventsAfter(db: Pg, afterId: number, limit: number): Promise<RtccEvent[]> {
  return (await all<EventRow>(db, 'SELECT * FROM events WHERE id > $1 ORDER BY id LIMIT $2', [afterId, limit])).map(toEvent)
}

const ids = (values: string[]) => [...new Set(values)]

/** The locations of the cameras an event names (directly or through their Core). */
export async function placesOf(db: Pg, refs: EventRefs): Promise<LatLon[]> {
  if (refs.cameraIds.length === 0 && refs.coreIds.length === 0 && refs.requestIds.length === 0) return []
  return all<LatLon>(
    db,
    `SELECT latitude, longitude FROM cameras WHERE id = ANY($1::text[])
       OR id IN (SELECT camera_id FROM core_cameras WHERE core_id = ANY($2::text[]))
       OR id IN (SELECT camera_id FROM request_cameras WHERE request_id = ANY($3::text[]))`,
    [ids(refs.cameraIds), ids(refs.coreIds), ids(refs.requestIds)],
  )
}

/** The agencies that made the footage or live-access requests an event names. */
export async function requestingAgencies(db: Pg, requestIds: string[]): Promise<string[]> {
  if (requestIds.length === 0) return []
  const rows = await all<{agency_id: string}>(
    db,
    `SELECT agency_id FROM footage_requests WHERE id = ANY($1::text[]) AND agency_id IS NOT NULL
     UNION SELECT agency_id FROM access_requests WHERE id = ANY($1::text[]) AND agency_id IS NOT NULL`,
    [ids(requestIds)],
  )
  return rows.map((r) => r.agency_id)
}
