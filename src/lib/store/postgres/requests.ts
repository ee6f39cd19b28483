/** Footage requests, their cameras and timelines on PostgreSQL (see ../requests.ts). */
import type {EvidenceSummary, FootageRequest, RequestCamera, RequestStatus, TimelineEntry} from '../../domain/requests.js'
import {
  footageRequestOf,
  toEvidenceSummary,
  toRequestCamera,
  toTimelineEntry,
  type EvidenceSummaryRow,
  type NewRequest,
  type RequestCameraRow,
  type RequestFilters,
  type RequestRow,
  type TimelineRow,
} from '../requests.js'
import {all, one, run, type Pg} from './pg.js'

export async function insertRequest(db: Pg, r: NewRequest): Promise<void> {
  await run(
    db,
    `INSERT INTO footage_requests (id, case_id, agency_id, agency_name, issued_by, issued_by_name, owner_id, latitude, longitude, radius_m,
       window_from, window_to, reason, status, token_hash, expires_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'issued', $14, $15, $16, $16)`,
    [r.id, r.caseId, r.agencyId, r.agencyName, r.issuedBy.id, r.issuedBy.name, r.ownerId, r.latitude, r.longitude, r.radiusMetres, r.from, r.to, r.reason, r.tokenHash, r.expiresAt, r.now],
  )
  if (r.cameras.length > 0) {
    await run(
      db,
      `INSERT INTO request_cameras (request_id, camera_id, camera_name, distance_m, faces_incident, rank)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::float8[], $5::int[], $6::int[])`,
      [
        r.id,
        r.cameras.map((c) => c.cameraId),
        r.cameras.map((c) => c.name),
        r.cameras.map((c) => c.distanceMetres),
        r.cameras.map((c) => (c.facesIncident === null ? null : c.facesIncident ? 1 : 0)),
        r.cameras.map((_, rank) => rank),
      ],
    )
  }
  await addTimeline(db, r.id, {time: r.now, actor: r.issuedBy, from: r.source, event: 'issued', target: r.id, detail: {cameras: r.cameras.length}})
}

export function getRequestRow(db: Pg, id: string): Promise<RequestRow | undefined> {
  return one<RequestRow>(db, 'SELECT * FROM footage_requests WHERE id = $1', [id])
}

export function lockRequestRow(db: Pg, id: string): Promise<RequestRow | undefined> {
  return one<RequestRow>(db, 'SELECT * FROM footage_requests WHERE id = $1 FOR UPDATE', [id])
}

export function findRequestByTokenHash(db: Pg, tokenHash: Buffer): Promise<RequestRow | undefined> {
  return one<RequestRow>(db, 'SELECT * FROM footage_requests WHERE token_hash = $1', [tokenHash])
}

export function listRequestRows(db: Pg, f: RequestFilters): Promise<RequestRow[]> {
  return all<RequestRow>(
    db,
    `SELECT * FROM footage_requests
     WHERE ($1::text IS NULL OR case_id = $1) AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR owner_id = $3) AND ($4::text IS NULL OR agency_id = $4)
     ORDER BY created_at DESC, id LIMIT $5`,
    [f.caseId || null, f.status || null, f.ownerId || null, f.agencyId || null, f.limit ?? 1000],
  )
}

export async function setRequestStatus(db: Pg, id: string, status: RequestStatus, now: string, extra: {declineReason?: string} = {}): Promise<void> {
  await run(db, 'UPDATE footage_requests SET status = $1, decline_reason = coalesce($2, decline_reason), updated_at = $3 WHERE id = $4', [status, extra.declineReason ?? null, now, id])
}

export async function rotateToken(db: Pg, id: string, tokenHash: Buffer): Promise<void> {
  await run(db, 'UPDATE footage_requests SET token_hash = $1 WHERE id = $2', [tokenHash, id])
}

export async function markMailed(db: Pg, id: string, now: string): Promise<void> {
  await run(db, 'UPDATE footage_requests SET last_mailed_at = $1 WHERE id = $2', [now, id])
}

export function dueForExpiry(db: Pg, now: string): Promise<RequestRow[]> {
  return all<RequestRow>(db, "SELECT * FROM footage_requests WHERE status IN ('issued', 'delivered', 'viewed') AND expires_at <= $1 ORDER BY expires_at, id", [now])
}

export async function addTimeline(db: Pg, requestId: string, entry: TimelineEntry): Promise<void> {
  await run(
    db,
    'INSERT INTO request_timeline (request_id, time, actor, actor_id, actor_role, source, event, target, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
    [requestId, entry.time, entry.actor.name, entry.actor.id, entry.actor.role, entry.from, entry.event, entry.target, entry.detail ? JSON.stringify(entry.detail) : null],
  )
}

export async function timeline(db: Pg, requestId: string): Promise<TimelineEntry[]> {
  return (await all<TimelineRow>(db, 'SELECT * FROM request_timeline WHERE request_id = $1 ORDER BY id', [requestId])).map(toTimelineEntry)
}

export async function requestCameras(db: Pg, requestId: string): Promise<RequestCamera[]> {
  const rows = await all<RequestCameraRow>(db, 'SELECT camera_id, camera_name, distance_m, faces_incident FROM request_cameras WHERE request_id = $1 ORDER BY rank', [requestId])
  return rows.map(toRequestCamera)
}

export async function evidenceSummaries(db: Pg, requestId: string): Promise<EvidenceSummary[]> {
  const rows = await all<EvidenceSummaryRow>(db, 'SELECT id, camera_id, parent_id, sha256, size, created_at FROM evidence_files WHERE request_id = $1 ORDER BY created_at, id', [requestId])
  return rows.map(toEvidenceSummary)
}

export async function toFootageRequest(db: Pg, row: RequestRow, owner: FootageRequest['owner']): Promise<FootageRequest> {
  return footageRequestOf(row, owner, await requestCameras(db, row.id), await evidenceSummaries(db, row.id))
}
