/** Footage requests, the cameras each one names, and each request's timeline (custody starts here). */
import type {EvidenceSummary, FootageRequest, RequestCamera, RequestStatus, TimelineActor, TimelineEntry} from '../domain/requests.js'
import type {Db} from './db.js'

export interface RequestRow {
  id: string
  case_id: string
  agency_id: string | null
  agency_name: string
  issued_by: string
  issued_by_name: string
  owner_id: string
  latitude: number
  longitude: number
  radius_m: number
  window_from: string
  window_to: string
  reason: string
  status: RequestStatus
  expires_at: string
  decline_reason: string | null
  last_mailed_at: string | null
  created_at: string
  updated_at: string
}

export interface NewRequest {
  id: string
  caseId: string
  agencyId: string | null
  agencyName: string
  issuedBy: TimelineActor
  ownerId: string
  latitude: number
  longitude: number
  radiusMetres: number
  from: string
  to: string
  reason: string
  tokenHash: Buffer
  expiresAt: string
  cameras: RequestCamera[]
  now: string
  /** Who issued it, and from where. */
  source: string | null
}

export function insertRequest(db: Db, r: NewRequest): void {
  db.prepare(
    `INSERT INTO footage_requests (id, case_id, agency_id, agency_name, issued_by, issued_by_name, owner_id, latitude, longitude, radius_m,
       window_from, window_to, reason, status, token_hash, expires_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'issued', ?, ?, ?, ?)`,
  ).run(r.id, r.caseId, r.agencyId, r.agencyName, r.issuedBy.id, r.issuedBy.name, r.ownerId, r.latitude, r.longitude, r.radiusMetres, r.from, r.to, r.reason, r.tokenHash, r.expiresAt, r.now, r.now)
  const camera = db.prepare('INSERT INTO request_cameras (request_id, camera_id, camera_name, distance_m, faces_incident, rank) VALUES (?, ?, ?, ?, ?, ?)')
  r.cameras.forEach((c, rank) => camera.run(r.id, c.cameraId, c.name, c.distanceMetres, c.facesIncident === null ? null : c.facesIncident ? 1 : 0, rank))
  addTimeline(db, r.id, {time: r.now, actor: r.issuedBy, from: r.source, event: 'issued', target: r.id, detail: {cameras: r.cameras.length}})
}

export function getRequestRow(db: Db, id: string): RequestRow | undefined {
  return db.prepare('SELECT * FROM footage_requests WHERE id = ?').get(id) as RequestRow | undefined
}

/**
 * The row, locked until the calling transaction ends, so that of two instances moving it at once (the
 * expiry timer runs on each) the second sees the first one's move. SQLite: the transaction's
 * BEGIN IMMEDIATE already holds the only writer.
 */
export function lockRequestRow(db: Db, id: string): RequestRow | undefined {
  return getRequestRow(db, id)
}

export function findRequestByTokenHash(db: Db, tokenHash: Buffer): RequestRow | undefined {
  return db.prepare('SELECT * FROM footage_requests WHERE token_hash = ?').get(tokenHash) as RequestRow | undefined
}

export interface RequestFilters {
  caseId?: string
  status?: RequestStatus
  ownerId?: string
  agencyId?: string
  limit?: number
}

export function listRequestRows(db: Db, f: RequestFilters): RequestRow[] {
  const clauses: string[] = []
  if (f.caseId) clauses.push('case_id = @caseId')
  if (f.status) clauses.push('status = @status')
  if (f.ownerId) clauses.push('owner_id = @ownerId')
  if (f.agencyId) clauses.push('agency_id = @agencyId')
  const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''
  return db.prepare(`SELECT * FROM footage_requests ${where} ORDER BY created_at DESC, id LIMIT @limit`).all({...f, limit: f.limit ?? 1000}) as RequestRow[]
}

export function setRequestStatus(db: Db, id: string, status: RequestStatus, now: string, extra: {declineReason?: string} = {}): void {
  db.prepare('UPDATE footage_requests SET status = ?, decline_reason = coalesce(?, decline_reason), updated_at = ? WHERE id = ?').run(status, extra.declineReason ?? null, now, id)
}

/** A reminder carries a fresh token; the old one stops working. */
export function rotateToken(db: Db, id: string, tokenHash: Buffer): void {
  db.prepare('UPDATE footage_requests SET token_hash = ? WHERE id = ?').run(tokenHash, id)
}

export function markMailed(db: Db, id: string, now: string): void {
  db.prepare('UPDATE footage_requests SET last_mailed_at = ? WHERE id = ?').run(now, id)
}

/** Open requests past their expiry. */
export function dueForExpiry(db: Db, now: string): RequestRow[] {
  return db.prepare("SELECT * FROM footage_requests WHERE status IN ('issued', 'delivered', 'viewed') AND expires_at <= ? ORDER BY expires_at, id").all(now) as RequestRow[]
}

export function addTimeline(db: Db, requestId: string, entry: TimelineEntry): void {
  db.prepare('INSERT INTO request_timeline (request_id, time, actor, actor_id, actor_role, source, event, target, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
    requestId,
    entry.time,
    entry.actor.name,
    entry.actor.id,
    entry.actor.role,
    entry.from,
    entry.event,
    entry.target,
    entry.detail ? JSON.stringify(entry.detail) : null,
  )
}

export interface TimelineRow {
  time: string
  actor: string
  actor_id: string
  actor_role: string
  source: string | null
  event: string
  target: string | null
  detail: string | null
}

export const toTimelineEntry = (row: TimelineRow): TimelineEntry => ({
  time: row.time,
  actor: {id: row.actor_id, role: row.actor_role, name: row.actor},
  from: row.source,
  event: row.event,
  target: row.target,
  detail: row.detail ? (JSON.parse(row.detail) as Record<string, unknown>) : null,
})

export function timeline(db: Db, requestId: string): TimelineEntry[] {
  return (db.prepare('SELECT * FROM request_timeline WHERE request_id = ? ORDER BY id').all(requestId) as TimelineRow[]).map(toTimelineEntry)
}

export interface RequestCameraRow {
  camera_id: string
  camera_name: string
  distance_m: number
  faces_incident: number | null
}
export const toRequestCamera = (r: RequestCameraRow): RequestCamera => ({
  cameraId: r.camera_id,
  name: r.camera_name,
  distanceMetres: r.distance_m,
  facesIncident: r.faces_incident === null ? null : r.faces_incident === 1,
})

export function requestCameras(db: Db, requestId: string): RequestCamera[] {
  return (db.prepare('SELECT camera_id, camera_name, distance_m, faces_incident FROM request_cameras WHERE request_id = ? ORDER BY rank').all(requestId) as RequestCameraRow[]).map(toRequestCamera)
}

export interface EvidenceSummaryRow {
  id: string
  camera_id: string | null
  parent_id: string | null
  sha256: string
  size: number
  created_at: string
}
export const toEvidenceSummary = (r: EvidenceSummaryRow): EvidenceSummary => ({id: r.id, cameraId: r.camera_id, parentId: r.parent_id, sha256: r.sha256, size: r.size, createdAt: r.created_at})

export function evidenceSummaries(db: Db, requestId: string): EvidenceSummary[] {
  return (db.prepare('SELECT id, camera_id, parent_id, sha256, size, created_at FROM evidence_files WHERE request_id = ? ORDER BY created_at, id').all(requestId) as EvidenceSummaryRow[]).map(toEvidenceSummary)
}

export function toFootageRequest(db: Db, row: RequestRow, owner: FootageRequest['owner']): FootageRequest {
  return footageRequestOf(row, owner, requestCameras(db, row.id), evidenceSummaries(db, row.id))
}

/** A request's API shape from its row and the rows it owns. */
export function footageRequestOf(row: RequestRow, owner: FootageRequest['owner'], cameras: RequestCamera[], evidence: EvidenceSummary[]): FootageRequest {
  return {
    id: row.id,
    caseId: row.case_id,
    agency: row.agency_name,
    issuedBy: row.issued_by_name,
    ownerId: row.owner_id,
    owner,
    incident: {latitude: row.latitude, longitude: row.longitude, radiusMetres: row.radius_m},
    window: {from: row.window_from, to: row.window_to},
    reason: row.reason,
    status: row.status,
    expiresAt: row.expires_at,
    declineReason: row.decline_reason,
    cameras,
    evidence,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}
