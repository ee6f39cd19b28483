/** Footage requests: what an investigator issues, what an owner answers, what the API exchanges. */
import {z} from 'zod'

import {Distance, LocationType} from './camera.js'

export const REQUEST_STATUSES = ['issued', 'delivered', 'viewed', 'fulfilled', 'declined', 'expired', 'cancelled'] as const
export type RequestStatus = (typeof REQUEST_STATUSES)[number]
export const OPEN_STATUSES: readonly RequestStatus[] = ['issued', 'delivered', 'viewed']

/** The header an owner's one-time token travels in (never the URL). */
export const REQUEST_TOKEN_HEADER = 'x-rtcc-request-token'

const IsoTime = z.iso.datetime({offset: true, error: 'an ISO-8601 time, e.g. 2026-11-28T21:00:00Z'})

export const CanvassBody = z
  .object({
    latitude: z.number().min(-90).max(90),
    longitude: z.number().min(-180).max(180),
    radius: Distance,
    from: IsoTime,
    to: IsoTime,
    caseId: z.string().trim().min(1).max(100),
    reason: z.string().trim().min(3, 'say why the footage is needed').max(2000),
    types: z.array(LocationType).optional(),
    cameras: z.array(z.string()).max(1000).optional(),
    expiresInSeconds: z.number().int().min(3600).max(90 * 86_400).default(7 * 86_400),
    dryRun: z.boolean().default(false),
  })
  .refine((b) => Date.parse(b.from) < Date.parse(b.to), {message: 'from must be before to', path: ['from']})

export type CanvassInput = z.input<typeof CanvassBody>

export interface RequestCamera {
  cameraId: string
  name: string
  distanceMetres: number
  facesIncident: boolean | null
}

export interface SkippedCamera {
  cameraId: string
  name: string
  ownerId: string
  reason: string
}

export interface FootageRequest {
  id: string
  caseId: string
  agency: string
  issuedBy: string
  ownerId: string
  owner: {displayName: string; organisation: string | null} | null
  incident: {latitude: number; longitude: number; radiusMetres: number}
  window: {from: string; to: string}
  reason: string
  status: RequestStatus
  expiresAt: string
  declineReason: string | null
  cameras: RequestCamera[]
  evidence: EvidenceSummary[]
  createdAt: string
  updatedAt: string
}

export interface EvidenceSummary {
  id: string
  cameraId: string | null
  parentId: string | null
  sha256: string
  size: number
  createdAt: string
}

/** Who did something to a request: a user, an owner (also via email token), or the server itself. */
export interface TimelineActor {
  id: string
  role: string
  name: string
}

export interface TimelineEntry {
  time: string
  actor: TimelineActor
  /** Source address; null for the server's own actions. */
  from: string | null
  /** e.g. issued, delivered, viewed, uploaded, derived, downloaded, fulfilled. */
  event: string
  /** The id acted on (`req_…`, `evd_…`). */
  target: string | null
  detail: Record<string, unknown> | null
}

export interface CanvassResult {
  caseId: string
  dryRun: boolean
  /** `mail`: how each owner was told (transport and address), or why it failed. */
  requests: (FootageRequest & {mail?: {transport: string; to: string; messageId?: string} | {error: string}})[]
  skipped: SkippedCamera[]
  camerasInRange: number
}
