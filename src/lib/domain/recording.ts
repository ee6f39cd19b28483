/**
 * Recorded video kept on a Core: its per-camera settings, the hash chain over closed segments, the
 * link messages of a list or pull, and what the server answers investigators. The link messages that carry them
 * are in core.ts (this module imports nothing of the link's, so core.ts can import it).
 */
import {z} from 'zod'


const IsoTime = z.iso.datetime({offset: true})
const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/)
const CameraId = z.string().regex(/^cam_[0-9a-z]{26}$/, 'a camera id (cam_…)')

export const RecordingCameraSettings = z.object({
  on: z.boolean(),
  /** Segments older than this are deleted (default 7 days). */
  retentionSeconds: z.number().int().min(60),
  /** The most this camera's segments may take on disk; the oldest go first (default 50 GiB). */
  maxDiskBytes: z.number().int().min(1),
  /** Footage requests naming this camera are answered from the Core at once (its recorded policy still decides). */
  autoAnswer: z.boolean().default(false),
})
export type RecordingCameraSettings = z.infer<typeof RecordingCameraSettings>

export const RecordingSettings = z.object({
  /** Seconds per segment (about a minute; tests use a few seconds). */
  segmentSeconds: z.number().min(1).max(600).default(60),
  cameras: z.record(CameraId, RecordingCameraSettings),
})
export type RecordingSettings = z.infer<typeof RecordingSettings>

export const DEFAULT_RETENTION_SECONDS = 7 * 86_400
export const DEFAULT_MAX_DISK_BYTES = 50 * 2 ** 30

/**
 * One link of a camera's chain: a closed segment (its plaintext SHA-256) or a gap (camera offline,
 * Core down). `hash` = SHA-256 over the previous hash and this entry's canonical body; the Core signs
 * `rtcc-recording-chain/1\n<coreId>\n<cameraId>\n<seq>\n<hash>` with its identity key.
 */
export const ChainEntry = z.object({
  seq: z.number().int().min(0),
  kind: z.enum(['segment', 'gap']),
  start: IsoTime,
  end: IsoTime,
  /** Segment only: the plaintext's SHA-256 and size, the file it is stored in. */
  sha256: Sha256Hex.nullable(),
  bytes: z.number().int().min(0).nullable(),
  file: z.string().nullable(),
  /** Gap only: why there is no video. */
  reason: z.string().max(300).nullable(),
  /** Camera clock minus Core clock, in seconds, when it was last measured (null: the camera has no ONVIF clock). */
  cameraClockOffsetSeconds: z.number().nullable(),
  prev: z.string(),
  hash: Sha256Hex,
  signature: z.string(),
})
export type ChainEntry = z.infer<typeof ChainEntry>

export const CHAIN_FORMAT = 'rtcc-recording-chain/1'
export const chainSigningBytes = (coreId: string, cameraId: string, seq: number, hash: string): Buffer => Buffer.from(`${CHAIN_FORMAT}\n${coreId}\n${cameraId}\n${seq}\n${hash}`, 'utf8')

export const TimeRange = z.object({from: IsoTime, to: IsoTime})
export type TimeRange = z.infer<typeof TimeRange>
export const Gap = TimeRange.extend({reason: z.string().max(300)})
export type Gap = z.infer<typeof Gap>

/** What a pulled clip is made of, as the Core states it (the server copies it into custody). */
export const PullManifest = z.object({
  coreId: z.string().max(100),
  cameraId: CameraId,
  window: TimeRange,
  clip: z.object({sha256: Sha256Hex, bytes: z.number().int().min(1), start: IsoTime, end: IsoTime}),
  segments: z.array(z.object({seq: z.number().int(), start: IsoTime, end: IsoTime, sha256: Sha256Hex, hash: Sha256Hex})).max(10_000),
  gaps: z.array(Gap).max(10_000),
  chainHead: z.object({seq: z.number().int(), hash: Sha256Hex, signature: z.string().max(200)}),
  corePublicKey: z.string().max(1000),
  cameraClockOffsetSeconds: z.number().nullable(),
  tool: z.object({name: z.string(), version: z.string(), arguments: z.array(z.string()).max(100)}),
})
export type PullManifest = z.infer<typeof PullManifest>

// ── The API ───────────────────────────────────────────────────────────────────────────────────────

export const UPLOAD_PATH = '/v1/core/recordings/upload'

export const RecordingWindowQuery = z.object({from: IsoTime.optional(), to: IsoTime.optional()})
export const PullBody = z.object({from: IsoTime, to: IsoTime, caseId: z.string().trim().min(1).max(100).optional()})

export interface RecordingList {
  cameraId: string
  cameraName: string
  coreId: string
  window: TimeRange
  ranges: TimeRange[]
  gaps: Gap[]
  policy: {code: string; reason: string}
}

export interface PullResult {
  cameraId: string
  caseId: string
  requestId: string
  evidenceId: string
  sha256: string
  bytes: number
  durationSeconds: number
  window: TimeRange
  policy: {code: string; reason: string}
  manifest: PullManifest
}

/** A footage request answered from the owner's Core: per camera, the evidence kept or why the Core refused. */
export interface CoreAnswer {
  requestId: string
  status: string
  cameras: {cameraId: string; name: string; evidenceId: string | null; refused: string | null}[]
}
