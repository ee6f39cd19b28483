/** Cores and what they serve, on PostgreSQL: the same rows and views as the SQLite reference (store/cores.ts). */
import type {CameraHealth, CameraPolicySummary, CameraState, CoreView} from '../../domain/core.js'
import {newId} from '../../domain/ids.js'
import type {SharingMode} from '../../domain/policy.js'
import {type CameraTransition, type CameraViewRow, type CodeProblem, type CoreRow, coreViews, hashCode} from '../cores.js'
import {all, one, run, type Pg} from './pg.js'

export async function insertEnrollCode(db: Pg, code: string, fields: {ownerId: string; createdBy: string; expiresAt: string; now: string}): Promise<void> {
  await run(db, 'INSERT INTO core_enrollment_codes (code_hash, owner_id, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)', [
    hashCode(code),
    fields.ownerId,
    fields.createdBy,
    fields.now,
    fields.expiresAt,
  ])
}

export async function checkEnrollCode(db: Pg, code: string, now: string): Promise<{ownerId: string} | {problem: CodeProblem}> {
  const row = await one<{owner_id: string; expires_at: string; used_at: string | null}>(db, 'SELECT owner_id, expires_at, used_at FROM core_enrollment_codes WHERE code_hash = $1', [hashCode(code)])
  if (!row) return {problem: 'unknown'}
  if (row.used_at) return {problem: 'used'}
  if (row.expires_at <= now) return {problem: 'expired'}
  return {ownerId: row.owner_id}
}

/** Spends the code for `coreId`; false if it was spent meanwhile. Call inside the enrolment's transaction. */
export async function useEnrollCode(db: Pg, code: string, coreId: string, now: string): Promise<boolean> {
  return (await run(db, 'UPDATE core_enrollment_codes SET used_at = $1, core_id = $2 WHERE code_hash = $3 AND used_at IS NULL AND expires_at > $1', [now, coreId, hashCode(code)])) === 1
}

export async function insertCore(db: Pg, fields: {id?: string; ownerId: string; name: string; publicKey: string; version: string; now: string}): Promise<CoreRow> {
  const id = fields.id ?? newId('core')
  return (await one<CoreRow>(db, 'INSERT INTO cores (id, owner_id, name, public_key, version, enrolled_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *', [
    id,
    fields.ownerId,
    fields.name,
    fields.publicKey,
    fields.version,
    fields.now,
  ]))!
}

export const getCore = (db: Pg, id: string): Promise<CoreRow | undefined> => one<CoreRow>(db, 'SELECT * FROM cores WHERE id = $1', [id])

export async function attachCamera(db: Pg, coreId: string, cameraId: string, modes: {liveMode: SharingMode; recordedMode: SharingMode}): Promise<void> {
  await run(db, 'INSERT INTO core_cameras (camera_id, core_id, live_mode, recorded_mode) VALUES ($1, $2, $3, $4)', [cameraId, coreId, modes.liveMode, modes.recordedMode])
}

export async function markConnected(db: Pg, id: string, fields: {now: string; source: string | null; version: string}): Promise<void> {
  await run(db, 'UPDATE cores SET online = 1, connected_at = $2, last_seen_at = $2, source_address = $3, version = $4 WHERE id = $1', [id, fields.now, fields.source, fields.version])
}

export async function markSeen(db: Pg, id: string, now: string): Promise<void> {
  await run(db, 'UPDATE cores SET last_seen_at = $1 WHERE id = $2', [now, id])
}

export async function markDisconnected(db: Pg, id: string, now: string): Promise<void> {
  await run(db, 'UPDATE cores SET online = 0, last_seen_at = $1 WHERE id = $2', [now, id])
}

/** At server start nobody is connected, whatever the last run left behind. */
export async function markAllDisconnected(db: Pg): Promise<void> {
  await run(db, 'UPDATE cores SET online = 0 WHERE online = 1')
}

/** Stores a health report; returns the cameras whose state changed (for online/offline events). */
export async function recordHealth(db: Pg, coreId: string, reports: CameraHealth[]): Promise<CameraTransition[]> {
  const changed: CameraTransition[] = []
  for (const report of reports) {
    const row = await one<{status: CameraState; name: string}>(db, 'SELECT cc.status, c.name FROM core_cameras cc JOIN cameras c ON c.id = cc.camera_id WHERE cc.camera_id = $1 AND cc.core_id = $2', [
      report.cameraId,
      coreId,
    ])
    if (!row) continue // not this Core's camera: ignored
    await run(db, 'UPDATE core_cameras SET status = $2, detail = $3, onvif = $4, stream = $5, checked_at = $6 WHERE camera_id = $1', [
      report.cameraId,
      report.status,
      report.detail,
      report.onvif,
      report.stream ? JSON.stringify(report.stream) : null,
      report.checkedAt,
    ])
    if (row.status !== report.status) changed.push({cameraId: report.cameraId, name: row.name, from: row.status, to: report.status, detail: report.detail})
  }
  return changed
}

export async function recordPolicyModes(db: Pg, coreId: string, summaries: CameraPolicySummary[]): Promise<void> {
  for (const s of summaries) await run(db, 'UPDATE core_cameras SET live_mode = $1, recorded_mode = $2 WHERE camera_id = $3 AND core_id = $4', [s.liveMode, s.recordedMode, s.cameraId, coreId])
}

export async function coreCameraIds(db: Pg, coreId: string): Promise<string[]> {
  return (await all<{camera_id: string}>(db, 'SELECT camera_id FROM core_cameras WHERE core_id = $1 ORDER BY camera_id', [coreId])).map((r) => r.camera_id)
}

/** The Core serving a camera, if any. */
export function coreForCamera(db: Pg, cameraId: string): Promise<CoreRow | undefined> {
  return one<CoreRow>(db, 'SELECT c.* FROM cores c JOIN core_cameras cc ON cc.core_id = c.id WHERE cc.camera_id = $1', [cameraId])
}

/**
 * Cores with their cameras. `visibleCamera` limits the cameras shown to those the caller may see (an
 * agency's jurisdiction); a Core with none of them is left out.
 */
export async function listCores(db: Pg, filter: {ownerId?: string; visibleCamera?: (cameraId: string) => boolean} = {}): Promise<CoreView[]> {
  const cores = await all<CoreRow & {owner_name: string}>(
    db,
    `SELECT c.*, o.display_name AS owner_name FROM cores c JOIN owners o ON o.id = c.owner_id ${filter.ownerId ? 'WHERE c.owner_id = $1' : ''} ORDER BY c.id`,
    filter.ownerId ? [filter.ownerId] : [],
  )
  const cameras = await all<CameraViewRow>(db, 'SELECT cc.*, c.name FROM core_cameras cc JOIN cameras c ON c.id = cc.camera_id ORDER BY c.name, c.id')
  return coreViews(cores, cameras, filter.visibleCamera)
}
