/**
 * Owners' sharing policies: per camera, separately for live and recorded video. The policy is the
 * owner's alone; it lives in the Core's local config and changes only by the owner's hand (on the Core
 * host, or as a statement signed with the owner's key). This module is the shared contract between the
 * owner's tools, the server (which only relays and displays) and the Core (which enforces).
 */
import {z} from 'zod'

export const SHARING_MODES = ['always', 'emergency', 'approval', 'never'] as const
export const SharingMode = z.enum(SHARING_MODES, {error: `one of ${SHARING_MODES.join(', ')}`})
export type SharingMode = z.infer<typeof SharingMode>

export const VIDEO_KINDS = ['live', 'recorded'] as const
export const VideoKind = z.enum(VIDEO_KINDS, {error: 'live or recorded'})
export type VideoKind = (typeof VIDEO_KINDS)[number]

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour')
const IsoTime = z.iso.datetime({offset: true})

/** A weekly window in the owner's time zone; `to` before `from` wraps past midnight (22:00-06:00), `to` equal to `from` lasts 24 hours. */
export const ScheduleWindow = z.object({
  /** 0 = Sunday … 6 = Saturday; the day the window starts. */
  days: z.array(z.number().int().min(0).max(6)).min(1).max(7),
  from: HHMM,
  to: HHMM,
})
export type ScheduleWindow = z.infer<typeof ScheduleWindow>

export const KindPolicy = z.object({
  mode: SharingMode,
  /** When present, sharing is possible only inside one of these windows (on top of the mode). */
  schedule: z.array(ScheduleWindow).max(20).optional(),
})
export type KindPolicy = z.infer<typeof KindPolicy>

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', {timeZone: zone})
    return true
  } catch {
    return false
  }
}

export const TimeZone = z.string().min(1).refine(isTimeZone, 'an IANA time zone such as America/Chicago or UTC')

export const CameraPolicy = z.object({
  cameraId: z.string().min(1),
  live: KindPolicy,
  recorded: KindPolicy,
  /** IANA zone the schedule windows are written in. */
  timeZone: TimeZone.default('UTC'),
  /** The most an owner's panic opens `emergency` access on this camera: it ends then, or when the panic ends if sooner. */
  emergencyMinutes: z.number().int().min(1).max(24 * 60).default(60),
  /**
   * Monotonic per camera: a Core refuses an older document than the one it holds. New versions are
   * max(previous + 1, epoch milliseconds) (`nextPolicyVersion`), so edits made on the Core host and
   * through the owner's session order correctly without talking to each other.
   */
  version: z.number().int().min(1),
  updatedAt: IsoTime,
})
export type CameraPolicy = z.infer<typeof CameraPolicy>

/** The default until the owner chooses: nothing is shared. */
export const defaultPolicy = (cameraId: string, now = new Date()): CameraPolicy => ({
  cameraId,
  live: {mode: 'never'},
  recorded: {mode: 'never'},
  timeZone: 'UTC',
  emergencyMinutes: 60,
  version: 1,
  updatedAt: now.toISOString(),
})

export const nextPolicyVersion = (previous: number | undefined, now = new Date()): number => Math.max((previous ?? 0) + 1, now.getTime())

/** What a decision is about. Facts only the Core and the owner's own records can vouch for. */
export interface PolicyContext {
  kind: VideoKind
  at: Date
  requester: {role: string; userId?: string; agencyId?: string | null}
  /** The owner's panic, if one is active or was recently: emergency access runs until `until` (or the camera's emergencyMinutes, if sooner). */
  panic?: {startedAt: string; until: string} | null
  /** Windows the owner approved for this camera (access requests); one with a requesterId opens only for that user. */
  approvals?: {from: string; until: string; requesterId?: string; kind?: 'live' | 'recorded'; recorded?: {from: string; to: string}}[]
  /** For `recorded`: the recorded window asked for; only an approval whose window covers it opens. */
  window?: {from: string; to: string}
}

export interface Decision {
  allow: boolean
  /** In words, for people: "emergency: panic active until 14:32Z", "never shares live video". */
  reason: string
  /** Machine form of why. */
  code: 'always' | 'emergency-active' | 'approval-active' | 'never' | 'no-panic' | 'no-approval' | 'outside-schedule'
  /** When an `allow` ends (ISO): the end of the panic, approval or schedule window, whichever is first; null when it does not end by itself. */
  until: string | null
}

// ── Owner-signed statements ──────────────────────────────────────────────────────────────────────

export const STATEMENT_FORMAT = 'rtcc-owner-statement/1'
export const STATEMENT_TYPES = ['policy', 'panic', 'panic-clear', 'approval', 'device', 'device-revoke'] as const
export type StatementType = (typeof STATEMENT_TYPES)[number]

/**
 * Something only the owner can say (a policy, a panic, an approval, vouching for a device key or
 * revoking it), signed with the owner's Ed25519 key on the owner's machine; panics and their clears
 * may also be signed by a device key the owner vouched for (the owner's phone). The payload is JSON text signed byte for byte, so the server can store
 * and relay it as is and nobody needs a canonical JSON form.
 */
export const OwnerStatement = z.object({
  format: z.literal(STATEMENT_FORMAT),
  type: z.enum(STATEMENT_TYPES),
  ownerId: z.string().min(1).max(100),
  keyId: z.string().min(1).max(100),
  payload: z.string().min(2).max(64 * 1024),
  /** Ed25519 signature, base64url. */
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'a base64url Ed25519 signature'),
})
export type OwnerStatement = z.infer<typeof OwnerStatement>
export type PolicyDocument = OwnerStatement & {type: 'policy'}

/** An owner's public key as the server registers it and a Core pins it. */
export const OwnerPublicKey = z.object({
  ownerId: z.string().min(1),
  keyId: z.string().min(1),
  /** Raw 32-byte Ed25519 public key, base64url. */
  publicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'a base64url Ed25519 public key (43 characters)'),
})
export type OwnerPublicKey = z.infer<typeof OwnerPublicKey>

// ── API views ────────────────────────────────────────────────────────────────────────────────────

/** Where the server's copy of a policy came from: the owner's signed document, the Core's report, or nothing yet. */
export type PolicySource = 'owner-document' | 'core' | 'default'

interface PolicyViewBase {
  cameraId: string
  cameraName: string
  live: SharingMode
  recorded: SharingMode
  source: PolicySource
  updatedAt: string | null
}

/** What the camera's owner sees. */
export interface OwnerPolicyView extends PolicyViewBase {
  view: 'owner'
  ownerId: string
  /** The full policy, when the server holds the owner's signed document (or the default); null when only the Core's report of the modes is known. */
  policy: CameraPolicy | null
  version: number
  /** A signed document the Core has not fetched yet. */
  pendingVersion: number | null
}

/** What agencies see: the modes, never the details, and no way to change them. */
export interface AgencyPolicyView extends PolicyViewBase {
  view: 'agency'
}

export type PolicyView = OwnerPolicyView | AgencyPolicyView

export const UploadPolicyBody = z.object({document: OwnerStatement})
export const RegisterKeyBody = z.object({publicKey: OwnerPublicKey.shape.publicKey})

/** `rtcc policy test`: the decision and the facts it used. */
export interface DecisionExplanation {
  cameraId: string
  cameraName: string
  /** The policy decided on; null for agencies, who see the decision and the modes only. */
  policy: CameraPolicy | null
  source: PolicySource
  context: {kind: VideoKind; at: string; requester: PolicyContext['requester'] & {name?: string}; panic: PolicyContext['panic']; approvals: NonNullable<PolicyContext['approvals']>}
  decision: Decision
  /** Step by step, for people. */
  steps: string[]
}
