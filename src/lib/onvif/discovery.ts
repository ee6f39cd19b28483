/**
 * `discover()`: finds ONVIF cameras by WS-Discovery multicast on the chosen interfaces and, for
 * networks that block multicast, by a unicast sweep of given subnets (WS-Discovery unicast probes
 * plus ONVIF HTTP checks), then reads each device's details.
 *
 * Reliability over UDP: each Probe (one for dn:NetworkVideoTransmitter, one for tds:Device) is
 * repeated in rounds, since one lost packet would otherwise lose every camera; a round that brings
 * nothing new ends the scan early. The receive buffer is raised to 2 MiB and read while we are still
 * sending, since 50 cameras answering at once overflow the default ~208 KiB. Replies are matched to
 * our probes by RelatesTo and deduplicated by endpoint reference AND address (cloned firmware gives
 * many cameras one reference), or by device service URL (several cameras on one address).
 *
 * Details are read as soon as a device is found, while the scan goes on, and the whole scan ends by
 * `timeoutMs` plus a second: a device whose details are still missing then is listed with that
 * problem instead of holding up the others.
 */
import dgram from 'node:dgram'
import net from 'node:net'
import {networkInterfaces} from 'node:os'
import {setTimeout as sleep} from 'node:timers/promises'

import {usageError} from '../errors.js'
import {createLimiter, mapLimit} from './concurrency.js'
import {credentialsFor, type CredentialCandidate} from './credentials.js'
import {type DeviceDetails, parseDeviceTime, readDevice, soapCall, SoapCallError} from './device-client.js'
import {cidrHosts, type HostTarget, isLinkLocal, MAX_SWEEP_HOSTS} from './ipv4.js'
import {DISCOVERY_PORT, type DiscoveryEndpoint, looksLikeCamera, MULTICAST_GROUP, newMessageId, parseDiscoveryMessage, PROBE_TYPES, probeMessage, scopeValue} from './ws-discovery.js'

export type FoundBy = 'multicast' | 'unicast' | 'http'

export interface DiscoveredDevice extends Partial<DeviceDetails> {
  address: string
  /** WS-Discovery endpoint reference (`urn:uuid:…`), when the device answered a probe. */
  endpointReference?: string
  /** The device service URL used. */
  xaddr?: string
  xaddrs: string[]
  types: string[]
  scopes: string[]
  /** From the ONVIF scopes. */
  name?: string
  hardware?: string
  foundBy: FoundBy[]
  /** camera: announces NetworkVideoTransmitter or answers ONVIF over HTTP; other: printers, PCs… */
  kind: 'camera' | 'other'
  auth: DeviceDetails['auth']
  profiles: DeviceDetails['profiles']
  error?: string
}

export interface DiscoverOptions {
  /** Budget for finding devices; details are read meanwhile and the whole scan ends a second later (totalTimeoutMs). Default 3000 ms. */
  timeoutMs?: number
  /** Interface names or IPv4 addresses for multicast; default: every non-internal IPv4 interface. */
  interfaces?: string[]
  multicast?: boolean
  /** CIDR blocks to sweep by unicast. */
  subnets?: string[]
  /** Single devices to check by unicast; one with a port is checked for ONVIF on that port only. */
  hosts?: HostTarget[]
  /** Ports checked for an ONVIF device service during the sweep. */
  onvifPorts?: number[]
  discoveryPort?: number
  credentials?: CredentialCandidate[]
  /** Read identity, profiles and URIs of each device (default true). */
  details?: boolean
  probeStreams?: boolean
  /** Deadline for each ONVIF call while reading details (default 4000 ms). */
  detailsTimeoutMs?: number
  /** The whole scan, details included, ends this long after it started (default timeoutMs + 1000). */
  totalTimeoutMs?: number
  /** Keep non-camera WS-Discovery peers. */
  all?: boolean
  /** Probe rounds; once something answered, a round with nothing new stops the scan. Default 3. */
  rounds?: number
  onFound?: (found: number) => void
}

export interface DiscoveryReport {
  startedAt: string
  durationMs: number
  /** Time spent finding devices, before reading details. */
  discoveryMs: number
  scan: {
    interfaces: {name: string; address: string}[]
    subnets: string[]
    hosts: string[]
    onvifPorts: number[]
    multicast: boolean
    probesSent: number
    receiveBufferBytes: number
  }
  devices: DiscoveredDevice[]
  warnings: string[]
}

export const DEFAULT_ONVIF_PORTS = [80, 8000, 8080, 8899]
const MULTICAST_WINDOW_MS = 500
const UNICAST_WINDOW_MS = 400
const RECEIVE_BUFFER = 2 * 1024 * 1024
const SEND_BATCH = 32
const CONNECT_CONCURRENCY = 256
const DETAIL_CONCURRENCY = 16
/** ffprobe runs at once: each decodes video for a second or two. */
const STREAM_PROBE_CONCURRENCY = 6
const DEVICE_PATH = '/onvif/device_service'

/** Resolves interface names or addresses to IPv4 addresses. */
export function resolveInterfaces(wanted: string[] | undefined): {name: string; address: string}[] {
  const all = Object.entries(networkInterfaces()).flatMap(([name, addrs]) => (addrs ?? []).filter((a) => a.family === 'IPv4').map((a) => ({name, address: a.address, internal: a.internal})))
  if (!wanted?.length) return all.filter((a) => !a.internal && !isLinkLocal(a.address)).map(({name, address}) => ({name, address}))
  return wanted.map((w) => {
    const hit = all.find((a) => a.name === w || a.address === w)
    if (hit) return {name: hit.name, address: hit.address}
    if (net.isIPv4(w) && w.startsWith('127.')) return {name: 'lo', address: w}
    throw usageError(`--interface ${w}: no such IPv4 interface`, `Known: ${all.map((a) => `${a.name} (${a.address})`).join(', ')}`)
  })
}

const hostOf = (url: string) => {
  try {
    return new URL(url).hostname
  } catch {
    return ''
  }
}

/** Of several XAddrs, the one on the sender's address, else the first that is not link-local. */
export function pickXaddr(xaddrs: string[], sender: string): string | undefined {
  const usable = xaddrs.filter((x) => /^https?:\/\//i.test(x) && !isLinkLocal(hostOf(x)))
  return usable.find((x) => hostOf(x) === sender) ?? usable.find((x) => net.isIPv4(hostOf(x))) ?? usable[0]
}

function bind(socket: dgram.Socket, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(0, address, () => {
      socket.off('error', reject)
      resolve()
    })
  })
}

/** TCP connect check: true when something listens on host:port. */
function portOpen(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({host, port})
    const done = (open: boolean) => {
      socket.destroy()
      resolve(open)
    }
    socket.setTimeout(Math.max(50, timeoutMs), () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

/**
 * The devices found so far. A device is the same one when its endpoint reference AND address match,
 * or its device service URL does: cloned firmware gives many cameras one reference, and cameras that
 * share an address (port forwarding, the simulator on macOS) differ only by port.
 */
class Registry {
  private readonly byKey = new Map<string, DiscoveredDevice>()
  private readonly addresses = new Set<string>()
  constructor(private readonly onNew: (device: DiscoveredDevice, found: number) => void) {}

  get size(): number {
    return new Set(this.byKey.values()).size
  }

  list(): DiscoveredDevice[] {
    return [...new Set(this.byKey.values())]
  }

  hasAddress(address: string): boolean {
    return this.addresses.has(address)
  }

  add(address: string, via: FoundBy, endpoint?: DiscoveryEndpoint, extra: Partial<DiscoveredDevice> = {}): void {
    const ref = endpoint?.endpoint || undefined
    // A cloned camera may announce its twin's (or the factory's) URL: only a URL on its own address identifies it.
    const xaddr = extra.xaddr ?? (endpoint ? pickXaddr(endpoint.xaddrs, address) : undefined)
    const ownUrl = xaddr && hostOf(xaddr) === address ? xaddr : undefined
    const keys = [ref && `ep:${ref}|${address}`, ownUrl && `x:${ownUrl}`, !ref && !ownUrl && `ip:${address}`].filter((k): k is string => Boolean(k))
    const existing = keys.map((k) => this.byKey.get(k)).find((d) => d && (!ref || !d.endpointReference || d.endpointReference === ref))
    if (existing) {
      if (!existing.foundBy.includes(via)) existing.foundBy.push(via)
      if (endpoint && !existing.endpointReference) Object.assign(existing, this.fromEndpoint(address, endpoint))
    }
    const device: DiscoveredDevice = existing ?? {address, xaddrs: [], types: [], scopes: [], foundBy: [via], kind: 'camera', auth: 'unknown', profiles: [], ...(endpoint ? this.fromEndpoint(address, endpoint) : {}), ...extra}
    for (const key of keys) if (!this.byKey.has(key)) this.byKey.set(key, device)
    this.addresses.add(address)
    if (!existing) this.onNew(device, this.size)
  }

  private fromEndpoint(address: string, e: DiscoveryEndpoint): Partial<DiscoveredDevice> {
    return {
      endpointReference: e.endpoint || undefined,
      xaddrs: e.xaddrs,
      xaddr: pickXaddr(e.xaddrs, address),
      types: e.types,
      scopes: e.scopes,
      name: scopeValue(e.scopes, 'name'),
      hardware: scopeValue(e.scopes, 'hardware'),
      kind: looksLikeCamera(e) ? 'camera' : 'other',
    }
  }
}

export async function discover(options: DiscoverOptions = {}): Promise<DiscoveryReport> {
  const started = Date.now()
  const timeoutMs = options.timeoutMs ?? 3000
  const deadline = started + timeoutMs
  const port = options.discoveryPort ?? DISCOVERY_PORT
  const rounds = Math.max(1, Math.min(options.rounds ?? 3, 5))
  const onvifPorts = options.onvifPorts ?? DEFAULT_ONVIF_PORTS
  const subnets = options.subnets ?? []
  const hosts = options.hosts ?? []
  // Hosts without a port are swept like a subnet; host:port targets get one ONVIF check on that port.
  const sweepHosts = [...new Set([...subnets.flatMap(cidrHosts), ...hosts.filter((h) => h.port === undefined).map((h) => h.host)])]
  const portTargets = hosts.filter((h): h is Required<HostTarget> => h.port !== undefined)
  if (sweepHosts.length > MAX_SWEEP_HOSTS) throw usageError(`the subnets hold ${sweepHosts.length} addresses; the sweep takes at most ${MAX_SWEEP_HOSTS}`)
  const useMulticast = options.multicast ?? true
  const interfaces = useMulticast ? resolveInterfaces(options.interfaces) : []
  const warnings: string[] = []
  if (useMulticast && interfaces.length === 0) warnings.push('no IPv4 network interface for multicast; pass --interface or --subnet')

  const detailsDeadline = started + (options.totalTimeoutMs ?? timeoutMs + 1000)
  const detailLimiter = createLimiter(DETAIL_CONCURRENCY)
  const probeLimiter = createLimiter(STREAM_PROBE_CONCURRENCY)
  const reading: Promise<void>[] = []
  const readDetails = async (device: DiscoveredDevice) => {
    const readScopes = device.scopes.length === 0
    const {scopes, ...details} = await readDevice(device.xaddr!, {credentials: credentialsFor(options.credentials ?? [], device.address), probeStreams: options.probeStreams, probeLimiter, timeoutMs: options.detailsTimeoutMs, deadline: detailsDeadline, readScopes})
    Object.assign(device, details)
    if (readScopes && scopes) Object.assign(device, {scopes, name: scopeValue(scopes, 'name'), hardware: scopeValue(scopes, 'hardware')})
  }
  const registry = new Registry((device, found) => {
    options.onFound?.(found)
    if ((options.details ?? true) && device.xaddr && !device.error && (options.all || device.kind === 'camera')) reading.push(detailLimiter(() => readDetails(device)))
  })
  const sent = new Set<string>()
  let probesSent = 0
  const malformed = new Map<string, string>()

  const onMessage = (message: Buffer, from: dgram.RemoteInfo, via: FoundBy) => {
    let parsed
    try {
      parsed = parseDiscoveryMessage(message.toString('utf8'))
    } catch (error) {
      malformed.set(from.address, `malformed discovery reply: ${(error as Error).message}`)
      return
    }
    if (parsed.action !== 'ProbeMatches' || !parsed.relatesTo || !sent.has(parsed.relatesTo)) return
    for (const endpoint of parsed.endpoints) registry.add(from.address, via, endpoint)
  }

  const sockets: dgram.Socket[] = []
  const openSocket = async (address: string, via: FoundBy) => {
    const socket = dgram.createSocket('udp4')
    sockets.push(socket)
    await bind(socket, address)
    socket.setRecvBufferSize(RECEIVE_BUFFER)
    const granted = socket.getRecvBufferSize()
    if (granted < 1024 * 1024 && !warnings.some((w) => w.startsWith('UDP receive buffer'))) {
      warnings.push(`UDP receive buffer capped at ${Math.round(granted / 1024)} KiB by net.core.rmem_max; replies from many cameras may be dropped (raise it: sysctl -w net.core.rmem_max=${RECEIVE_BUFFER})`)
    }
    socket.on('message', (m, from) => onMessage(m, from, via))
    socket.on('error', (error) => warnings.push(`UDP socket on ${address}: ${error.message}`))
    return socket
  }
  const sendProbes = async (socket: dgram.Socket, targets: string[]) => {
    for (let i = 0; i < targets.length; i += SEND_BATCH) {
      for (const target of targets.slice(i, i + SEND_BATCH)) {
        for (const type of PROBE_TYPES) {
          const id = newMessageId()
          sent.add(id)
          probesSent++
          socket.send(probeMessage(id, type), port, target)
        }
      }
      await new Promise((resolve) => setImmediate(resolve)) // let replies in while we send
    }
  }

  /** Probe rounds: stop when a repeat brings nothing new, or at the deadline. */
  const probeRounds = async (send: () => Promise<void>, windowMs: number) => {
    for (let round = 0; round < rounds && Date.now() < deadline; round++) {
      const before = registry.size
      await send()
      await sleep(Math.max(0, Math.min(windowMs, deadline - Date.now())))
      // A quiet repeat ends the scan, unless nothing answered yet (a slow or lossy first round).
      if (round > 0 && registry.size === before && before > 0) break
    }
  }

  let receiveBufferBytes = 0
  try {
    const tasks: Promise<void>[] = []
    for (const iface of interfaces) {
      const socket = await openSocket(iface.address, 'multicast')
      try {
        socket.setMulticastInterface(iface.address)
        socket.setMulticastTTL(1)
      } catch (error) {
        warnings.push(`multicast on ${iface.name}: ${(error as Error).message}`)
        continue
      }
      receiveBufferBytes = socket.getRecvBufferSize()
      tasks.push(probeRounds(() => sendProbes(socket, [MULTICAST_GROUP]), MULTICAST_WINDOW_MS))
    }
    if (sweepHosts.length) {
      const socket = await openSocket('0.0.0.0', 'unicast')
      receiveBufferBytes = socket.getRecvBufferSize()
      tasks.push(probeRounds(() => sendProbes(socket, sweepHosts.filter((h) => !registry.hasAddress(h))), UNICAST_WINDOW_MS))
      tasks.push(sweepHttp(sweepHosts, onvifPorts, registry, deadline, sleep(UNICAST_WINDOW_MS)))
    }
    if (portTargets.length) tasks.push(checkOnvif(portTargets, registry, deadline))
    await Promise.all(tasks)
  } finally {
    for (const socket of sockets) socket.close()
  }

  for (const [address, error] of malformed) if (!registry.hasAddress(address)) registry.add(address, interfaces.length ? 'multicast' : 'unicast', undefined, {error})
  const discoveryMs = Date.now() - started
  const devices = registry.list().filter((d) => options.all || d.kind === 'camera')

  await Promise.all(reading)
  devices.sort((a, b) => a.address.localeCompare(b.address, 'en', {numeric: true}) || (a.xaddr ?? '').localeCompare(b.xaddr ?? '', 'en', {numeric: true}))
  return {
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    discoveryMs,
    scan: {interfaces, subnets, hosts: hosts.map((h) => (h.port ? `${h.host}:${h.port}` : h.host)), onvifPorts: sweepHosts.length ? onvifPorts : [], multicast: useMulticast, probesSent, receiveBufferBytes},
    devices,
    warnings,
  }
}

/**
 * The HTTP half of the sweep, for devices that ignore unicast probes: after the first probe window,
 * check the ONVIF ports of every host not yet found.
 */
async function sweepHttp(hosts: string[], ports: number[], registry: Registry, deadline: number, firstWindow: Promise<void>): Promise<void> {
  await firstWindow
  const targets = hosts.filter((h) => !registry.hasAddress(h)).flatMap((host) => ports.map((port) => ({host, port})))
  await checkOnvif(targets, registry, deadline, (host) => registry.hasAddress(host))
}

/**
 * Asks each open host:port for its time (an unauthenticated ONVIF call) to tell cameras from other
 * web servers; `skip` drops a target once its host has been found another way.
 */
async function checkOnvif(targets: Required<HostTarget>[], registry: Registry, deadline: number, skip: (host: string) => boolean = () => false): Promise<void> {
  await mapLimit(targets, CONNECT_CONCURRENCY, async ({host, port}) => {
    const remaining = deadline - Date.now()
    if (remaining <= 0 || skip(host)) return
    if (!(await portOpen(host, port, Math.min(1000, remaining)))) return
    const url = `http://${host}${port === 80 ? '' : ':' + port}${DEVICE_PATH}`
    try {
      const reply = await soapCall(url, '<GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/>', {timeoutMs: Math.max(200, Math.min(1500, deadline - Date.now()))})
      if (parseDeviceTime(reply) || Object.keys(reply).length) registry.add(host, 'http', undefined, {xaddr: url, xaddrs: [url]})
    } catch (error) {
      if (!(error instanceof SoapCallError)) return
      // An auth fault still proves an ONVIF device; broken XML is reported against the device.
      if (error.kind === 'fault') registry.add(host, 'http', undefined, {xaddr: url, xaddrs: [url]})
      else if (error.kind === 'malformed') registry.add(host, 'http', undefined, {xaddr: url, xaddrs: [url], error: `malformed XML: ${error.message.replace(/^malformed XML: /, '')}`})
    }
  })
}
