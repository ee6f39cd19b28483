/**
 * Access requests: an investigator asks the owner for a window on one camera; the owner approves (an
 * owner-signed window the Core trusts) or denies. Also the owner's access report.
 */
import {z} from 'zod'

import {OwnerStatement, type VideoKind} from './policy.js'

const IsoTime = z.iso.datetime({offset: true})

export const ACCESS_STATUSES = ['pending', 'approved', 'denied', 'revoked'] as const
export type AccessStatus = (typeof ACCESS_STATUSES)[number]

/** The longest window one request may ask for or be granted. */
export const ACCESS_MIN_SECONDS = 60
export const ACCESS_MAX_SECONDS = 24 * 3600

/** The recorded video a request for `recorded` access wants: the Core releases this window and nothing outside it. */
export const RecordedWindow = z
  .object({from: IsoTime, to: IsoTime})
  .refine((w) => Date.parse(w.to) > Date.parse(w.from), {message: 'to must be after from', path: ['to']})
export type RecordedWindow = z.infer<typeof RecordedWindow>

export const AccessRequestBody = z
  .object({
    cameraId: z.string().min(1).max(100),
    reason: z.string().trim().min(1, 'must not be empty').max(2000),
    durationSeconds: z.number().int().min(ACCESS_MIN_SECONDS, 'at least a minute').max(ACCESS_MAX_SECONDS, 'at most 24 hours'),
    /** `recorded`: access to recorded video of `recorded` (required then); default live video. */
    kind: z.enum(['live', 'recorded']).default('live'),
    recorded: RecordedWindow.optional(),
  })
  .refine((b) => (b.kind === 'recorded') === (b.recorded !== undefined), {message: 'a recorded request names its window (from, to); a live one names none', path: ['recorded']})
export type AccessRequestBody = z.infer<typeof AccessRequestBody>

/** What the owner signs to approve: this requester, this camera, this window. */
export const ApprovalPayload = z
  .object({
    requestId: z.string().min(1),
    cameraId: z.string().min(1),
    requesterId: z.string().min(1),
    from: IsoTime,
    until: IsoTime,
    /** Absent on approvals of live video (and on every approval made before recorded ones existed). */
    kind: z.enum(['live', 'recorded']).optional(),
    /** For kind `recorded`: the recorded window released (the owner may act on it between from and until). */
    recorded: RecordedWindow.optional(),
  })
  .refine((a) => (a.kind === 'recorded') === (a.recorded !== undefined), {message: 'a recorded approval names its window; a live one names none', path: ['recorded']})
  .refine((a) => Date.parse(a.until) > Date.parse(a.from), {message: 'until must be after from', path: ['until']})
  .refine((a) => Date.parse(a.until) - Date.parse(a.from) <= ACCESS_MAX_SECONDS * 1000, {message: 'an approval lasts at most 24 hours', path: ['until']})
export type ApprovalPayload = z.infer<typeof ApprovalPayload>

export const ApproveBody = z.object({statement: OwnerStatement})
export const DenyBody = z.object({reason: z.string().trim().max(2000).optional()}).default({})
export const AccessListQuery = z.object({
  status: z.enum(ACCESS_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
})

export interface AccessRequest {
  id: string
  cameraId: string
  cameraName: string
  ownerId: string
  requester: {id: string; name: string}
  agency: {id: string; name: string} | null
  reason: string
  durationSeconds: number
  /** Live video, or recorded video of the window `recorded`. */
  kind: 'live' | 'recorded'
  recorded: RecordedWindow | null
  status: AccessStatus
  createdAt: string
  decidedAt: string | null
  decisionNote: string | null
  /** The approved window, once approved. */
  window: {from: string; until: string} | null
}

/** An approval as the Core receives it to verify (`verifyApproval`). */
export interface ApprovalRecord {
  requestId: string
  cameraId: string
  ownerId: string
  requesterId: string
  from: string
  until: string
  statement: OwnerStatement
}

// ── The owner's access report ───────────────────────────────────────────────────────────────────

export interface AccessReportEntry {
  time: string
  /** Audit sequence number: `rtcc audit proof` can prove the entry is in the log. */
  seq: number
  who: string | null
  role: string | null
  agency: string | null
  action: string
  outcome: string
  cameraId: string | null
  cameraName: string | null
  kind: VideoKind | null
  /** Why it was allowed (the policy decision's reason), or what it was about. */
  reason: string | null
}

export interface AccessReport {
  ownerId: string
  since: string | null
  generatedAt: string
  entries: AccessReportEntry[]
  /** More records matched than the report holds. */
  truncated: boolean
  /** Views started (live, recorded), single pictures taken (snapshots), refused attempts. */
  summary: {byAgency: Record<string, number>; live: number; recorded: number; snapshots: number; refused: number}
}
