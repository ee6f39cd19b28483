import dgram from 'node:dgram'
import {readFileSync} from 'node:fs'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type DiscoveredDevice, discover} from '../../src/lib/onvif/discovery.js'
import {parseDiscoveryFile, toDiscoveryFile} from '../../src/lib/onvif/discovery-file.js'
import {type SimulatorHandle, startSimulatedCameras} from '../../src/lib/onvif/simulator/index.js'
import {parseDiscoveryMessage, probeMatchesMessage} from '../../src/lib/onvif/ws-discovery.js'

// This file owns 127.0.5.0/24; other test files use other blocks, so parallel runs do not meet.
const NET = '127.0.5.'
const CREDS = {user: 'admin', password: 'site-pass-7'}
const groups: SimulatorHandle[] = []
const peers: dgram.Socket[] = []
let fleet: SimulatorHandle
const at = (devices: DiscoveredDevice[], address: string) => devices.find((d) => d.address === address)
const ours = (devices: DiscoveredDevice[]) => devices.filter((d) => d.address.startsWith(NET))

/** A WS-Discovery peer on its own address that answers every probe with `reply(relatesTo)`. */
async function fakePeer(address: string, reply: (relatesTo: string) => string): Promise<void> {
  const socket = dgram.createSocket('udp4')
  peers.push(socket)
  await new Promise<void>((resolve) => socket.bind(3702, address, resolve))
  socket.on('message', (m, from) => {
    const id = parseDiscoveryMessage(m.toString()).messageId ?? ''
    socket.send(reply(id), from.port, from.address)
  })
}

beforeAll(async () => {
  fleet = await startSimulatedCameras({count: 20, host: NET + '11', vendor: 'mixed', credentials: CREDS})
  groups.push(fleet)
  const quirky = async (host: string, options: Parameters<typeof startSimulatedCameras>[0]) => groups.push(await startSimulatedCameras({count: 1, host, credentials: CREDS, ...options}))
  await quirky(NET + '41', {quirks: {malformedXml: true}, namePrefix: 'Broken'})
  await quirky(NET + '42', {quirks: {noReply: true}, namePrefix: 'Silent'})
  await quirky(NET + '43', {quirks: {duplicateMatches: true, clockSkewSeconds: 420, namespaces: true}, namePrefix: 'Quirky'})
  await quirky(NET + '44', {credentials: null, namePrefix: 'Open'})
  await fakePeer(NET + '50', (id) => probeMatchesMessage(id, {endpoint: 'urn:uuid:printer-1', types: ['wprt:PrintDeviceType'], scopes: [], xaddrs: [`http://${NET}50:5357/printer`], metadataVersion: 1}))
  await fakePeer(NET + '51', () => '<s:Envelope><s:Body><d:ProbeMatches>')
})

afterAll(async () => {
  for (const peer of peers) peer.close()
  await Promise.all(groups.map((g) => g.stop()))
})

describe('unicast sweep', () => {
  let devices: DiscoveredDevice[]
  let durationMs: number
  beforeAll(async () => {
    const report = await discover({multicast: false, subnets: [NET + '0/24'], credentials: [CREDS], timeoutMs: 3000, detailsTimeoutMs: 1500})
    devices = report.devices
    durationMs = report.durationMs
  })

  it('finds all 20 cameras of a /24 within the timeout plus a second, and reads their details', () => {
    expect(durationMs).toBeLessThan(4000 + 300) // details included
    for (const camera of fleet.cameras) {
      const found = at(devices, camera.address)
      expect(found, camera.address).toBeDefined()
      expect(found).toMatchObject({auth: 'ok', user: 'admin', manufacturer: camera.manufacturer, model: camera.model, serial: camera.serial, mac: camera.mac, endpointReference: camera.endpointReference, name: camera.name})
      expect(found!.profiles.map((p) => p.rtspUri)).toEqual(camera.streams.map((s) => s.rtspUrl))
      expect(found!.profiles[0]).toMatchObject({encoding: 'H264', width: 640, height: 360, fps: 10, snapshotUri: camera.snapshotUrl})
    }
  })

  it('reports a device with malformed XML and one that never answers, without breaking the scan', () => {
    expect(at(devices, NET + '41')).toMatchObject({name: 'Broken 01', error: expect.stringMatching(/malformed XML/)})
    // Its own timeout or the scan's deadline, whichever comes first.
    expect(at(devices, NET + '42')).toMatchObject({name: 'Silent 01', error: expect.stringMatching(/^(no reply within 1500 ms|details did not arrive in time)$/)})
    expect(at(devices, NET + '51')).toMatchObject({error: expect.stringMatching(/malformed discovery reply/)})
  })

  it('lists a duplicate-answering, skewed-clock camera once and authenticates with device time', () => {
    expect(devices.filter((d) => d.name === 'Quirky 01')).toHaveLength(1)
    const quirky = at(devices, NET + '43')!
    expect(quirky.auth).toBe('ok')
    expect(quirky.clockSkewSeconds).toBeGreaterThanOrEqual(418)
    expect(quirky.clockSkewSeconds).toBeLessThanOrEqual(422)
    expect(quirky.profiles).toHaveLength(2)
  })

  it('marks a camera without any password as open, and leaves out the printer', () => {
    expect(at(devices, NET + '44')?.auth).toBe('open')
    expect(at(devices, NET + '50')).toBeUndefined()
    expect(ours(devices)).toHaveLength(25)
  })

  it('writes a discovery file that holds no password and reads back', () => {
    const file = toDiscoveryFile({startedAt: new Date().toISOString(), durationMs: 1, discoveryMs: 1, scan: {interfaces: [], subnets: [], hosts: [], onvifPorts: [], multicast: false, probesSent: 0, receiveBufferBytes: 0}, devices, warnings: []})
    const text = JSON.stringify(file)
    expect(text).not.toContain(CREDS.password)
    expect(parseDiscoveryFile(text).devices).toHaveLength(devices.length)
    expect(() => parseDiscoveryFile('{"format":"rtcc-discovery","version":1}', 'x.json')).toThrow(/not a discovery file/)
  })
})

describe('credentials', () => {
  const sweep = (credentials: {user: string; password: string}[]) => discover({multicast: false, subnets: [NET + '0/27'], credentials})

  it('says "credentials rejected" for a wrong password and "credentials needed" for none', async () => {
    const [wrong, none] = await Promise.all([sweep([{user: 'admin', password: 'guess'}]), sweep([])])
    const states = (r: {devices: DiscoveredDevice[]}) => new Set(fleet.cameras.map((c) => at(r.devices, c.address)?.auth))
    expect(states(wrong)).toEqual(new Set(['credentials_rejected']))
    expect(states(none)).toEqual(new Set(['credentials_needed']))
    expect(at(wrong.devices, fleet.cameras[0]!.address)?.profiles).toEqual([])
  })

  it('tries credential rows in order until one works', async () => {
    const report = await discover({multicast: false, subnets: [NET + '11/32'], credentials: [{user: 'admin', password: 'old'}, CREDS]})
    expect(report.devices[0]).toMatchObject({auth: 'ok', user: 'admin', manufacturer: fleet.cameras[0]!.manufacturer})
  })
})

describe('multicast on loopback', () => {
  it('finds every camera in one scan of the loopback interface', async (ctx) => {
    const probe = dgram.createSocket({type: 'udp4', reuseAddr: true})
    const usable = await new Promise<boolean>((resolve) =>
      probe.bind(0, '127.0.0.1', () => {
        try {
          probe.setMulticastInterface('127.0.0.1')
          resolve(fleet.cameras.every((c) => c.multicast))
        } catch {
          resolve(false)
        }
      }),
    )
    probe.close()
    if (!usable) {
      console.warn('skipped: this host does not route multicast on loopback; the unicast sweep tests cover discovery')
      return ctx.skip()
    }
    const report = await discover({interfaces: ['127.0.0.1'], details: false, timeoutMs: 3000})
    expect(report.discoveryMs).toBeLessThan(2500)
    for (const camera of fleet.cameras) expect(at(report.devices, camera.address)?.foundBy, camera.address).toContain('multicast')
    // Linux reports twice the size granted, capped by net.core.rmem_max.
    const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'))
    expect(report.scan.receiveBufferBytes).toBeGreaterThanOrEqual(Math.min(2 * 1024 * 1024, 2 * rmemMax))
  })
})

describe('non-camera peers', () => {
  it('keeps the printer only with all', async () => {
    const report = await discover({multicast: false, subnets: [NET + '48/29'], details: false, all: true})
    expect(at(report.devices, NET + '50')).toMatchObject({kind: 'other', types: ['wprt:PrintDeviceType']})
  })
})

describe('stream probing', () => {
  it('reads codec, resolution and fps of each profile with ffprobe', async () => {
    const report = await discover({multicast: false, subnets: [NET + '12/32'], credentials: [CREDS], probeStreams: true})
    const [main, sub] = report.devices[0]!.profiles
    expect(main?.stream).toEqual({codec: 'h264', width: 640, height: 360, fps: 10})
    expect(sub?.stream).toEqual({codec: 'h264', width: 320, height: 180, fps: 5})
  })
})
