/** Access requests and the owner's access report on PostgreSQL (see ../access.ts). */
import type {AccessRequest, AccessStatus, ApprovalRecord} from '../../domain/access.js'
import {OwnerStatement} from '../../domain/policy.js'
import {toAccessAuditRow, toAccessRequest, toApprovalRecord, type ApprovalRow, type AccessAuditRow, type AccessAuditSqlRow, type AccessRow, type NewAccessRequest} from '../access.js'
import {all, one, run, type Pg} from './pg.js'

const SELECT = 'SELECT a.*, c.name AS camera_name FROM access_requests a JOIN cameras c ON c.id = a.camera_id'

export async function insertAccessRequest(
  db: Pg,
  r: NewAccessRequest,
): Promise<AccessRequest> {
  await run(
    db,
    `INSERT INTO access_requests (id, camera_id, owner_id, requester_id, requester_name, agency_id, agency_name, reason, duration_s, kind, recorded_from, recorded_to, status, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'pending', $13)`,
    [r.id, r.cameraId, r.ownerId, r.requesterId, r.requesterName, r.agencyId, r.agencyName, r.reason, r.durationSeconds, r.kind ?? 'live', r.recorded?.from ?? null, r.recorded?.to ?? null, r.now],
  )
  return (await getAccessRequest(db, r.id))!
}

export async function getAccessRequest(db: Pg, id: string): Promise<AccessRequest | undefined> {
  const row = await one<AccessRow>(db, `${SELECT} WHERE a.id = $1`, [id])
  return row && toAccessRequest(row)
}

export async function listAccessRequests(db: Pg, filter: {ownerId?: string; agencyId?: string; requesterId?: string; status?: AccessStatus; limit?: number}): Promise<AccessRequest[]> {
  const rows = await all<AccessRow>(
    db,
    `${SELECT} WHERE ($1::text IS NULL OR a.owner_id = $1) AND ($2::text IS NULL OR a.agency_id = $2)
     AND ($3::text IS NULL OR a.requester_id = $3) AND ($4::text IS NULL OR a.status = $4)
     ORDER BY a.created_at DESC, a.id DESC LIMIT $5`,
    [filter.ownerId ?? null, filter.agencyId ?? null, filter.requesterId ?? null, filter.status ?? null, filter.limit ?? 200],
  )
  return rows.map(toAccessRequest)
}

export async function decideAccessRequest(
  db: Pg,
  id: string,
  decision: {status: 'approved' | 'denied'; note: string | null; now: string; window?: {from: string; until: string}; approval?: OwnerStatement},
): Promise<boolean> {
  const changed = await run(
    db,
    `UPDATE access_requests SET status = $2, decided_at = $3, decision_note = $4, window_from = $5, window_until = $6, approval = $7
     WHERE id = $1 AND status = 'pending'`,
    [id, decision.status, decision.now, decision.note, decision.window?.from ?? null, decision.window?.until ?? null, decision.approval ? JSON.stringify(decision.approval) : null],
  )
  return changed === 1
}

export async function revokeAccessRequest(db: Pg, id: string, note: string | null, now: string): Promise<boolean> {
  const changed = await run(db, `UPDATE access_requests SET status = 'revoked', decided_at = $1, decision_note = coalesce($2, decision_note) WHERE id = $3 AND status = 'approved'`, [now, note, id])
  return changed === 1
}

export async function approvalsFor(db: Pg, cameraId: string, at = new Date()): Promise<ApprovalRecord[]> {
  const rows = await all<ApprovalRow>(
    db,
    `SELECT id, camera_id, owner_id, requester_id, window_from, window_until, approval FROM access_requests
     WHERE camera_id = $1 AND status = 'approved' AND window_until > $2 ORDER BY window_from`,
    [cameraId, at.toISOString()],
  )
  return rows.map(toApprovalRecord)
}

export async function accessAuditRows(db: Pg, owner: {ownerId: string; userId: string | null}, options: {since?: string; limit: number}): Promise<AccessAuditRow[]> {
  const rows = await all<AccessAuditSqlRow>(
    db,
    `WITH targets(id, camera_id) AS (
       SELECT id, id FROM cameras WHERE owner_id = $1
       UNION ALL SELECT id, camera_id FROM access_requests WHERE owner_id = $1
       UNION ALL SELECT e.id, e.camera_id FROM evidence_files e JOIN footage_requests r ON r.id = e.request_id WHERE r.owner_id = $1
     )
     SELECT a.seq, a.time, a.actor_id, a.actor_name, a.role, a.action, a.target, a.outcome, a.detail, t.camera_id, c.name AS camera_name, ag.name AS agency_name
     FROM targets t JOIN audit_records a ON a.target = t.id
     LEFT JOIN cameras c ON c.id = t.camera_id
     LEFT JOIN users u ON u.id = a.actor_id
     LEFT JOIN agencies ag ON ag.id = u.agency_id
     WHERE ($3::text IS NULL OR a.time >= $3) AND (a.actor_id IS NULL OR $2::text IS NULL OR a.actor_id <> $2)
     ORDER BY a.seq LIMIT $4`,
    [owner.ownerId, owner.userId, options.since ?? null, options.limit],
  )
  return rows.map(toAccessAuditRow)
}
