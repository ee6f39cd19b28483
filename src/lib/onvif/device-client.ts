/**
 * Reads one ONVIF device: identity, network, profiles and stream URIs. A small client of our own
 * rather than the `onvif` package's Cam, because a scan of untrusted devices needs what Cam does
 * not give: hard deadlines per call, a response size cap, XML parsed without DTDs, the device clock
 * used for every token, and an outcome per device ("credentials needed", "malformed XML"…)
 * instead of an exception. Tests prove Cam and this client agree on the simulator.
 */
import http from 'node:http'

import {probeStream} from '../media/probe.js'
import {redactText, withCredentials} from '../media/redact.js'
import type {Limiter} from './concurrency.js'
import type {CredentialCandidate} from './credentials.js'
import {envelope, isAuthFault, readFault, type SoapFault, usernameToken, type Credentials} from './soap.js'
import {child, children, attr, MAX_XML_BYTES, parseXml, text, XmlError, type XmlNode, type XmlValue} from './xml.js'

export type SoapFailure = 'timeout' | 'unreachable' | 'http' | 'malformed' | 'fault'

export class SoapCallError extends Error {
  constructor(
    readonly kind: SoapFailure,
    message: string,
    readonly fault?: SoapFault,
  ) {
    super(message)
  }
}

export interface CallOptions {
  credentials?: Credentials
  /** Device clock minus ours, in ms; tokens are stamped with device time. */
  clockOffsetMs?: number
  timeoutMs: number
}

function post(url: string, body: string, timeoutMs: number): Promise<{status: number; text: string}> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {method: 'POST', headers: {'Content-Type': 'application/soap+xml; charset=utf-8', 'Content-Length': Buffer.byteLength(body)}, timeout: timeoutMs, agent: false}, (res) => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > MAX_XML_BYTES) req.destroy(new SoapCallError('malformed', `reply larger than ${MAX_XML_BYTES} bytes`))
        else chunks.push(chunk)
      })
      res.on('end', () => resolve({status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8')}))
      res.on('error', reject)
    })
    const deadline = setTimeout(() => req.destroy(new SoapCallError('timeout', `no reply within ${timeoutMs} ms`)), timeoutMs)
    req.on('close', () => clearTimeout(deadline))
    req.on('timeout', () => req.destroy(new SoapCallError('timeout', `no reply within ${timeoutMs} ms`)))
    req.on('error', (error: NodeJS.ErrnoException) => reject(error instanceof SoapCallError ? error : new SoapCallError('unreachable', `${error.code ?? ''} ${error.message}`.trim())))
    req.end(body)
  })
}

/** One SOAP call; returns the Body's first element or throws SoapCallError. */
export async function soapCall(url: string, bodyXml: string, options: CallOptions): Promise<XmlNode> {
  const header = options.credentials ? usernameToken(options.credentials, new Date(Date.now() + (options.clockOffsetMs ?? 0))) : ''
  const reply = await post(url, envelope(bodyXml, header), options.timeoutMs)
  let doc: XmlNode
  try {
    doc = parseXml(reply.text)
  } catch (error) {
    if (reply.status === 401) throw new SoapCallError('fault', 'HTTP 401', {code: 'http', subcode: 'NotAuthorized', reason: 'HTTP 401 Unauthorized'})
    throw new SoapCallError(reply.status >= 200 && reply.status < 300 ? 'malformed' : 'http', reply.status >= 200 && reply.status < 300 ? (error as XmlError).message : `HTTP ${reply.status}: ${(error as XmlError).message}`)
  }
  const fault = readFault(doc)
  if (fault) throw new SoapCallError('fault', `SOAP fault ${fault.subcode ?? fault.code}: ${fault.reason}`, fault)
  const body = child(doc, 'Envelope', 'Body')
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new SoapCallError('malformed', 'reply has no SOAP Body')
  const first = Object.keys(body).find((k) => !k.startsWith('@'))
  const value = first ? body[first] : undefined
  return value && typeof value === 'object' && !Array.isArray(value) ? value : {}
}

const TDS = 'xmlns="http://www.onvif.org/ver10/device/wsdl"'
const TRT = 'xmlns="http://www.onvif.org/ver10/media/wsdl"'

/** Device time from GetSystemDateAndTime (unauthenticated, as ONVIF allows). */
export function parseDeviceTime(reply: XmlNode): Date | undefined {
  const utc = child(reply, 'SystemDateAndTime', 'UTCDateTime')
  if (!utc) return undefined
  const n = (...path: string[]) => Number(text(utc, ...path))
  const ms = Date.UTC(n('Date', 'Year'), n('Date', 'Month') - 1, n('Date', 'Day'), n('Time', 'Hour'), n('Time', 'Minute'), n('Time', 'Second'))
  return Number.isFinite(ms) ? new Date(ms) : undefined
}

export type AuthState = 'ok' | 'open' | 'credentials_needed' | 'credentials_rejected' | 'unknown'

export interface ProfileDetails {
  token: string
  name?: string
  encoding?: string
  width?: number
  height?: number
  fps?: number
  /** As the camera reports it, without credentials. */
  rtspUri?: string
  snapshotUri?: string
  stream?: {codec: string; width: number; height: number; fps: number | null}
  streamError?: string
}

export interface DeviceDetails {
  auth: AuthState
  /** Which user the camera accepted (never the password). */
  user?: string
  manufacturer?: string
  model?: string
  firmware?: string
  serial?: string
  hardwareId?: string
  mac?: string
  clockSkewSeconds?: number
  mediaServiceUrl?: string
  /** With `readScopes`: the device's ONVIF scopes. */
  scopes?: string[]
  profiles: ProfileDetails[]
  /** The first thing that went wrong, e.g. a timeout or malformed XML; details read before it are kept. */
  error?: string
}

export interface ReadDeviceOptions {
  credentials: CredentialCandidate[]
  timeoutMs?: number
  probeStreams?: boolean
  streamTimeoutMs?: number
  /** Shared gate for ffprobe runs when many devices are read at once. */
  probeLimiter?: Limiter
  /** Epoch ms by which the ONVIF calls must be done (stream probes have their own timeout). */
  deadline?: number
  /** Ask for the ONVIF scopes (name, hardware…), for a device found without WS-Discovery. */
  readScopes?: boolean
}

const num = (value: string | undefined) => (value === undefined || value === '' || !Number.isFinite(Number(value)) ? undefined : Number(value))

function readProfile(node: XmlValue): ProfileDetails {
  const encoder = child(node, 'VideoEncoderConfiguration')
  return {
    token: attr(node, 'token') ?? '',
    name: text(node, 'Name'),
    encoding: text(encoder, 'Encoding'),
    width: num(text(encoder, 'Resolution', 'Width')),
    height: num(text(encoder, 'Resolution', 'Height')),
    fps: num(text(encoder, 'RateControl', 'FrameRateLimit')),
  }
}

function describe(error: unknown): string {
  if (error instanceof SoapCallError) return error.kind === 'malformed' ? `malformed XML: ${error.message.replace(/^malformed XML: /, '')}` : error.message
  return (error as Error).message
}

/** The problem of a device whose details were still missing when the caller's deadline came. */
export const DETAILS_LATE = 'details did not arrive in time'

export async function readDevice(deviceUrl: string, options: ReadDeviceOptions): Promise<DeviceDetails> {
  const timeoutMs = options.timeoutMs ?? 4000
  const deadline = options.deadline ?? Infinity
  const details: DeviceDetails = {auth: 'unknown', profiles: []}
  let clockOffsetMs = 0
  let credentials: Credentials | undefined
  /** One call within both the per-call timeout and the overall deadline. */
  const call = async (url: string, body: string, as = credentials): Promise<XmlNode> => {
    const left = deadline - Date.now()
    if (left <= 0) throw new SoapCallError('timeout', DETAILS_LATE)
    try {
      return await soapCall(url, body, {credentials: as, clockOffsetMs, timeoutMs: Math.min(timeoutMs, left)})
    } catch (error) {
      throw error instanceof SoapCallError && error.kind === 'timeout' && left < timeoutMs ? new SoapCallError('timeout', DETAILS_LATE) : error
    }
  }
  // The first problem is the one reported; details read before and after it are kept.
  const problem = (error: unknown): DeviceDetails => ({...details, error: details.error ?? describe(error)})

  try {
    const time = parseDeviceTime(await call(deviceUrl, `<GetSystemDateAndTime ${TDS}/>`, undefined))
    if (time) {
      clockOffsetMs = time.getTime() - Date.now()
      details.clockSkewSeconds = Math.round(clockOffsetMs / 1000)
    }
  } catch (error) {
    // Some firmware wants authentication even here; then we go on with our own clock.
    if (!(error instanceof SoapCallError && error.fault && isAuthFault(error.fault))) return problem(error)
  }

  try {
    // First without credentials: a camera that answers is open to anyone, which the installer must know.
    const attempts: (Credentials | undefined)[] = [undefined, ...options.credentials]
    for (const candidate of attempts) {
      let info: XmlNode | undefined
      try {
        info = await call(deviceUrl, `<GetDeviceInformation ${TDS}/>`, candidate)
      } catch (error) {
        if (error instanceof SoapCallError && error.fault && isAuthFault(error.fault)) {
          details.auth = candidate ? 'credentials_rejected' : 'credentials_needed'
          continue
        }
        // A 2xx reply that is not XML: the camera took these credentials, then sent garbage.
        if (!(error instanceof SoapCallError && error.kind === 'malformed')) throw error
        details.error = `malformed device information: ${(error as Error).message.replace(/^malformed XML: /, '')}`
      }
      credentials = candidate
      details.auth = candidate ? 'ok' : 'open'
      details.user = candidate?.user
      if (info) readIdentity(info, details)
      break
    }
    if (details.auth !== 'ok' && details.auth !== 'open') return details

    const network = await call(deviceUrl, `<GetNetworkInterfaces ${TDS}/>`)
    details.mac = text(network, 'NetworkInterfaces', 'Info', 'HwAddress')?.toUpperCase()
    // Optional in practice: firmware without GetScopes is still a camera.
    if (options.readScopes) details.scopes = await call(deviceUrl, `<GetScopes ${TDS}/>`).then((reply) => children(reply, 'Scopes').map((node) => text(node, 'ScopeItem') ?? '').filter(Boolean), () => undefined)
    const capabilities = await call(deviceUrl, `<GetCapabilities ${TDS}><Category>All</Category></GetCapabilities>`)
    const mediaUrl = text(capabilities, 'Capabilities', 'Media', 'XAddr')
    if (!mediaUrl) return problem(new Error('device reports no media service'))
    details.mediaServiceUrl = mediaUrl
    const profiles = await call(mediaUrl, `<GetProfiles ${TRT}/>`)
    details.profiles = children(profiles, 'Profiles').map(readProfile)
    for (const profile of details.profiles) {
      const setup = `<StreamSetup><Stream xmlns="http://www.onvif.org/ver10/schema">RTP-Unicast</Stream><Transport xmlns="http://www.onvif.org/ver10/schema"><Protocol>RTSP</Protocol></Transport></StreamSetup>`
      profile.rtspUri = text(await call(mediaUrl, `<GetStreamUri ${TRT}>${setup}<ProfileToken>${profile.token}</ProfileToken></GetStreamUri>`), 'MediaUri', 'Uri')
      profile.snapshotUri = text(await call(mediaUrl, `<GetSnapshotUri ${TRT}><ProfileToken>${profile.token}</ProfileToken></GetSnapshotUri>`), 'MediaUri', 'Uri')
    }
  } catch (error) {
    return problem(error)
  }

  if (options.probeStreams) {
    const limit = options.probeLimiter ?? ((task) => task())
    await Promise.all(
      details.profiles.map((profile) =>
        limit(async () => {
          if (!profile.rtspUri) return
          try {
            const info = await probeStream(withCredentials(profile.rtspUri, credentials?.user, credentials?.password), {timeoutMs: options.streamTimeoutMs ?? 10_000})
            profile.stream = {codec: info.codec, width: info.width, height: info.height, fps: info.fps}
          } catch (error) {
            profile.streamError = redactText((error as Error).message)
          }
        }),
      ),
    )
  }
  return details
}

/** Identity from a GetDeviceInformation reply; one that names neither maker nor model is malformed. */
function readIdentity(info: XmlNode, details: DeviceDetails): void {
  details.manufacturer = text(info, 'Manufacturer')
  details.model = text(info, 'Model')
  details.firmware = text(info, 'FirmwareVersion')
  details.serial = text(info, 'SerialNumber')
  details.hardwareId = text(info, 'HardwareId')
  if (!details.manufacturer && !details.model) details.error ??= 'malformed device information: no Manufacturer or Model'
}
