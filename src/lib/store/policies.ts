/**
 * Owner keys, the owner-signed policy documents queued for the Core, and the policy the server
 * shows per camera (from the newest of: the owner's documents, the Core's reports). The server stores
 * documents as the owner signed them; nothing here can make or change one.
 */
import {CameraPolicy, OwnerStatement, type OwnerPublicKey, type PolicySource, type SharingMode} from '../domain/policy.js'
import type {Db} from './db.js'

// ── Owner keys ───────────────────────────────────────────────────────────────────────────────────

export function ownerKeys(db: Db, ownerId: string): OwnerPublicKey[] {
  const rows = db.prepare('SELECT key_id, owner_id, public_key FROM owner_keys WHERE owner_id = ? ORDER BY created_at').all(ownerId) as {key_id: string; owner_id: string; public_key: string}[]
  return rows.map((r) => ({ownerId: r.owner_id, keyId: r.key_id, publicKey: r.public_key}))
}

export function insertOwnerKey(db: Db, key: OwnerPublicKey, now: string): void {
  db.prepare('INSERT INTO owner_keys (key_id, owner_id, public_key, created_at) VALUES (?, ?, ?, ?)').run(key.keyId, key.ownerId, key.publicKey, now)
}

// ── Documents and the Core's queue ───────────────────────────────────────────────────────────────

export interface StoredPolicyDocument {
  id: number
  cameraId: string
  ownerId: string
  version: number
  document: OwnerStatement
  uploadedAt: string
  deliveredAt: string | null
}

export interface DocumentRow {
  id: number
  camera_id: string
  owner_id: string
  version: number
  document: string
  uploaded_at: string
  delivered_at: string | null
}

export const toDocument = (r: DocumentRow): StoredPolicyDocument => ({
  id: r.id,
  cameraId: r.camera_id,
  ownerId: r.owner_id,
  version: r.version,
  document: OwnerStatement.parse(JSON.parse(r.document)),
  uploadedAt: r.uploaded_at,
  deliveredAt: r.delivered_at,
})

export function latestPolicyDocument(db: Db, cameraId: string): StoredPolicyDocument | undefined {
  const row = db.prepare('SELECT * FROM policy_documents WHERE camera_id = ? ORDER BY version DESC LIMIT 1').get(cameraId) as DocumentRow | undefined
  return row && toDocument(row)
}

/** Stores an owner's verified document as signed, and shows its policy if it is the newest known. */
export function insertPolicyDocument(db: Db, input: {ownerId: string; policy: CameraPolicy; document: OwnerStatement; now: string}): StoredPolicyDocument {
  const {lastInsertRowid} = db
    .prepare('INSERT INTO policy_documents (camera_id, owner_id, version, document, uploaded_at) VALUES (?, ?, ?, ?, ?)')
    .run(input.policy.cameraId, input.ownerId, input.policy.version, JSON.stringify(input.document), input.now)
  showPolicy(db, {cameraId: input.policy.cameraId, ownerId: input.ownerId, version: input.policy.version, live: input.policy.live.mode, recorded: input.policy.recorded.mode, policy: input.policy, source: 'owner-document', now: input.now})
  return toDocument(db.prepare('SELECT * FROM policy_documents WHERE id = ?').get(lastInsertRowid) as DocumentRow)
}

/**
 * For the Core's link: per camera, the newest document the Core has not confirmed yet. The Core
 * verifies each (`verifyPolicyDocument`) and confirms with markPolicyDocumentsDelivered.
 */
export function pendingPolicyDocuments(db: Db, cameraIds: readonly string[]): StoredPolicyDocument[] {
  const rows = db
    .prepare(
      `SELECT d.* FROM policy_documents d
       WHERE d.camera_id IN (SELECT value FROM json_each(?)) AND d.delivered_at IS NULL
         AND d.version = (SELECT max(version) FROM policy_documents WHERE camera_id = d.camera_id)
       ORDER BY d.camera_id`,
    )
    .all(JSON.stringify(cameraIds)) as DocumentRow[]
  return rows.map(toDocument)
}

/** The Core has the document (applied, or refused as not newer): it and every older one leave the queue. */
export function markPolicyDocumentsDelivered(db: Db, documentIds: readonly number[], now: string): void {
  const mark = db.prepare(
    `UPDATE policy_documents SET delivered_at = @now
     WHERE delivered_at IS NULL AND camera_id = (SELECT camera_id FROM policy_documents WHERE id = @id)
       AND version <= (SELECT version FROM policy_documents WHERE id = @id)`,
  )
  db.transaction(() => documentIds.forEach((id) => mark.run({id, now})))()
}

// ── The policy the server shows ──────────────────────────────────────────────────────────────────

export interface ShownPolicy {
  cameraId: string
  ownerId: string
  version: number
  live: SharingMode
  recorded: SharingMode
  /** The full policy when it came from the owner's signed document; the Core reports modes only. */
  policy: CameraPolicy | null
  source: Exclude<PolicySource, 'default'>
  updatedAt: string
}

export interface ShownRow {
  camera_id: string
  owner_id: string
  version: number
  live_mode: SharingMode
  recorded_mode: SharingMode
  policy: string | null
  source: ShownPolicy['source']
  updated_at: string
}

export const toShown = (r: ShownRow): ShownPolicy => ({
  cameraId: r.camera_id,
  ownerId: r.owner_id,
  version: r.version,
  live: r.live_mode,
  recorded: r.recorded_mode,
  policy: r.policy === null ? null : CameraPolicy.parse(JSON.parse(r.policy)),
  source: r.source,
  updatedAt: r.updated_at,
})

/** Replaces the shown policy only with a newer version (or the same version with the full policy). */
function showPolicy(db: Db, p: {cameraId: string; ownerId: string; version: number; live: SharingMode; recorded: SharingMode; policy: CameraPolicy | null; source: ShownPolicy['source']; now: string}): void {
  db.prepare(
    `INSERT INTO camera_policies (camera_id, owner_id, version, live_mode, recorded_mode, policy, source, updated_at)
     VALUES (@cameraId, @ownerId, @version, @live, @recorded, @policy, @source, @now)
     ON CONFLICT (camera_id) DO UPDATE SET owner_id = excluded.owner_id, version = excluded.version, live_mode = excluded.live_mode,
       recorded_mode = excluded.recorded_mode, policy = excluded.policy, source = excluded.source, updated_at = excluded.updated_at
     WHERE excluded.version > camera_policies.version`,
  ).run({...p, policy: p.policy && JSON.stringify(p.policy)})
}

/**
 * What a Core reports it enforces (its `hello` and `policies` messages): shown when newer than what
 * the server holds, e.g. after the owner edited the policy on the Core host.
 */
export function recordCorePolicies(db: Db, ownerId: string, summaries: readonly {cameraId: string; liveMode: SharingMode; recordedMode: SharingMode; version: number}[], now: string): void {
  db.transaction(() => {
    for (const s of summaries) showPolicy(db, {cameraId: s.cameraId, ownerId, version: s.version, live: s.liveMode, recorded: s.recordedMode, policy: null, source: 'core', now})
  })()
}

export function shownPolicies(db: Db, cameraIds: readonly string[]): Map<string, ShownPolicy> {
  const rows = db.prepare('SELECT * FROM camera_policies WHERE camera_id IN (SELECT value FROM json_each(?))').all(JSON.stringify(cameraIds)) as ShownRow[]
  return new Map(rows.map((r) => [r.camera_id, toShown(r)]))
}

/** Newest undelivered document version per camera. */
export function pendingVersions(db: Db, cameraIds: readonly string[]): Map<string, number> {
  const rows = db
    .prepare('SELECT camera_id, max(version) AS version FROM policy_documents WHERE delivered_at IS NULL AND camera_id IN (SELECT value FROM json_each(?)) GROUP BY camera_id')
    .all(JSON.stringify(cameraIds)) as {camera_id: string; version: number}[]
  return new Map(rows.map((r) => [r.camera_id, r.version]))
}
