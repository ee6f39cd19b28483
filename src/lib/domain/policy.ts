/**
 * Owners' sharing policies: per camera, separately for live and recorded video. The policy is the
 * owner's alone; it lives in the Core's local config and changes only by the owner's hand (on the Core
 * host, or as a document signed with the owner's key). This module is the shared contract between the
 * owner's tools, the server (which only relays and displays) and the Core (which enforces).
 */
import {z} from 'zod'

export const SHARING_MODES = ['always', 'emergency', 'approval', 'never'] as const
export const SharingMode = z.enum(SHARING_MODES)
export type SharingMode = z.infer<typeof SharingMode>

export const VIDEO_KINDS = ['live', 'recorded'] as const
export type VideoKind = (typeof VIDEO_KINDS)[number]

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour')

/** A weekly window in the owner's time zone; `to` before `from` wraps past midnight (22:00-06:00). */
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

export const CameraPolicy = z.object({
  cameraId: z.string().min(1),
  live: KindPolicy,
  recorded: KindPolicy,
  /** IANA zone the schedule windows are written in. */
  timeZone: z.string().min(1).default('UTC'),
  /** How long a panic opens `emergency` access, unless the panic says otherwise. */
  emergencyMinutes: z.number().int().min(1).max(24 * 60).default(60),
  /** Monotonic per camera: a Core refuses an older document than the one it holds. */
  version: z.number().int().min(1),
  updatedAt: z.iso.datetime({offset: true}),
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

/** What a decision is about. Facts only the Core and the owner's own records can vouch for. */
export interface PolicyContext {
  kind: VideoKind
  at: Date
  requester: {role: string; userId?: string; agencyId?: string | null}
  /** The owner's panic, if one is active or was recently: emergency access runs until `until`. */
  panic?: {startedAt: string; until: string} | null
  /** Windows the owner approved for this camera (access requests). */
  approvals?: {from: string; until: string; requesterId?: string}[]
}

export interface Decision {
  allow: boolean
  /** In words, for people: "emergency: panic active until 14:32Z", "never shares live video". */
  reason: string
  /** Machine form of why. */
  code: 'always' | 'emergency-active' | 'approval-active' | 'never' | 'no-panic' | 'no-approval' | 'outside-schedule'
  /** When an `allow` ends (ISO), or null when it does not end by itself. */
  until: string | null
}
