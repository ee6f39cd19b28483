/**
 * Video search on the server: index jobs per case, which evidence files were indexed, and the
 * sightings found. A sighting's thumbnail is an encrypted evidence blob (thumb_blob); searches are
 * scoped through the evidence's request to the agency that issued it.
 */
import type {Db} from './db.js'
import type {SearchJob, SightingBox} from '../domain/search.js'

export type {SearchJob}

interface JobRow {
  id: string
  case_id: string
  agency_id: string | null
  started_by: string
  status: SearchJob['status']
  files_total: number
  files_done: number
  sightings: number
  error: string | null
  created_at: string
  updated_at: string
}

export const toSearchJob = (r: JobRow): SearchJob => ({
  id: r.id,
  caseId: r.case_id,
  agencyId: r.agency_id,
  startedBy: r.started_by,
  status: r.status,
  filesTotal: r.files_total,
  filesDone: r.files_done,
  sightings: r.sightings,
  error: r.error,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
})

export interface StoredSighting {
  id: string
  caseId: string
  evidenceId: string
  cameraId: string | null
  label: string
  score: number
  startSeconds: number
  endSeconds: number
  bestSeconds: number
  box: SightingBox
  colours: string[]
  thumbBlob: string
  thumbSha256: string
  thumbBytes: number
  createdAt: string
}

/** A sighting as a search returns it: with its request and camera place (for --near and --from/--to). */
export interface FoundSighting extends StoredSighting {
  requestId: string
  agencyId: string | null
  windowFrom: string
  windowTo: string
  latitude: number | null
  longitude: number | null
}

export interface SightingRow {
  id: string
  case_id: string
  evidence_id: string
  camera_id: string | null
  label: string
  score: number
  start_s: number
  end_s: number
  best_s: number
  box: string
  colours: string
  thumb_blob: string
  thumb_sha256: string
  thumb_bytes: number
  created_at: string
  request_id: string
  agency_id: string | null
  window_from: string
  window_to: string
  latitude: number | null
  longitude: number | null
}

export const toFoundSighting = (r: SightingRow): FoundSighting => ({
  id: r.id,
  caseId: r.case_id,
  evidenceId: r.evidence_id,
  cameraId: r.camera_id,
  label: r.label,
  score: r.score,
  startSeconds: r.start_s,
  endSeconds: r.end_s,
  bestSeconds: r.best_s,
  box: JSON.parse(r.box) as StoredSighting['box'],
  colours: JSON.parse(r.colours) as string[],
  thumbBlob: r.thumb_blob,
  thumbSha256: r.thumb_sha256,
  thumbBytes: r.thumb_bytes,
  createdAt: r.created_at,
  requestId: r.request_id,
  agencyId: r.agency_id,
  windowFrom: r.window_from,
  windowTo: r.window_to,
  latitude: r.latitude,
  longitude: r.longitude,
})

/** What the store filters on; place is filtered by the service (distance from the camera). */
export interface SightingFilter {
  /** Only sightings of evidence requested by this agency (null: every agency's, for admins). */
  agencyId: string | null
  caseId?: string
  cameraId?: string
  label?: string
  colour?: string
  minScore: number
  /** Request windows overlapping from..to (ISO times). */
  from?: string
  to?: string
  limit: number
}

/** The query both backends run: named parameters here, positional ones in the PostgreSQL module. */
export const FOUND_SQL = `SELECT s.*, r.id AS request_id, r.agency_id, r.window_from, r.window_to, c.latitude, c.longitude
  FROM search_sightings s
  JOIN evidence_files e ON e.id = s.evidence_id
  JOIN footage_requests r ON r.id = e.request_id
  LEFT JOIN cameras c ON c.id = s.camera_id`

export function insertJob(db: Db, job: SearchJob): void {
  db.prepare(
    `INSERT INTO search_jobs (id, case_id, agency_id, started_by, status, files_total, files_done, sightings, error, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(job.id, job.caseId, job.agencyId, job.startedBy, job.status, job.filesTotal, job.filesDone, job.sightings, job.error, job.createdAt, job.updatedAt)
}

export function updateJob(db: Db, id: string, p: Pick<SearchJob, 'status' | 'filesTotal' | 'filesDone' | 'sightings' | 'error' | 'updatedAt'>): void {
  db.prepare('UPDATE search_jobs SET status = ?, files_total = ?, files_done = ?, sightings = ?, error = ?, updated_at = ? WHERE id = ?').run(
    p.status, p.filesTotal, p.filesDone, p.sightings, p.error, p.updatedAt, id,
  )
}

export function getJob(db: Db, id: string): SearchJob | undefined {
  const row = db.prepare('SELECT * FROM search_jobs WHERE id = ?').get(id) as JobRow | undefined
  return row && toSearchJob(row)
}

/** The newest index job of a case for an agency (null: any agency's); a case with one is "indexed". */
export function latestJob(db: Db, caseId: string, agencyId: string | null): SearchJob | undefined {
  const row = db.prepare('SELECT * FROM search_jobs WHERE case_id = @caseId AND (@agencyId IS NULL OR agency_id = @agencyId) ORDER BY created_at DESC, id DESC LIMIT 1').get({caseId, agencyId}) as JobRow | undefined
  return row && toSearchJob(row)
}

export function isIndexed(db: Db, evidenceId: string): boolean {
  return db.prepare('SELECT 1 FROM search_files WHERE evidence_id = ?').get(evidenceId) !== undefined
}

/** Records one evidence file's sightings, and that it was indexed, at once. */
export function insertSightings(db: Db, file: {evidenceId: string; jobId: string; indexedAt: string}, sightings: readonly StoredSighting[]): void {
  const insert = db.prepare(
    `INSERT INTO search_sightings (id, case_id, evidence_id, camera_id, label, score, start_s, end_s, best_s, box, colours, thumb_blob, thumb_sha256, thumb_bytes, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  for (const s of sightings) {
    insert.run(s.id, s.caseId, s.evidenceId, s.cameraId, s.label, s.score, s.startSeconds, s.endSeconds, s.bestSeconds, JSON.stringify(s.box), JSON.stringify(s.colours), s.thumbBlob, s.thumbSha256, s.thumbBytes, s.createdAt)
  }
  db.prepare('INSERT INTO search_files (evidence_id, job_id, sightings, indexed_at) VALUES (?, ?, ?, ?)').run(file.evidenceId, file.jobId, sightings.length, file.indexedAt)
}

/** Sightings ranked by score, then evidence and time. Colours are a JSON list: matched as a quoted word. */
export function findSightings(db: Db, f: SightingFilter): FoundSighting[] {
  const rows = db
    .prepare(
      `${FOUND_SQL}
       WHERE (@agencyId IS NULL OR r.agency_id = @agencyId) AND (@caseId IS NULL OR s.case_id = @caseId) AND (@cameraId IS NULL OR s.camera_id = @cameraId)
         AND (@label IS NULL OR s.label = @label) AND (@colour IS NULL OR s.colours LIKE '%"' || @colour || '"%') AND s.score >= @minScore
         AND (@from IS NULL OR r.window_to >= @from) AND (@to IS NULL OR r.window_from <= @to)
       ORDER BY s.score DESC, s.evidence_id, s.start_s, s.id LIMIT @limit`,
    )
    .all({agencyId: f.agencyId, caseId: f.caseId ?? null, cameraId: f.cameraId ?? null, label: f.label ?? null, colour: f.colour ?? null, minScore: f.minScore, from: f.from ?? null, to: f.to ?? null, limit: f.limit}) as SightingRow[]
  return rows.map(toFoundSighting)
}

export function getSighting(db: Db, id: string): FoundSighting | undefined {
  const row = db.prepare(`${FOUND_SQL} WHERE s.id = ?`).get(id) as SightingRow | undefined
  return row && toFoundSighting(row)
}
