/** Evidence file records: one per stored upload or derived copy, with its custody facts. */
import type {TimelineActor} from '../domain/requests.js'
import type {Db} from './db.js'

/** Custody facts recorded at upload, in the shape custody.json carries them. */
export interface EvidenceCustody {
  uploadedBy: TimelineActor
  uploadedAt: string
  uploadedFrom: string | null
  /** The name the file had on the owner's side; informational, never used for storage. */
  originalName: string | null
  /** The owner's statement: recorder time minus true time, in seconds. */
  recorderClockOffsetSeconds: number | null
  /** For a derived copy: the tool and version that made it, and how. */
  derivation: {tool: string; version: string; operation: string; arguments: string[]} | null
}

export interface EvidenceRecord {
  id: string
  requestId: string
  cameraId: string | null
  parentId: string | null
  blobId: string
  sha256: string
  size: number
  media: Record<string, unknown>
  encryption: Record<string, unknown>
  custody: EvidenceCustody
  createdAt: string
}

export interface EvidenceRow {
  id: string
  request_id: string
  camera_id: string | null
  parent_id: string | null
  blob_id: string
  sha256: string
  size: number
  media: string
  encryption: string
  custody: string
  created_at: string
}

export const toEvidenceRecord = (r: EvidenceRow): EvidenceRecord => ({
  id: r.id,
  requestId: r.request_id,
  cameraId: r.camera_id,
  parentId: r.parent_id,
  blobId: r.blob_id,
  sha256: r.sha256,
  size: r.size,
  media: JSON.parse(r.media) as Record<string, unknown>,
  encryption: JSON.parse(r.encryption) as Record<string, unknown>,
  custody: JSON.parse(r.custody) as EvidenceCustody,
  createdAt: r.created_at,
})

export function insertEvidence(db: Db, e: EvidenceRecord): void {
  db.prepare(
    `INSERT INTO evidence_files (id, request_id, camera_id, parent_id, blob_id, sha256, size, media, encryption, custody, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(e.id, e.requestId, e.cameraId, e.parentId, e.blobId, e.sha256, e.size, JSON.stringify(e.media), JSON.stringify(e.encryption), JSON.stringify(e.custody), e.createdAt)
}

export function getEvidence(db: Db, id: string): EvidenceRecord | undefined {
  const row = db.prepare('SELECT * FROM evidence_files WHERE id = ?').get(id) as EvidenceRow | undefined
  return row && toEvidenceRecord(row)
}

export function evidenceForRequest(db: Db, requestId: string): EvidenceRecord[] {
  return (db.prepare('SELECT * FROM evidence_files WHERE request_id = ? ORDER BY created_at, id').all(requestId) as EvidenceRow[]).map(toEvidenceRecord)
}
