/**
 * Cores and what they serve: single-use enrolment codes (only their SHA-256 is stored), enrolled
 * Cores with their public keys and link state, and per camera the health and policy modes the Core
 * last reported (for display: the Core alone enforces the policy).
 */
import {createHash} from 'node:crypto'

import type {CameraHealth, CameraPolicySummary, CameraState, CoreCameraView, CoreView, StreamFacts} from '../domain/core.js'
import {newId} from '../domain/ids.js'
import type {SharingMode} from '../domain/policy.js'
import type {Db} from './db.js'

export const hashCode = (code: string): Buffer => createHash('sha256').update(`rtcc-core-enroll:${code}`).digest()

export function insertEnrollCode(db: Db, code: string, fields: {ownerId: string; createdBy: string; expiresAt: string; now: string}): void {
  db.prepare('INSERT INTO core_enrollment_codes (code_hash, owner_id, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)').run(
    hashCode(code),
    fields.ownerId,
    fields.createdBy,
    fields.now,
    fields.expiresAt,
  )
}

export type CodeProblem = 'unknown' | 'used' | 'expired'

export function checkEnrollCode(db: Db, code: string, now: string): {ownerId: string} | {problem: CodeProblem} {
  const row = db.prepare('SELECT owner_id, expires_at, used_at FROM core_enrollment_codes WHERE code_hash = ?').get(hashCode(code)) as
    | {owner_id: string; expires_at: string; used_at: string | null}
    | undefined
  if (!row) return {problem: 'unknown'}
  if (row.used_at) return {problem: 'used'}
  if (row.expires_at <= now) return {problem: 'expired'}
  return {ownerId: row.owner_id}
}

/** Spends the code for `coreId`; false if it was spent meanwhile. Call inside the enrolment's transaction. */
export function useEnrollCode(db: Db, code: string, coreId: string, now: string): boolean {
  return db.prepare('UPDATE core_enrollment_codes SET used_at = ?, core_id = ? WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?').run(now, coreId, hashCode(code), now).changes === 1
}

export interface CoreRow {
  id: string
  owner_id: string
  name: string
  public_key: string
  version: string | null
  enrolled_at: string
  online: number
  connected_at: string | null
  last_seen_at: string | null
  source_address: string | null
}

export function insertCore(db: Db, fields: {id?: string; ownerId: string; name: string; publicKey: string; version: string; now: string}): CoreRow {
  const id = fields.id ?? newId('core')
  db.prepare('INSERT INTO cores (id, owner_id, name, public_key, version, enrolled_at) VALUES (?, ?, ?, ?, ?, ?)').run(id, fields.ownerId, fields.name, fields.publicKey, fields.version, fields.now)
  return getCore(db, id)!
}

export const getCore = (db: Db, id: string): CoreRow | undefined => db.prepare('SELECT * FROM cores WHERE id = ?').get(id) as CoreRow | undefined

export function attachCamera(db: Db, coreId: string, cameraId: string, modes: {liveMode: SharingMode; recordedMode: SharingMode}): void {
  db.prepare('INSERT INTO core_cameras (camera_id, core_id, live_mode, recorded_mode) VALUES (?, ?, ?, ?)').run(cameraId, coreId, modes.liveMode, modes.recordedMode)
}

export function markConnected(db: Db, id: string, fields: {now: string; source: string | null; version: string}): void {
  db.prepare('UPDATE cores SET online = 1, connected_at = @now, last_seen_at = @now, source_address = @source, version = @version WHERE id = @id').run({id, ...fields})
}

export function markSeen(db: Db, id: string, now: string): void {
  db.prepare('UPDATE cores SET last_seen_at = ? WHERE id = ?').run(now, id)
}

export function markDisconnected(db: Db, id: string, now: string): void {
  db.prepare('UPDATE cores SET online = 0, last_seen_at = ? WHERE id = ?').run(now, id)
}

/** At server start nobody is connected, whatever the last run left behind. */
export function markAllDisconnected(db: Db): void {
  db.prepare('UPDATE cores SET online = 0 WHERE online = 1').run()
}

export interface CameraTransition {
  cameraId: string
  name: string
  from: CameraState
  to: CameraState
  detail: string | null
}

/** Stores a health report; returns the cameras whose state changed (for online/offline events). */
export function recordHealth(db: Db, coreId: string, reports: CameraHealth[]): CameraTransition[] {
  const current = db.prepare('SELECT cc.status, c.name FROM core_cameras cc JOIN cameras c ON c.id = cc.camera_id WHERE cc.camera_id = ? AND cc.core_id = ?')
  const update = db.prepare('UPDATE core_cameras SET status = @status, detail = @detail, onvif = @onvif, stream = @stream, checked_at = @checkedAt WHERE camera_id = @cameraId')
  const changed: CameraTransition[] = []
  for (const report of reports) {
    const row = current.get(report.cameraId, coreId) as {status: CameraState; name: string} | undefined
    if (!row) continue // not this Core's camera: ignored
    update.run({...report, stream: report.stream ? JSON.stringify(report.stream) : null})
    if (row.status !== report.status) changed.push({cameraId: report.cameraId, name: row.name, from: row.status, to: report.status, detail: report.detail})
  }
  return changed
}

export function recordPolicyModes(db: Db, coreId: string, summaries: CameraPolicySummary[]): void {
  const update = db.prepare('UPDATE core_cameras SET live_mode = ?, recorded_mode = ? WHERE camera_id = ? AND core_id = ?')
  for (const s of summaries) update.run(s.liveMode, s.recordedMode, s.cameraId, coreId)
}

export const coreCameraIds = (db: Db, coreId: string): string[] =>
  (db.prepare('SELECT camera_id FROM core_cameras WHERE core_id = ? ORDER BY camera_id').all(coreId) as {camera_id: string}[]).map((r) => r.camera_id)

/** The Core serving a camera, if any. */
export function coreForCamera(db: Db, cameraId: string): CoreRow | undefined {
  return db.prepare('SELECT c.* FROM cores c JOIN core_cameras cc ON cc.core_id = c.id WHERE cc.camera_id = ?').get(cameraId) as CoreRow | undefined
}

export interface CameraViewRow {
  core_id: string
  camera_id: string
  name: string
  status: CameraState
  detail: string | null
  checked_at: string | null
  stream: string | null
  live_mode: SharingMode | null
  recorded_mode: SharingMode | null
}

export const toCameraView = (row: CameraViewRow): CoreCameraView => ({
  id: row.camera_id,
  name: row.name,
  status: row.status,
  detail: row.detail,
  checkedAt: row.checked_at,
  stream: row.stream ? (JSON.parse(row.stream) as StreamFacts) : null,
  liveMode: row.live_mode,
  recordedMode: row.recorded_mode,
})

/**
 * Cores with their cameras. `cameraIds` limits the cameras shown to those the caller may see (an
 * agency's jurisdiction); a Core with none of them is left out.
 */
export function listCores(db: Db, filter: {ownerId?: string; visibleCamera?: (cameraId: string) => boolean} = {}): CoreView[] {
  const cores = db
    .prepare(`SELECT c.*, o.display_name AS owner_name FROM cores c JOIN owners o ON o.id = c.owner_id ${filter.ownerId ? 'WHERE c.owner_id = ?' : ''} ORDER BY c.id`)
    .all(...(filter.ownerId ? [filter.ownerId] : [])) as (CoreRow & {owner_name: string})[]
  const cameras = db
    .prepare('SELECT cc.*, c.name FROM core_cameras cc JOIN cameras c ON c.id = cc.camera_id ORDER BY c.name, c.id')
    .all() as CameraViewRow[]
  return coreViews(cores, cameras, filter.visibleCamera)
}

/** Cores and their camera rows as views; with `visibleCamera`, only visible cameras and Cores that have one. */
export function coreViews(cores: (CoreRow & {owner_name: string})[], cameras: CameraViewRow[], visibleCamera?: (cameraId: string) => boolean): CoreView[] {
  const byCore = new Map<string, CoreCameraView[]>()
  for (const row of cameras) {
    if (visibleCamera && !visibleCamera(row.camera_id)) continue
    byCore.set(row.core_id, [...(byCore.get(row.core_id) ?? []), toCameraView(row)])
  }
  return cores
    .filter((c) => !visibleCamera || byCore.has(c.id))
    .map((c) => ({
      id: c.id,
      name: c.name,
      ownerId: c.owner_id,
      ownerName: c.owner_name,
      online: c.online === 1,
      lastSeenAt: c.last_seen_at,
      connectedAt: c.connected_at,
      enrolledAt: c.enrolled_at,
      version: c.version,
      cameras: byCore.get(c.id) ?? [],
    }))
}
