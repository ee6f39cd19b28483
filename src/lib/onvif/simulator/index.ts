/**
 * `startSimulatedCameras()`: a set of simulated ONVIF Profile S cameras for tests, the demo and
 * installer training. By default each takes its own loopback address (127.0.0.11, .12, …) with the
 * standard discovery port and the usual unprivileged camera ports, so a sweep of 127.0.0.0/24
 * finds them as it would find cameras on a site subnet. With `basePort` they share one address
 * and take consecutive ports instead (for systems where only 127.0.0.1 exists, such as macOS).
 */
import {RtccError, usageError} from '../../errors.js'
import {DISCOVERY_PORT} from '../ws-discovery.js'
import {type CameraConfig, type RunningCamera, type SimulatedCamera, startCamera} from './camera.js'
import type {Quirks} from './quirks.js'
import {type Vendor, VENDORS} from './vendors.js'

export type {SimulatedCamera} from './camera.js'
export type {Quirks} from './quirks.js'
export type {Vendor} from './vendors.js'

export interface SimulatorOptions {
  count?: number
  /** First camera's address; the next ones count up from it. */
  host?: string
  /** Put every camera on `host`, camera i on ports basePort+3i (HTTP), +1 (RTSP), +2 (WS-Discovery). */
  basePort?: number
  httpPort?: number
  rtspPort?: number
  /** Credentials the cameras require; `null` for cameras open to anyone. */
  credentials?: {user: string; password: string} | null
  /** One maker for all, or `mixed` to cycle through them as on a real site. */
  vendor?: Vendor | 'mixed'
  quirks?: Quirks
  multicast?: boolean
  packetLoss?: number
  /** Give every camera this WS-Discovery endpoint reference, as cloned firmware does. */
  endpointReference?: string
  width?: number
  height?: number
  fps?: number
  namePrefix?: string
}

export interface SimulatorHandle {
  cameras: SimulatedCamera[]
  stop(): Promise<void>
}

export const DEFAULT_SIM_HOST = '127.0.0.11'
export const DEFAULT_SIM_CREDENTIALS = {user: 'admin', password: 'rtcc-sim'}
export const MAX_SIM_CAMERAS = 200
const START_CONCURRENCY = 10

export function ipv4Plus(address: string, offset: number): string {
  const parts = address.split('.').map(Number)
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw usageError(`--host ${address} is not an IPv4 address`)
  const value = parts.reduce((acc, p) => acc * 256 + p, 0) + offset
  if (value > 0xffffffff) throw usageError(`--host ${address} leaves no room for ${offset + 1} cameras`)
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.')
}

export function cameraConfigs(options: SimulatorOptions): CameraConfig[] {
  const count = options.count ?? 4
  if (!Number.isInteger(count) || count < 1 || count > MAX_SIM_CAMERAS) throw usageError(`--count must be between 1 and ${MAX_SIM_CAMERAS} (got ${count})`)
  const host = options.host ?? DEFAULT_SIM_HOST
  const credentials = options.credentials === undefined ? DEFAULT_SIM_CREDENTIALS : options.credentials
  return Array.from({length: count}, (_, i) => {
    const shared = options.basePort !== undefined
    const vendor = options.vendor === 'mixed' || options.vendor === undefined ? (options.vendor === 'mixed' ? VENDORS[i % VENDORS.length]! : 'generic') : options.vendor
    return {
      index: i + 1,
      name: `${options.namePrefix ?? 'Sim Camera'} ${String(i + 1).padStart(2, '0')}`,
      host: shared ? host : ipv4Plus(host, i),
      httpPort: shared ? options.basePort! + 3 * i : (options.httpPort ?? 8080),
      rtspPort: shared ? options.basePort! + 3 * i + 1 : (options.rtspPort ?? 8554),
      discoveryPort: shared ? options.basePort! + 3 * i + 2 : DISCOVERY_PORT,
      vendor,
      credentials,
      quirks: options.quirks ?? {},
      multicast: options.multicast ?? true,
      packetLoss: options.packetLoss ?? 0,
      endpointReference: options.endpointReference,
      width: options.width ?? 640,
      height: options.height ?? 360,
      fps: options.fps ?? 10,
    }
  })
}

function startError(error: NodeJS.ErrnoException, config: CameraConfig): RtccError {
  const where = `${config.host} (HTTP ${config.httpPort}, RTSP ${config.rtspPort}, UDP ${config.discoveryPort})`
  if (error.code === 'EADDRNOTAVAIL') return new RtccError(`address ${config.host} is not configured on this machine`, {code: 'address_unavailable', where, hint: 'On Linux all of 127.0.0.0/8 works; elsewhere use --host 127.0.0.1 --base-port 10000, or add a loopback alias.'})
  if (error.code === 'EADDRINUSE') return new RtccError(`a port is already in use on ${config.host}`, {code: 'address_in_use', where, hint: 'Stop the other simulator, or pick another --host or --base-port.'})
  if (error.code === 'EACCES') return new RtccError(`not allowed to bind a port below 1024 on ${config.host}`, {code: 'permission_denied', where, hint: 'Use ports above 1024 (the defaults) or run with the privilege to bind low ports.'})
  return new RtccError(`camera ${config.name} could not start: ${error.message}`, {where})
}

export async function startSimulatedCameras(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const configs = cameraConfigs(options)
  const running: RunningCamera[] = []
  const stop = async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()))
  }
  try {
    for (let i = 0; i < configs.length; i += START_CONCURRENCY) {
      const batch = configs.slice(i, i + START_CONCURRENCY)
      const started = await Promise.allSettled(batch.map((c) => startCamera(c)))
      for (const s of started) if (s.status === 'fulfilled') running.push(s.value)
      const failed = started.findIndex((s) => s.status === 'rejected')
      if (failed >= 0) throw startError((started[failed] as PromiseRejectedResult).reason as NodeJS.ErrnoException, batch[failed]!)
    }
  } catch (error) {
    await stop()
    throw error
  }
  return {cameras: running.map((c) => c.info), stop}
}
