/**
 * Live video relayed by a Core: what a viewer asks for, what the server grants (a short-lived signed
 * URL to a fragmented-MP4 stream), and what `rtcc stream list` and dashboards see of running streams.
 */
import {z} from 'zod'

import {CameraId} from './core.js'
import {VIDEO_KINDS} from './policy.js'

export const StreamKind = z.enum(VIDEO_KINDS)
export type StreamKind = z.infer<typeof StreamKind>

/** Roles that may watch video a Core shares; analysts stay read-only, installers and owners are not viewers. */
export const STREAM_VIEWERS = ['admin', 'supervisor', 'investigator'] as const
export const STREAM_LISTERS = ['admin', 'supervisor', 'investigator', 'analyst'] as const

export const OpenStreamBody = z.object({
  cameraId: CameraId,
  kind: StreamKind.default('live'),
  /** How long the signed URL may be opened for; the stream itself ends with the policy window. */
  urlSeconds: z.number().int().min(10).max(3600).default(300),
})
export type OpenStreamBody = z.infer<typeof OpenStreamBody>

export interface StreamGrant {
  streamId: string
  viewId: string
  cameraId: string
  cameraName: string
  kind: StreamKind
  /** HTTPS URL of the live fragmented-MP4 stream; anyone holding it may open it until urlExpiresAt. */
  url: string
  urlExpiresAt: string
  /** The Core's decision: why it shares, and until when (null: until the viewer leaves). */
  policy: {code: string; reason: string; until: string | null}
  /** True when this request started the relay (false: joined a running one). */
  started: boolean
}

export interface StreamView {
  streamId: string
  cameraId: string
  cameraName: string
  coreId: string
  site: string
  kind: StreamKind
  startedAt: string
  startedBy: string
  policyMode: string
  policyReason: string
  until: string | null
  viewers: number
  /** Bits per second over the last few seconds, as received from the Core. */
  bitrate: number | null
  fps: number | null
}

/** Why a stream or a view ended; the audit and `stream.stopped` events carry these. */
export const END_REASONS = ['viewer-left', 'policy-window-ended', 'owner-revoked', 'core-offline', 'camera-failed', 'server-shutdown', 'refused'] as const
export type EndReason = (typeof END_REASONS)[number]
