/**
 * `rtcc core provision`: checks every chosen camera's stream, pins the server's certificate, makes the
 * Core's Ed25519 identity, settles which owner key the Core trusts, spends the enrolment code (which
 * registers the cameras as the owner's live-capable cameras), then writes the Core's files (0600). Nothing is written before the server
 * has accepted the enrolment, and nothing is sent before every camera has proved it streams.
 */
import type {LocationType} from '../domain/camera.js'
import {type CoreConfig, CORE_CONFIG_FORMAT, type EnrollBody, type EnrollOwnerKey, type EnrollResult} from '../domain/core.js'
import {ApiClient} from '../client/api.js'
import {pinServer} from '../client/login.js'
import {probeStream, type StreamInfo} from '../media/probe.js'
import {redactUrl, withCredentials} from '../media/redact.js'
import {RtccError, usageError} from '../errors.js'
import {ownerKeyId} from '../policy/document.js'
import {corePaths, ensureCoreDir, isProvisioned, writeCoreConfig, writePrivateFile} from './config.js'
import {generateIdentity} from './identity.js'
import type {PlannedCamera} from './plan.js'
import {initialPolicy, writeLocalPolicies} from './policies.js'
import {writeRecordingSettings} from './recording/settings.js'

export interface SiteLocation {
  latitude: number
  longitude: number
  address: string | null
  locationType: LocationType
}

export interface ProvisionOptions {
  server: string
  code: string
  dir: string
  name: string
  site: SiteLocation
  cameras: PlannedCamera[]
  fingerprint?: string
  /** Asked when no --fingerprint was given: show it, return whether to trust it. */
  confirmTrust?: (fingerprint: string) => Promise<boolean>
  /**
   * The owner's key id as they read it from `rtcc policy key`: the key the server hands over must be
   * that one, or provisioning stops before the code is spent (the server must not choose the key).
   */
  ownerKeyId?: string
  /** Asked when no ownerKeyId was given and the server has a key: show its id, return whether the owner confirms it (none: unattended, the id is required). */
  confirmOwnerKey?: (keyId: string) => Promise<boolean>
  /** Replace an existing Core config in dir. */
  force?: boolean
  version: string
  probeTimeoutMs?: number
}

export interface ProvisionedCamera {
  id: string
  name: string
  rtspUrl: string
  live: string
  recorded: string
  stream: Pick<StreamInfo, 'codec' | 'width' | 'height' | 'fps'>
}

export interface ProvisionResult {
  coreId: string
  name: string
  ownerId: string
  ownerName: string
  server: string
  fingerprint: string
  configDir: string
  /** The owner key the Core trusts (null: none yet, see `rtcc core owner-key`). */
  ownerKeyId: string | null
  cameras: ProvisionedCamera[]
}

const PROBE_CONCURRENCY = 4

/** Probes every camera; fails naming each one that does not stream. */
export async function probeCameras(cameras: PlannedCamera[], timeoutMs = 10_000): Promise<StreamInfo[]> {
  const results: ({info: StreamInfo} | {error: string})[] = new Array(cameras.length)
  let next = 0
  const worker = async () => {
    while (next < cameras.length) {
      const i = next++
      const c = cameras[i]!
      results[i] = await probeStream(withCredentials(c.rtspUrl, c.credentials?.user, c.credentials?.password), {timeoutMs}).then(
        (info) => ({info}),
        (error: RtccError) => ({error: `${c.name} (${redactUrl(c.rtspUrl)}): ${error.message}`}),
      )
    }
  }
  await Promise.all(Array.from({length: Math.min(PROBE_CONCURRENCY, cameras.length)}, worker))
  const failed = results.flatMap((r) => ('error' in r ? [r.error] : []))
  if (failed.length)
    throw new RtccError(`${failed.length} camera(s) did not deliver video: ${failed.join('; ')}`, {
      code: 'camera_unreachable',
      hint: 'Check their credentials (--credentials or --user/--password-file) and that the Core host reaches them, or leave them out with --camera.',
      details: failed,
    })
  return results.map((r) => (r as {info: StreamInfo}).info)
}

const KEY_HINT = 'The enrolment code was NOT used. Ask the owner for the id `rtcc policy key` shows on their computer ("owner key …") and run again with --owner-key-id.'

/**
 * The owner key the Core will trust, settled before the code is spent: the server's copy only if it
 * is the key the owner names (--owner-key-id) or confirms on screen. Unattended, naming it is
 * required, so a server cannot slip in a key of its choosing.
 */
async function settleOwnerKey(offered: string | null, options: ProvisionOptions): Promise<string | null> {
  const given = options.ownerKeyId?.trim()
  if (!offered) {
    if (given !== undefined) throw new RtccError(`the owner has no key on the server, so none matches --owner-key-id ${given}`, {code: 'owner_key_mismatch', hint: 'The enrolment code was NOT used. The owner registers a key with `rtcc policy key`; or provision without --owner-key-id and set it later with `rtcc core owner-key`.'})
    return null
  }
  const id = ownerKeyId(offered)
  if (given !== undefined) {
    if (given !== id) throw new RtccError(`the server offers owner key ${id}, not ${given} (--owner-key-id): the Core would trust a key that is not the owner's`, {code: 'owner_key_mismatch', hint: KEY_HINT})
    return offered
  }
  if (!options.confirmOwnerKey) throw usageError(`--owner-key-id is required: the owner has a key on the server (${id}) and, unattended, nobody can confirm it is theirs`, KEY_HINT)
  if (!(await options.confirmOwnerKey(id))) throw new RtccError(`owner key ${id} was not confirmed as the owner's`, {code: 'owner_key_not_confirmed', hint: KEY_HINT})
  return offered
}

export async function provisionCore(options: ProvisionOptions): Promise<ProvisionResult> {
  if (isProvisioned(options.dir) && !options.force)
    throw new RtccError(`a Core is already provisioned in ${options.dir}`, {code: 'already_provisioned', where: corePaths(options.dir).config, hint: 'Use another --config-dir, or pass --force to replace it (the old Core stays enrolled on the server).'})
  if (options.cameras.length === 0) throw new RtccError('no cameras to provision', {code: 'no_cameras', hint: 'Give a discovery file with cameras (--from), scan with --discover, or add cameras later with `rtcc core camera add`.'})
  const streams = await probeCameras(options.cameras, options.probeTimeoutMs)
  const server = new URL(options.server).origin
  const {pin} = await pinServer(server, options.fingerprint, options.confirmTrust)
  const identity = generateIdentity()
  const body: EnrollBody = {
    code: options.code,
    name: options.name,
    publicKey: identity.publicKeyPem,
    version: options.version,
    cameras: options.cameras.map((c) => ({name: c.name, ...options.site, make: c.make, model: c.model, liveMode: c.live, recordedMode: c.recorded})),
  }
  const api = new ApiClient({baseUrl: server, pin})
  const ownerKey = await settleOwnerKey((await api.post<EnrollOwnerKey>('/v1/cores/enroll/owner-key', {code: options.code})).ownerPolicyKey, options)
  const enrolled = await api.post<EnrollResult>('/v1/cores/enroll', body)

  const now = new Date()
  const config: CoreConfig = {
    format: CORE_CONFIG_FORMAT,
    version: 1,
    coreId: enrolled.coreId,
    name: options.name,
    ownerId: enrolled.ownerId,
    server: {url: server, fingerprint: pin.fingerprint, certPem: pin.certPem},
    site: options.site,
    ownerPolicyKey: ownerKey,
    cameras: enrolled.cameras.map((registered, i) => {
      const c = options.cameras[i]!
      return {id: registered.id, name: registered.name, rtspUrl: c.rtspUrl, credentials: c.credentials, deviceServiceUrl: c.deviceServiceUrl, make: c.make, model: c.model, addedAt: now.toISOString()}
    }),
    enrolledAt: now.toISOString(),
  }
  ensureCoreDir(options.dir)
  writePrivateFile(corePaths(options.dir).identity, identity.privateKeyPem)
  writeLocalPolicies(options.dir, Object.fromEntries(config.cameras.map((c, i) => [c.id, initialPolicy(c.id, {live: options.cameras[i]!.live, recorded: options.cameras[i]!.recorded}, now)])))
  const recorded = config.cameras.flatMap((c, i) => {
    const plan = options.cameras[i]!.record
    return plan ? [[c.id, {on: true, ...plan}] as const] : []
  })
  if (recorded.length) writeRecordingSettings(options.dir, {cameras: Object.fromEntries(recorded)})
  writeCoreConfig(options.dir, config)
  return {
    coreId: config.coreId,
    name: config.name,
    ownerId: enrolled.ownerId,
    ownerName: enrolled.ownerName,
    server,
    fingerprint: pin.fingerprint,
    configDir: options.dir,
    ownerKeyId: ownerKey && ownerKeyId(ownerKey),
    cameras: config.cameras.map((c, i) => ({
      id: c.id,
      name: c.name,
      rtspUrl: redactUrl(c.rtspUrl),
      live: options.cameras[i]!.live,
      recorded: options.cameras[i]!.recorded,
      stream: {codec: streams[i]!.codec, width: streams[i]!.width, height: streams[i]!.height, fps: streams[i]!.fps},
    })),
  }
}
