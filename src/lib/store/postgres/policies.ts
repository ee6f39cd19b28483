/** Owner keys, owner-signed policy documents and the policy the server shows, on PostgreSQL (see ../policies.ts). */
import type {CameraPolicy, OwnerPublicKey, OwnerStatement, SharingMode} from '../../domain/policy.js'
import {type DocumentRow, type ShownPolicy, type ShownRow, type StoredPolicyDocument, toDocument, toShown} from '../policies.js'
import {all, one, run, type Pg} from './pg.js'

// ── Owner keys ───────────────────────────────────────────────────────────────────────────────────

export async function ownerKeys(db: Pg, ownerId: string): Promise<OwnerPublicKey[]> {
  const rows = await all<{key_id: string; owner_id: string; public_key: string}>(db, 'SELECT key_id, owner_id, public_key FROM owner_keys WHERE owner_id = $1 ORDER BY created_at', [ownerId])
  return rows.map((r) => ({ownerId: r.owner_id, keyId: r.key_id, publicKey: r.public_key}))
}

export async function insertOwnerKey(db: Pg, key: OwnerPublicKey, now: string): Promise<void> {
  await run(db, 'INSERT INTO owner_keys (key_id, owner_id, public_key, created_at) VALUES ($1, $2, $3, $4)', [key.keyId, key.ownerId, key.publicKey, now])
}

// ── Documents and the Core's queue ───────────────────────────────────────────────────────────────

export async function latestPolicyDocument(db: Pg, cameraId: string): Promise<StoredPolicyDocument | undefined> {
  const row = await one<DocumentRow>(db, 'SELECT * FROM policy_documents WHERE camera_id = $1 ORDER BY version DESC LIMIT 1', [cameraId])
  return row && toDocument(row)
}

/** Replaces the shown policy only with a newer version: the upsert both statements below share. */
const SHOW = `ON CONFLICT (camera_id) DO UPDATE SET owner_id = excluded.owner_id, version = excluded.version, live_mode = excluded.live_mode,
    recorded_mode = excluded.recorded_mode, policy = excluded.policy, source = excluded.source, updated_at = excluded.updated_at
  WHERE excluded.version > camera_policies.version`

/** Stores an owner's verified document as signed and shows its policy if it is the newest known: one statement. */
export async function insertPolicyDocument(db: Pg, input: {ownerId: string; policy: CameraPolicy; document: OwnerStatement; now: string}): Promise<StoredPolicyDocument> {
  const p = input.policy
  const row = await one<DocumentRow>(
    db,
    `WITH doc AS (
       INSERT INTO policy_documents (camera_id, owner_id, version, document, uploaded_at) VALUES ($1, $2, $3, $4, $5) RETURNING *
     ), shown AS (
       INSERT INTO camera_policies (camera_id, owner_id, version, live_mode, recorded_mode, policy, source, updated_at)
       VALUES ($1, $2, $3, $6, $7, $8, 'owner-document', $5) ${SHOW}
     )
     SELECT * FROM doc`,
    [p.cameraId, input.ownerId, p.version, JSON.stringify(input.document), input.now, p.live.mode, p.recorded.mode, JSON.stringify(p)],
  )
  return toDocument(row!)
}

/** For the Core's link: per camera, the newest document the Core has not confirmed yet. */
export async function pendingPolicyDocuments(db: Pg, cameraIds: readonly string[]): Promise<StoredPolicyDocument[]> {
  const rows = await all<DocumentRow>(
    db,
    `SELECT d.* FROM policy_documents d
     WHERE d.camera_id = ANY($1::text[]) AND d.delivered_at IS NULL
       AND d.version = (SELECT max(version) FROM policy_documents WHERE camera_id = d.camera_id)
     ORDER BY d.camera_id`,
    [cameraIds],
  )
  return rows.map(toDocument)
}

/** The Core has the document (applied, or refused as not newer): it and every older one leave the queue. */
export async function markPolicyDocumentsDelivered(db: Pg, documentIds: readonly number[], now: string): Promise<void> {
  if (documentIds.length === 0) return
  await run(
    db,
    `UPDATE policy_documents d SET delivered_at = $2
     FROM (SELECT camera_id, version FROM policy_documents WHERE id = ANY($1::bigint[])) m
     WHERE d.delivered_at IS NULL AND d.camera_id = m.camera_id AND d.version <= m.version`,
    [documentIds, now],
  )
}

// ── The policy the server shows ──────────────────────────────────────────────────────────────────

/** What a Core reports it enforces: shown when newer than what the server holds (one statement). */
export async function recordCorePolicies(db: Pg, ownerId: string, summaries: readonly {cameraId: string; liveMode: SharingMode; recordedMode: SharingMode; version: number}[], now: string): Promise<void> {
  // One row per camera, as applying them in turn would leave it: the highest version, the first of equals.
  const newest = new Map<string, (typeof summaries)[number]>()
  for (const s of summaries) if (!newest.has(s.cameraId) || s.version > newest.get(s.cameraId)!.version) newest.set(s.cameraId, s)
  const rows = [...newest.values()]
  if (rows.length === 0) return
  await run(
    db,
    `INSERT INTO camera_policies (camera_id, owner_id, version, live_mode, recorded_mode, policy, source, updated_at)
     SELECT s.camera_id, $1, s.version, s.live_mode, s.recorded_mode, NULL, 'core', $2
     FROM unnest($3::text[], $4::bigint[], $5::text[], $6::text[]) AS s(camera_id, version, live_mode, recorded_mode)
     ${SHOW}`,
    [ownerId, now, rows.map((s) => s.cameraId), rows.map((s) => s.version), rows.map((s) => s.liveMode), rows.map((s) => s.recordedMode)],
  )
}

export async function shownPolicies(db: Pg, cameraIds: readonly string[]): Promise<Map<string, ShownPolicy>> {
  const rows = await all<ShownRow>(db, 'SELECT * FROM camera_policies WHERE camera_id = ANY($1::text[])', [cameraIds])
  return new Map(rows.map((r) => [r.camera_id, toShown(r)]))
}

/** Newest undelivered document version per camera. */
export async function pendingVersions(db: Pg, cameraIds: readonly string[]): Promise<Map<string, number>> {
  const rows = await all<{camera_id: string; version: number}>(
    db,
    'SELECT camera_id, max(version) AS version FROM policy_documents WHERE delivered_at IS NULL AND camera_id = ANY($1::text[]) GROUP BY camera_id',
    [cameraIds],
  )
  return new Map(rows.map((r) => [r.camera_id, r.version]))
}
