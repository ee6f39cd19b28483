/**
 * `rtcc core camera add`: attaches a camera that has no ONVIF (older DVRs, doorbells, NVR channels)
 * by its RTSP URL. ffprobe must read video from it first; then the Core registers it with the server
 * in a request it signs, and adds it to its own config with the starting policy (default `never`).
 */
import type {LocationType} from '../domain/camera.js'
import {type SharingMode} from '../domain/policy.js'
import {probeStream, type StreamInfo} from '../media/probe.js'
import {redactUrl, withCredentials} from '../media/redact.js'
import {RtccError} from '../errors.js'
import {saveLocalPolicy} from './local-policy.js'
import {readCoreConfig, writeCoreConfig} from './config.js'
import {splitRtspUrl} from './plan.js'
import {initialPolicy} from './policies.js'
import {coreRequest} from './signed-request.js'

export interface AddCameraOptions {
  dir: string
  rtsp: string
  name: string
  /** Overrides user:password in the URL. */
  credentials?: {user: string; password: string}
  live?: SharingMode
  recorded?: SharingMode
  /** Defaults to the site's location. */
  at?: {latitude: number; longitude: number}
  address?: string | null
  locationType?: LocationType
  make?: string | null
  model?: string | null
  probeTimeoutMs?: number
}

export interface AddedCamera {
  id: string
  name: string
  rtspUrl: string
  live: SharingMode
  recorded: SharingMode
  stream: Pick<StreamInfo, 'codec' | 'width' | 'height' | 'fps'>
}

export async function addCoreCamera(options: AddCameraOptions): Promise<AddedCamera> {
  const config = readCoreConfig(options.dir)
  const split = splitRtspUrl(options.rtsp)
  const credentials = options.credentials ?? split.credentials
  if (config.cameras.some((c) => c.rtspUrl === split.rtspUrl && c.credentials?.user === credentials?.user))
    throw new RtccError(`this Core already has a camera at ${redactUrl(split.rtspUrl)}`, {code: 'exists', hint: 'See `rtcc core status` for the cameras attached.'})
  let stream: StreamInfo
  try {
    stream = await probeStream(withCredentials(split.rtspUrl, credentials?.user, credentials?.password), {timeoutMs: options.probeTimeoutMs ?? 10_000})
  } catch (error) {
    const cause = error as RtccError
    throw new RtccError(`camera not added: ffprobe read no video from ${redactUrl(split.rtspUrl)} (${cause.message})`, {code: cause.code ?? 'camera_unreachable', where: redactUrl(split.rtspUrl), hint: cause.hint})
  }
  const live = options.live ?? 'never'
  const recorded = options.recorded ?? 'never'
  const registered = await coreRequest<{id: string; name: string}>(options.dir, config, 'POST', `/v1/cores/${config.coreId}/cameras`, {
    name: options.name,
    latitude: options.at?.latitude ?? config.site.latitude,
    longitude: options.at?.longitude ?? config.site.longitude,
    address: options.address === undefined ? config.site.address : options.address,
    locationType: options.locationType ?? config.site.locationType,
    make: options.make ?? null,
    model: options.model ?? null,
    liveMode: live,
    recordedMode: recorded,
  })
  saveLocalPolicy(options.dir, initialPolicy(registered.id, {live, recorded}))
  const fresh = readCoreConfig(options.dir)
  writeCoreConfig(options.dir, {
    ...fresh,
    cameras: [...fresh.cameras, {id: registered.id, name: registered.name, rtspUrl: split.rtspUrl, credentials, deviceServiceUrl: null, make: options.make ?? null, model: options.model ?? null, addedAt: new Date().toISOString()}],
  })
  return {id: registered.id, name: registered.name, rtspUrl: redactUrl(split.rtspUrl), live, recorded, stream: {codec: stream.codec, width: stream.width, height: stream.height, fps: stream.fps}}
}
