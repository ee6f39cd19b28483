/** Evidence file records on PostgreSQL (see ../evidence.ts). */
import {toEvidenceRecord, type EvidenceRecord, type EvidenceRow} from '../evidence.js'
import {all, one, run, type Pg} from './pg.js'

export async function insertEvidence(db: Pg, e: EvidenceRecord): Promise<void> {
  await run(
    db,
    `INSERT INTO evidence_files (id, request_id, camera_id, parent_id, blob_id, sha256, size, media, encryption, custody, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [e.id, e.requestId, e.cameraId, e.parentId, e.blobId, e.sha256, e.size, JSON.stringify(e.media), JSON.stringify(e.encryption), JSON.stringify(e.custody), e.createdAt],
  )
}

export async function getEvidence(db: Pg, id: string): Promise<EvidenceRecord | undefined> {
  const row = await one<EvidenceRow>(db, 'SELECT * FROM evidence_files WHERE id = $1', [id])
  return row && toEvidenceRecord(row)
}

export async function evidenceForRequest(db: Pg, requestId: string): Promise<EvidenceRecord[]> {
  return (await all<EvidenceRow>(db, 'SELECT * FROM evidence_files WHERE request_id = $1 ORDER BY created_at, id', [requestId])).map(toEvidenceRecord)
}
