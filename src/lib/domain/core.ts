/**
 * The Core edge agent's contracts: enrolment (codes and the enrol call), the Core's local config,
 * what agencies see of a Core, and the messages of the outbound WSS link between a Core and the
 * server. Server and Core both validate against these schemas; neither trusts the other's shapes.
 */
import {z} from 'zod'

import {CameraFields} from './camera.js'
import {SharingMode} from './policy.js'
import {Gap, PullManifest, TimeRange} from './recording.js'

const IsoTime = z.iso.datetime({offset: true})
export const CoreId = z.string().regex(/^core_[0-9a-z]{26}$/, 'a Core id (core_…)')
export const CameraId = z.string().regex(/^cam_[0-9a-z]{26}$/, 'a camera id (cam_…)')

// ── Enrolment ────────────────────────────────────────────────────────────────────────────────────

/** `XXXX-XXXX-XXXX-XXXX` in Crockford base32: 80 random bits, typed by an installer, used once. */
export const EnrollCode = z
  .string()
  .trim()
  .toUpperCase()
  .transform((s) => s.replace(/[\s-]/g, ''))
  .pipe(z.string().regex(/^[0-9A-HJKMNP-TV-Z]{16}$/, 'an enrolment code like 7K3M-Q9TX-2BHD-W4NR'))

export const EnrollCodeBody = z.object({
  ownerId: z.string().min(1).max(100),
  expiresInSeconds: z.number().int().min(60).max(30 * 86_400),
})

export interface EnrollCodeView {
  code: string
  ownerId: string
  ownerName: string
  expiresAt: string
}

/** One camera as the Core registers it: the registry fields plus how the Core found it. */
export const EnrollCamera = CameraFields.pick({name: true, latitude: true, longitude: true, address: true, locationType: true, make: true, model: true}).extend({
  /** The policy modes the owner chose, reported for display only (the Core enforces its own copy). */
  liveMode: SharingMode,
  recordedMode: SharingMode,
})
export type EnrollCamera = z.infer<typeof EnrollCamera>

export const EnrollBody = z.object({
  code: EnrollCode,
  name: z.string().trim().min(1).max(200),
  /** The Core's Ed25519 public key, SPKI PEM. */
  publicKey: z.string().min(40).max(1000),
  version: z.string().max(100),
  cameras: z.array(EnrollCamera).max(256),
})
export type EnrollBody = z.infer<typeof EnrollBody>

export interface EnrollResult {
  coreId: string
  ownerId: string
  ownerName: string
  /** In the order they were sent. */
  cameras: {id: string; name: string}[]
  /** The owner's key for signed policy, panic and approval documents, when they registered one. */
  ownerPolicyKey: string | null
}

/** Whose an unspent enrolment code is, and the owner key the Core would be offered (checked before spending it). */
export interface EnrollOwnerKey {
  ownerId: string
  ownerName: string
  ownerPolicyKey: string | null
}

/** `rtcc core camera add`: one more camera, in a request the Core signs. */
export const AddCoreCameraBody = EnrollCamera

// ── What agencies see ────────────────────────────────────────────────────────────────────────────

export const CAMERA_STATES = ['online', 'offline', 'unknown'] as const
export type CameraState = (typeof CAMERA_STATES)[number]

export interface CoreCameraView {
  id: string
  name: string
  status: CameraState
  detail: string | null
  checkedAt: string | null
  stream: StreamFacts | null
  liveMode: SharingMode | null
  recordedMode: SharingMode | null
  /** Set when the server's copy of the camera's policy differs from what its Core reports it enforces. */
  policyWarning?: string
}

export interface CoreView {
  id: string
  name: string
  ownerId: string
  ownerName: string
  online: boolean
  lastSeenAt: string | null
  connectedAt: string | null
  enrolledAt: string
  version: string | null
  cameras: CoreCameraView[]
}

// ── The Core's local config (0600 file on the Core host) ─────────────────────────────────────────

export const CoreCameraConfig = z.object({
  id: CameraId,
  name: z.string().min(1).max(200),
  /** As the camera reports it, without credentials. */
  rtspUrl: z.string().regex(/^rtsps?:\/\//, 'an rtsp:// URL').refine((u) => !/^[a-z]+:\/\/[^/]*@/i.test(u), 'without user:password (they go in credentials)'),
  credentials: z.object({user: z.string().min(1), password: z.string()}).nullable(),
  /** ONVIF device service, for the reachability check; null for RTSP-only cameras. */
  deviceServiceUrl: z.string().nullable(),
  make: z.string().nullable(),
  model: z.string().nullable(),
  addedAt: IsoTime,
})
export type CoreCameraConfig = z.infer<typeof CoreCameraConfig>

export const CORE_CONFIG_FORMAT = 'rtcc-core'

export const CoreConfig = z.object({
  format: z.literal(CORE_CONFIG_FORMAT),
  version: z.literal(1),
  coreId: CoreId,
  name: z.string().min(1),
  ownerId: z.string().min(1),
  server: z.object({url: z.url(), fingerprint: z.string().regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/), certPem: z.string().includes('BEGIN CERTIFICATE')}),
  /** Where the site is: cameras added later are placed here unless told otherwise. */
  site: CameraFields.pick({latitude: true, longitude: true, address: true, locationType: true}),
  /** The owner's public key for signed documents; only set on the Core host (provisioning or locally). */
  ownerPolicyKey: z.string().nullable(),
  cameras: z.array(CoreCameraConfig),
  enrolledAt: IsoTime,
})
export type CoreConfig = z.infer<typeof CoreConfig>

// ── Camera health, as the Core measures it ───────────────────────────────────────────────────────

export interface StreamFacts {
  codec: string
  width: number
  height: number
  fps: number | null
}

export const CameraHealth = z.object({
  cameraId: CameraId,
  status: z.enum(['online', 'offline']),
  /** ONVIF device service answered (`ok`), did not (`unreachable`), or the camera has none. */
  onvif: z.enum(['ok', 'unreachable', 'none']),
  stream: z.object({codec: z.string(), width: z.number(), height: z.number(), fps: z.number().nullable()}).nullable(),
  detail: z.string().max(500).nullable(),
  checkedAt: IsoTime,
})
export type CameraHealth = z.infer<typeof CameraHealth>

/** What the Core enforces for one camera, reported on every link and change; `digest` is policyDigest() of its policy. */
export const CameraPolicySummary = z.object({cameraId: CameraId, liveMode: SharingMode, recordedMode: SharingMode, version: z.number().int(), digest: z.string().max(100)})
export type CameraPolicySummary = z.infer<typeof CameraPolicySummary>

// ── The link: Core → server ──────────────────────────────────────────────────────────────────────

export const LINK_PROTOCOL = 'rtcc-core-link.v1'

/** What the Core signs to answer the challenge: bound to this server's certificate, so a relay
 * through an interceptor holding another certificate cannot reuse the answer. */
export const challengeMessage = (nonce: string, coreId: string, serverFingerprint: string): Buffer =>
  Buffer.from(`${LINK_PROTOCOL}\nchallenge\n${nonce}\n${coreId}\n${serverFingerprint}`, 'utf8')

/** What the Core signs for an HTTPS request (`rtcc core camera add`). */
export const requestMessage = (fields: {method: string; path: string; time: string; nonce: string; bodySha256: string}): Buffer =>
  Buffer.from(`${LINK_PROTOCOL}\nrequest\n${fields.method.toUpperCase()}\n${fields.path}\n${fields.time}\n${fields.nonce}\n${fields.bodySha256}`, 'utf8')

const ViewRef = {streamId: z.string().min(1).max(100), viewId: z.string().min(1).max(100)}

export const DecisionMessage = z.object({
  allow: z.boolean(),
  /** The policy's code (`always`, `never`, `no-panic`…) or the Core's own (`unknown-camera`, `role-not-allowed`…). */
  code: z.string().max(100),
  reason: z.string().max(500),
  until: IsoTime.nullable(),
})
export type DecisionMessage = z.infer<typeof DecisionMessage>

export const CoreToServer = z.discriminatedUnion('type', [
  z.object({type: z.literal('hello'), coreId: CoreId, signature: z.string().max(200), version: z.string().max(100), policies: z.array(CameraPolicySummary).max(256)}),
  z.object({type: z.literal('heartbeat'), at: IsoTime, relays: z.number().int().min(0)}),
  z.object({type: z.literal('health'), cameras: z.array(CameraHealth).max(256)}),
  z.object({type: z.literal('policies'), policies: z.array(CameraPolicySummary).max(256)}),
  z.object({type: z.literal('view.decision'), requestId: z.string().max(100), ...ViewRef, decision: DecisionMessage}),
  z.object({type: z.literal('view.revoked'), ...ViewRef, reason: z.enum(['policy-window-ended', 'owner-revoked']), decision: DecisionMessage}),
  z.object({type: z.literal('stream.ended'), streamId: z.string().max(100), reason: z.string().max(100), detail: z.string().max(500).nullable()}),
  /** What the Core did with the owner's policy documents: applied, already held (stale), or refused. */
  z.object({
    type: z.literal('documents.applied'),
    results: z.array(z.object({id: z.number().int(), outcome: z.enum(['applied', 'stale', 'rejected']), detail: z.string().max(500).nullable()})).max(1000),
  }),
  /** Which cameras the Core records and for how long: the registry shows them as recording (for canvasses). */
  z.object({type: z.literal('recording.status'), cameras: z.array(z.object({cameraId: CameraId, on: z.boolean(), retentionDays: z.number().min(0).max(3650), autoAnswer: z.boolean()})).max(256)}),
  /** The Core's answer to a recording list or pull (domain/recording.ts). */
  z.object({
    type: z.literal('recording.answer'),
    requestId: z.string().max(100),
    decision: DecisionMessage,
    /** List: what the Core holds in the window. */
    ranges: z.array(TimeRange).max(10_000).optional(),
    gaps: z.array(Gap).max(10_000).optional(),
    /** Pull: the clip's facts, sent after its upload was accepted. */
    manifest: PullManifest.optional(),
    /** Pull failed after the policy allowed it (a damaged segment, no video in the window). */
    error: z.string().max(500).optional(),
  }),
])
export type CoreToServer = z.infer<typeof CoreToServer>

// ── The link: server → Core ──────────────────────────────────────────────────────────────────────

export const Requester = z.object({
  userId: z.string().max(100),
  username: z.string().max(100),
  role: z.string().max(50),
  agencyId: z.string().max(100).nullable(),
  agencyName: z.string().max(200).nullable(),
})
export type Requester = z.infer<typeof Requester>

export const ServerToCore = z.discriminatedUnion('type', [
  z.object({type: z.literal('challenge'), protocol: z.literal(LINK_PROTOCOL), nonce: z.string().min(32).max(200)}),
  z.object({type: z.literal('welcome'), coreId: CoreId, heartbeatSeconds: z.number().int().min(1).max(300), serverTime: IsoTime}),
  z.object({type: z.literal('refused'), code: z.string().max(100), message: z.string().max(500)}),
  z.object({
    type: z.literal('view.request'),
    requestId: z.string().max(100),
    ...ViewRef,
    cameraId: CameraId,
    kind: z.enum(['live', 'recorded']),
    requester: Requester,
    /** A one-time token for the ingest socket (on the Core's own configured server URL), if it shares. */
    ingestToken: z.string().min(32).max(200),
    /**
     * The server's own decision on its copy of the policy (it asks only when that allows) and, when
     * its copy differs from what the Core reported, why. The Core logs it; only its local policy decides.
     */
    server: z.object({allowed: z.boolean(), note: z.string().max(500).optional()}).optional(),
  }),
  z.object({type: z.literal('view.end'), ...ViewRef, reason: z.string().max(100)}),
  z.object({type: z.literal('stream.stop'), streamId: z.string().max(100), reason: z.string().max(100)}),
  /**
   * The owner's signed statements for this Core, as the owner signed them: policy documents not yet
   * confirmed, the panic in force, approvals whose window has not ended, the owner's devices. The Core verifies each with
   * the owner key it holds; the whole set replaces the previous one (a statement left out counts no more).
   */
  z.object({
    type: z.literal('owner.statements'),
    policyDocuments: z.array(z.object({id: z.number().int(), statement: z.unknown()})).max(1000),
    panics: z.array(z.object({statement: z.unknown(), clearStatement: z.unknown().nullable()})).max(100),
    approvals: z.array(z.object({requestId: z.string().max(100), cameraId: CameraId, statement: z.unknown()})).max(1000),
    /** Device keys the owner vouched for (and revoked: a revocation stays in the set). Older servers send none. */
    devices: z.array(z.object({statement: z.unknown(), revokeStatement: z.unknown().nullable()})).max(100).default([]),
  }),
  /** An investigator asks what the Core recorded (list) or for a window of it (pull); the Core's recorded-video policy decides. */
  z.object({
    type: z.literal('recording.request'),
    requestId: z.string().max(100),
    op: z.enum(['list', 'pull']),
    cameraId: CameraId,
    window: TimeRange,
    requester: Requester,
    /** Pull only: the one-time token for the clip upload (POST UPLOAD_PATH). */
    uploadToken: z.string().min(32).max(200).optional(),
    server: z.object({allowed: z.boolean(), note: z.string().max(500).optional()}).optional(),
  }),
])
export type ServerToCore = z.infer<typeof ServerToCore>

export const LINK_PATH = '/v1/core/link'
export const INGEST_PATH = '/v1/core/ingest'

export type RecordingRequestMessage = Extract<ServerToCore, {type: 'recording.request'}>
export type RecordingAnswerMessage = Extract<CoreToServer, {type: 'recording.answer'}>
