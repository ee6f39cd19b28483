/** Video search on PostgreSQL (see ../search.ts). */
import {FOUND_SQL, type FoundSighting, type SearchJob, type SightingFilter, type SightingRow, type StoredSighting, toFoundSighting, toSearchJob} from '../search.js'
import {all, one, run, type Pg} from './pg.js'

type JobRow = Parameters<typeof toSearchJob>[0]

export async function insertJob(db: Pg, job: SearchJob): Promise<void> {
  await run(
    db,
    `INSERT INTO search_jobs (id, case_id, agency_id, started_by, status, files_total, files_done, sightings, error, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [job.id, job.caseId, job.agencyId, job.startedBy, job.status, job.filesTotal, job.filesDone, job.sightings, job.error, job.createdAt, job.updatedAt],
  )
}

export async function updateJob(db: Pg, id: string, p: Pick<SearchJob, 'status' | 'filesTotal' | 'filesDone' | 'sightings' | 'error' | 'updatedAt'>): Promise<void> {
  await run(db, 'UPDATE search_jobs SET status = $1, files_total = $2, files_done = $3, sightings = $4, error = $5, updated_at = $6 WHERE id = $7', [
    p.status, p.filesTotal, p.filesDone, p.sightings, p.error, p.updatedAt, id,
  ])
}

export async function getJob(db: Pg, id: string): Promise<SearchJob | undefined> {
  const row = await one<JobRow>(db, 'SELECT * FROM search_jobs WHERE id = $1', [id])
  return row && toSearchJob(row)
}

export async function latestJob(db: Pg, caseId: string, agencyId: string | null): Promise<SearchJob | undefined> {
  const row = await one<JobRow>(db, 'SELECT * FROM search_jobs WHERE case_id = $1 AND ($2::text IS NULL OR agency_id = $2) ORDER BY created_at DESC, id DESC LIMIT 1', [caseId, agencyId])
  return row && toSearchJob(row)
}

export async function isIndexed(db: Pg, evidenceId: string): Promise<boolean> {
  return (await one(db, 'SELECT 1 FROM search_files WHERE evidence_id = $1', [evidenceId])) !== undefined
}

export async function insertSightings(db: Pg, file: {evidenceId: string; jobId: string; indexedAt: string}, sightings: readonly StoredSighting[]): Promise<void> {
  for (const s of sightings) {
    await run(
      db,
      `INSERT INTO search_sightings (id, case_id, evidence_id, camera_id, label, score, start_s, end_s, best_s, box, colours, thumb_blob, thumb_sha256, thumb_bytes, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
      [s.id, s.caseId, s.evidenceId, s.cameraId, s.label, s.score, s.startSeconds, s.endSeconds, s.bestSeconds, JSON.stringify(s.box), JSON.stringify(s.colours), s.thumbBlob, s.thumbSha256, s.thumbBytes, s.createdAt],
    )
  }
  await run(db, 'INSERT INTO search_files (evidence_id, job_id, sightings, indexed_at) VALUES ($1, $2, $3, $4)', [file.evidenceId, file.jobId, sightings.length, file.indexedAt])
}

export async function findSightings(db: Pg, f: SightingFilter): Promise<FoundSighting[]> {
  const rows = await all<SightingRow>(
    db,
    `${FOUND_SQL}
     WHERE ($1::text IS NULL OR r.agency_id = $1) AND ($2::text IS NULL OR s.case_id = $2) AND ($3::text IS NULL OR s.camera_id = $3)
       AND ($4::text IS NULL OR s.label = $4) AND ($5::text IS NULL OR s.colours LIKE '%"' || $5 || '"%') AND s.score >= $6
       AND ($7::text IS NULL OR r.window_to >= $7) AND ($8::text IS NULL OR r.window_from <= $8)
     ORDER BY s.score DESC, s.evidence_id, s.start_s, s.id LIMIT $9`,
    [f.agencyId, f.caseId ?? null, f.cameraId ?? null, f.label ?? null, f.colour ?? null, f.minScore, f.from ?? null, f.to ?? null, f.limit],
  )
  return rows.map(toFoundSighting)
}

export async function getSighting(db: Pg, id: string): Promise<FoundSighting | undefined> {
  const row = await one<SightingRow>(db, `${FOUND_SQL} WHERE s.id = $1`, [id])
  return row && toFoundSighting(row)
}
