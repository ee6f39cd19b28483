/**
 * One simulated ONVIF camera as a real network peer on its own address: WS-Discovery on UDP
 * (unicast on its own socket, multicast through a group membership on the same interface), SOAP
 * over HTTP, snapshots over HTTP with Digest auth, and H.264 over RTSP.
 */
import {createHash} from 'node:crypto'
import dgram from 'node:dgram'
import http from 'node:http'
import {setTimeout as sleep} from 'node:timers/promises'

import {DigestGuard} from '../../media/digest-auth.js'
import {startRtspServer, type RtspServer} from '../../media/rtsp-server.js'
import {renderTestJpeg, TestPatternFeed} from '../../media/test-pattern.js'
import type {Credentials} from '../soap.js'
import {byeMessage, type DiscoveryEndpoint, helloMessage, matchesProbe, MULTICAST_GROUP, parseDiscoveryMessage, probeMatchesMessage} from '../ws-discovery.js'
import {MAX_XML_BYTES} from '../xml.js'
import {type DeviceIdentity, handleSoap, type ServiceContext, type StreamProfile} from './device-service.js'
import type {Quirks} from './quirks.js'
import {type Vendor, VENDOR_PROFILES} from './vendors.js'

export interface CameraConfig {
  index: number
  name: string
  host: string
  httpPort: number
  rtspPort: number
  discoveryPort: number
  vendor: Vendor
  credentials: Credentials | null
  quirks: Quirks
  /** Join 239.255.255.250 and send Hello/Bye there. */
  multicast: boolean
  /** Probability of dropping each discovery datagram in or out, to measure scanners under loss. */
  packetLoss: number
  /** A fixed WS-Discovery endpoint reference, shared as cloned firmware does; default: one per camera. */
  endpointReference?: string
  width: number
  height: number
  fps: number
}

export interface SimulatedCamera {
  name: string
  vendor: Vendor
  address: string
  endpointReference: string
  /** WS-Discovery unicast port. */
  discoveryPort: number
  deviceServiceUrl: string
  mediaServiceUrl: string
  snapshotUrl: string
  streams: {profile: string; name: string; rtspUrl: string; width: number; height: number; fps: number}[]
  manufacturer: string
  model: string
  serial: string
  mac: string
  /** Whether the camera joined the multicast group (false where the host refuses). */
  multicast: boolean
  quirks: Quirks
}

export interface RunningCamera {
  info: SimulatedCamera
  stop(): Promise<void>
}

/** Stable per address and port, like a real device's UUID. */
function endpointUuid(config: CameraConfig): string {
  const h = createHash('sha1').update(`rtcc-sim:${config.host}:${config.httpPort}`).digest('hex')
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
}

function macFor(oui: string, host: string, index: number): string {
  const h = createHash('sha1').update(`${host}:${index}`).digest()
  return `${oui}:${[h[0], h[1], h[2]].map((b) => b!.toString(16).padStart(2, '0').toUpperCase()).join(':')}`
}

function httpUrl(host: string, port: number, path: string): string {
  return `http://${host}${port === 80 ? '' : ':' + port}${path}`
}

export async function startCamera(config: CameraConfig): Promise<RunningCamera> {
  const vendor = VENDOR_PROFILES[config.vendor]
  const {host} = config
  const cleanups: (() => Promise<void> | void)[] = []
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
  }
  try {
    return await start()
  } catch (error) {
    await stopAll()
    throw error
  }

  async function start(): Promise<RunningCamera> {
    const rtspBase = `rtsp://${host}${config.rtspPort === 554 ? '' : ':' + config.rtspPort}`
    const sizes: [number, number, number][] = [
      [config.width, config.height, config.fps],
      [Math.round(config.width / 4) * 2, Math.round(config.height / 4) * 2, Math.max(1, Math.round(config.fps / 2))],
    ]
    const profiles: StreamProfile[] = sizes.map(([width, height, fps], i) => ({
      token: `Profile_${i + 1}`,
      name: i === 0 ? 'MainStream' : 'SubStream',
      width,
      height,
      fps,
      bitrateKbps: i === 0 ? 1024 : 256,
      rtspUri: rtspBase + vendor.streamPaths[i]!,
    }))
    const feeds = Object.fromEntries(profiles.map((p, i) => [vendor.streamPaths[i]!, new TestPatternFeed({label: config.name, width: p.width, height: p.height, fps: p.fps})]))
    cleanups.push(() => Object.values(feeds).forEach((f) => f.stop()))

    const rtsp: RtspServer = await startRtspServer({host, port: config.rtspPort, feeds, auth: config.credentials ?? undefined, realm: vendor.manufacturer, name: config.name})
    cleanups.push(() => rtsp.close())

    const mac = macFor(vendor.oui, host, config.index)
    const identity: DeviceIdentity = {
      name: config.name,
      vendor,
      serial: `${vendor.manufacturer.slice(0, 3).toUpperCase()}${String(config.index).padStart(4, '0')}${mac.replace(/:/g, '').slice(-6)}`,
      mac,
      host,
      deviceUrl: httpUrl(host, config.httpPort, vendor.servicePaths.device),
      mediaUrl: httpUrl(host, config.httpPort, vendor.servicePaths.media),
      snapshotUrl: httpUrl(host, config.httpPort, vendor.snapshotPath),
      profiles,
      scopes: [
        'onvif://www.onvif.org/type/video_encoder',
        'onvif://www.onvif.org/type/Network_Video_Transmitter',
        'onvif://www.onvif.org/Profile/Streaming',
        `onvif://www.onvif.org/name/${encodeURIComponent(config.name)}`,
        `onvif://www.onvif.org/hardware/${encodeURIComponent(vendor.hardwareScope)}`,
        `onvif://www.onvif.org/MAC/${mac.toLowerCase()}`,
        'onvif://www.onvif.org/location/',
      ],
    }
    const skewMs = (config.quirks.clockSkewSeconds ?? 0) * 1000
    const ctx: ServiceContext = {identity, credentials: config.credentials, quirks: config.quirks, now: () => new Date(Date.now() + skewMs), seenNonces: new Set()}

    const web = await startHttp(config, identity, ctx)
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          web.closeAllConnections()
          web.close(() => resolve())
        }),
    )

    const endpoint: DiscoveryEndpoint = {
      endpoint: config.endpointReference ?? endpointUuid(config),
      types: ['dn:NetworkVideoTransmitter', 'tds:Device'],
      scopes: identity.scopes,
      xaddrs: [identity.deviceUrl],
      metadataVersion: 1,
    }
    const discovery = await startDiscovery(config, endpoint)
    cleanups.push(discovery.stop)

    return {
      info: {
        name: config.name,
        vendor: config.vendor,
        address: host,
        endpointReference: endpoint.endpoint,
        discoveryPort: config.discoveryPort,
        deviceServiceUrl: identity.deviceUrl,
        mediaServiceUrl: identity.mediaUrl,
        snapshotUrl: identity.snapshotUrl,
        streams: profiles.map((p) => ({profile: p.token, name: p.name, rtspUrl: p.rtspUri, width: p.width, height: p.height, fps: p.fps})),
        manufacturer: vendor.manufacturer,
        model: vendor.model,
        serial: identity.serial,
        mac,
        multicast: discovery.multicast,
        quirks: config.quirks,
      },
      stop: stopAll,
    }
  }
}

async function startHttp(config: CameraConfig, identity: DeviceIdentity, ctx: ServiceContext): Promise<http.Server> {
  const guard = config.credentials ? new DigestGuard(identity.vendor.manufacturer, config.credentials) : undefined
  const snapshotPath = new URL(identity.snapshotUrl).pathname
  const servicePaths = new Set([new URL(identity.deviceUrl).pathname, new URL(identity.mediaUrl).pathname])
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!
    if (req.method === 'GET' && path === snapshotPath) {
      const outcome = guard?.check(req.headers.authorization, 'GET') ?? 'ok'
      if (outcome !== 'ok') return void res.writeHead(401, {'WWW-Authenticate': guard!.challenge()}).end()
      renderTestJpeg({label: config.name, width: config.width, height: config.height})
        .then((jpeg) => res.writeHead(200, {'Content-Type': 'image/jpeg', 'Content-Length': jpeg.length}).end(jpeg))
        .catch(() => res.writeHead(500).end())
      return
    }
    if (req.method !== 'POST' || !servicePaths.has(path)) return void res.writeHead(404).end()
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_XML_BYTES) req.destroy()
      else chunks.push(chunk)
    })
    req.on('end', async () => {
      if (config.quirks.noReply) return // hold the connection open until the client gives up
      if (config.quirks.slowMs) await sleep(config.quirks.slowMs)
      const reply = handleSoap(Buffer.concat(chunks).toString('utf8'), ctx)
      res.writeHead(reply.status, {'Content-Type': 'application/soap+xml; charset=utf-8', Server: `${identity.vendor.manufacturer} ONVIF`}).end(reply.body)
    })
  })
  await listen(server, config.httpPort, config.host)
  return server
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

function bindUdp(socket: dgram.Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(port, address, () => {
      socket.off('error', reject)
      resolve()
    })
  })
}

async function startDiscovery(config: CameraConfig, endpoint: DiscoveryEndpoint): Promise<{multicast: boolean; stop: () => Promise<void>}> {
  const lossy = () => config.packetLoss > 0 && Math.random() < config.packetLoss
  const unicast = dgram.createSocket({type: 'udp4', reuseAddr: true})
  await bindUdp(unicast, config.discoveryPort, config.host)
  unicast.on('error', () => undefined)
  const send = (xml: string, port: number, address: string) => {
    if (!lossy()) unicast.send(xml, port, address)
  }

  const answer = async (message: Buffer, from: dgram.RemoteInfo, viaMulticast: boolean) => {
    if (lossy()) return
    let probe
    try {
      probe = parseDiscoveryMessage(message.toString('utf8'))
    } catch {
      return // not ours to judge: a real camera ignores garbage
    }
    if (probe.action !== 'Probe' || !probe.messageId || !matchesProbe(endpoint.types, probe.probeTypes)) return
    // WS-Discovery: wait a random moment before answering a multicast probe (APP_MAX_DELAY is 500 ms;
    // we use less so a scan stays quick, but enough to spread 50 replies).
    if (viaMulticast) await sleep(Math.random() * 100)
    if (config.quirks.slowMs) await sleep(config.quirks.slowMs)
    const reply = probeMatchesMessage(probe.messageId, endpoint)
    send(reply, from.port, from.address)
    if (config.quirks.duplicateMatches) send(reply, from.port, from.address)
  }
  unicast.on('message', (m, from) => void answer(m, from, false))

  let group: dgram.Socket | undefined
  if (config.multicast) {
    group = dgram.createSocket({type: 'udp4', reuseAddr: true})
    try {
      await bindUdp(group, config.discoveryPort, MULTICAST_GROUP)
      group.addMembership(MULTICAST_GROUP, config.host)
      unicast.setMulticastInterface(config.host)
      group.on('message', (m, from) => void answer(m, from, true))
      send(helloMessage(endpoint), config.discoveryPort, MULTICAST_GROUP)
    } catch {
      group.close()
      group = undefined
    }
  }

  return {
    multicast: group !== undefined,
    stop: async () => {
      if (group) {
        await new Promise<void>((resolve) => unicast.send(byeMessage(endpoint), config.discoveryPort, MULTICAST_GROUP, () => resolve()))
        group.close()
      }
      unicast.close()
    },
  }
}
