/**
 * Access requests (an investigator asks the owner for a window on one camera) with the owner's
 * signed approvals, and the owner's access report read from the audit log.
 */
import type {AccessRequest, AccessStatus, ApprovalRecord} from '../domain/access.js'
import {OwnerStatement} from '../domain/policy.js'
import type {Db} from './db.js'

export interface AccessRow {
  id: string
  camera_id: string
  owner_id: string
  requester_id: string
  requester_name: string
  agency_id: string | null
  agency_name: string | null
  reason: string
  duration_s: number
  kind: 'live' | 'recorded'
  recorded_from: string | null
  recorded_to: string | null
  status: AccessStatus
  created_at: string
  decided_at: string | null
  decision_note: string | null
  window_from: string | null
  window_until: string | null
  approval: string | null
  camera_name: string
}

const SELECT = 'SELECT a.*, c.name AS camera_name FROM access_requests a JOIN cameras c ON c.id = a.camera_id'

export const toAccessRequest = (r: AccessRow): AccessRequest => ({
  id: r.id,
  cameraId: r.camera_id,
  cameraName: r.camera_name,
  ownerId: r.owner_id,
  requester: {id: r.requester_id, name: r.requester_name},
  agency: r.agency_id ? {id: r.agency_id, name: r.agency_name ?? r.agency_id} : null,
  reason: r.reason,
  durationSeconds: r.duration_s,
  kind: r.kind,
  recorded: r.recorded_from && r.recorded_to ? {from: r.recorded_from, to: r.recorded_to} : null,
  status: r.status,
  createdAt: r.created_at,
  decidedAt: r.decided_at,
  decisionNote: r.decision_note,
  window: r.window_from && r.window_until ? {from: r.window_from, until: r.window_until} : null,
})

export interface NewAccessRequest {
  id: string
  cameraId: string
  ownerId: string
  requesterId: string
  requesterName: string
  agencyId: string | null
  agencyName: string | null
  reason: string
  durationSeconds: number
  /** Default live video. */
  kind?: 'live' | 'recorded'
  recorded?: {from: string; to: string} | null
  now: string
}

export function insertAccessRequest(
  db: Db,
  r: NewAccessRequest,
): AccessRequest {
  db.prepare(
    `INSERT INTO access_requests (id, camera_id, owner_id, requester_id, requester_name, agency_id, agency_name, reason, duration_s, kind, recorded_from, recorded_to, status, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)`,
  ).run(r.id, r.cameraId, r.ownerId, r.requesterId, r.requesterName, r.agencyId, r.agencyName, r.reason, r.durationSeconds, r.kind ?? 'live', r.recorded?.from ?? null, r.recorded?.to ?? null, r.now)
  return getAccessRequest(db, r.id)!
}

export function getAccessRequest(db: Db, id: string): AccessRequest | undefined {
  const row = db.prepare(`${SELECT} WHERE a.id = ?`).get(id) as AccessRow | undefined
  return row && toAccessRequest(row)
}

/** Newest first; filters combine. */
export function listAccessRequests(db: Db, filter: {ownerId?: string; agencyId?: string; requesterId?: string; status?: AccessStatus; limit?: number}): AccessRequest[] {
  const rows = db
    .prepare(
      `${SELECT} WHERE (@ownerId IS NULL OR a.owner_id = @ownerId) AND (@agencyId IS NULL OR a.agency_id = @agencyId)
       AND (@requesterId IS NULL OR a.requester_id = @requesterId) AND (@status IS NULL OR a.status = @status)
       ORDER BY a.created_at DESC, a.id DESC LIMIT @limit`,
    )
    .all({ownerId: filter.ownerId ?? null, agencyId: filter.agencyId ?? null, requesterId: filter.requesterId ?? null, status: filter.status ?? null, limit: filter.limit ?? 200}) as AccessRow[]
  return rows.map(toAccessRequest)
}

/** Moves a pending request on; false if it was no longer pending. */
export function decideAccessRequest(
  db: Db,
  id: string,
  decision: {status: 'approved' | 'denied'; note: string | null; now: string; window?: {from: string; until: string}; approval?: OwnerStatement},
): boolean {
  return (
    db
      .prepare(
        `UPDATE access_requests SET status = @status, decided_at = @now, decision_note = @note, window_from = @from, window_until = @until, approval = @approval
         WHERE id = @id AND status = 'pending'`,
      )
      .run({id, status: decision.status, now: decision.now, note: decision.note, from: decision.window?.from ?? null, until: decision.window?.until ?? null, approval: decision.approval ? JSON.stringify(decision.approval) : null}).changes === 1
  )
}

/** The owner withdraws an approval: the Core stops honouring it when it next asks (revoking needs no signature: it only takes access away). */
export function revokeAccessRequest(db: Db, id: string, note: string | null, now: string): boolean {
  return db.prepare(`UPDATE access_requests SET status = 'revoked', decided_at = ?, decision_note = coalesce(?, decision_note) WHERE id = ? AND status = 'approved'`).run(now, note, id).changes === 1
}

/**
 * For the Core's link: the owner's signed approvals for a camera whose window has not ended at `at`.
 * The Core verifies each (`approvalContext` / `verifyApproval`) before it counts.
 */
export function approvalsFor(db: Db, cameraId: string, at = new Date()): ApprovalRecord[] {
  const rows = db
    .prepare(`SELECT id, camera_id, owner_id, requester_id, window_from, window_until, approval FROM access_requests WHERE camera_id = ? AND status = 'approved' AND window_until > ? ORDER BY window_from`)
    .all(cameraId, at.toISOString()) as ApprovalRow[]
  return rows.map(toApprovalRecord)
}

export interface ApprovalRow {
  id: string
  camera_id: string
  owner_id: string
  requester_id: string
  window_from: string
  window_until: string
  approval: string
}

export const toApprovalRecord = (r: ApprovalRow): ApprovalRecord => ({
  requestId: r.id,
  cameraId: r.camera_id,
  ownerId: r.owner_id,
  requesterId: r.requester_id,
  from: r.window_from,
  until: r.window_until,
  statement: OwnerStatement.parse(JSON.parse(r.approval)),
})

/** An access-report row as both backends' queries return it. */
export interface AccessAuditSqlRow {
  seq: number
  time: string
  actor_id: string | null
  actor_name: string | null
  role: string | null
  action: string
  target: string
  outcome: string
  detail: string | null
  camera_id: string | null
  camera_name: string | null
  agency_name: string | null
}

export const toAccessAuditRow = (r: AccessAuditSqlRow): AccessAuditRow => ({
  seq: r.seq,
  time: r.time,
  actorId: r.actor_id,
  actorName: r.actor_name,
  role: r.role,
  action: r.action,
  target: r.target,
  outcome: r.outcome,
  detail: r.detail === null ? null : (JSON.parse(r.detail) as Record<string, unknown>),
  cameraId: r.camera_id,
  cameraName: r.camera_name,
  agencyName: r.agency_name,
})

// ── The access report ────────────────────────────────────────────────────────────────────────────

export interface AccessAuditRow {
  seq: number
  time: string
  actorId: string | null
  actorName: string | null
  role: string | null
  action: string
  target: string
  outcome: string
  detail: Record<string, unknown> | null
  cameraId: string | null
  cameraName: string | null
  /** The actor's agency now (the record's own `agency` detail, when present, is preferred). */
  agencyName: string | null
}

/**
 * Audit records about the owner's cameras, access requests and evidence, by anyone but the owner,
 * oldest first. Uses the audit log's target index.
 */
export function accessAuditRows(db: Db, owner: {ownerId: string; userId: string | null}, options: {since?: string; limit: number}): AccessAuditRow[] {
  const rows = db
    .prepare(
      `WITH targets(id, camera_id) AS (
         SELECT id, id FROM cameras WHERE owner_id = @ownerId
         UNION ALL SELECT id, camera_id FROM access_requests WHERE owner_id = @ownerId
         UNION ALL SELECT e.id, e.camera_id FROM evidence_files e JOIN footage_requests r ON r.id = e.request_id WHERE r.owner_id = @ownerId
       )
       SELECT a.seq, a.time, a.actor_id, a.actor_name, a.role, a.action, a.target, a.outcome, a.detail, t.camera_id, c.name AS camera_name, ag.name AS agency_name
       FROM targets t JOIN audit_records a ON a.target = t.id
       LEFT JOIN cameras c ON c.id = t.camera_id
       LEFT JOIN users u ON u.id = a.actor_id
       LEFT JOIN agencies ag ON ag.id = u.agency_id
       WHERE (@since IS NULL OR a.time >= @since) AND (a.actor_id IS NULL OR @userId IS NULL OR a.actor_id <> @userId)
       ORDER BY a.seq LIMIT @limit`,
    )
    .all({ownerId: owner.ownerId, userId: owner.userId, since: options.since ?? null, limit: options.limit}) as AccessAuditSqlRow[]
  return rows.map(toAccessAuditRow)
}
