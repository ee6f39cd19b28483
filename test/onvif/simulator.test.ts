import dgram from 'node:dgram'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'
// The `onvif` package's Cam client: what third-party tools use to talk to cameras.
import {Cam} from 'onvif'

import {snapshot} from '../../src/lib/media/snapshot.js'
import {withCredentials} from '../../src/lib/media/redact.js'
import {type SimulatorHandle, startSimulatedCameras} from '../../src/lib/onvif/simulator/index.js'
import {MULTICAST_GROUP, parseDiscoveryMessage} from '../../src/lib/onvif/ws-discovery.js'

const CREDS = {user: 'installer', password: 'train-1'}

function connectCam(hostname: string, port: number, username: string, password: string): Promise<Cam> {
  return new Promise((resolve, reject) => {
    const cam: Cam = new Cam({hostname, port, username, password, timeout: 5000}, (err) => (err ? reject(err) : resolve(cam)))
  })
}

const ask = <T>(call: (cb: (err: Error | null, data?: T) => void) => void) => new Promise<T>((resolve, reject) => call((err, data) => (err ? reject(err) : resolve(data as T))))

describe('the onvif package\'s Cam client against the simulator', () => {
  let sim: SimulatorHandle
  beforeAll(async () => {
    // Quirky on purpose: odd prefixes and a clock 7 minutes off must not stop a standard client.
    sim = await startSimulatedCameras({count: 2, host: '127.0.7.11', vendor: 'mixed', credentials: CREDS, quirks: {namespaces: true, clockSkewSeconds: 420}, multicast: false})
  })
  afterAll(() => sim.stop())

  it('connects, reads profiles, device information and the stream URI', async () => {
    const camera = sim.cameras[1]!
    const cam = await connectCam(camera.address, 8080, CREDS.user, CREDS.password)
    expect(cam.profiles?.map((p) => p.$.token)).toEqual(['Profile_1', 'Profile_2'])
    expect(cam.activeSources?.[0]).toMatchObject({encoding: 'H264', width: 640, height: 360, fps: 10})
    const info = await ask((cb) => cam.getDeviceInformation(cb))
    expect(info).toMatchObject({manufacturer: 'HIKVISION', serialNumber: camera.serial})
    const uri = await ask<{uri: string}>((cb) => cam.getStreamUri({protocol: 'RTSP', profileToken: 'Profile_1'}, cb))
    expect(uri.uri).toBe(camera.streams[0]!.rtspUrl)
  })

  it('gets a NotAuthorized fault and no profiles with a wrong password', async () => {
    // Cam still "connects" (time and services are pre-auth) but drops the media it could not read.
    const cam = await connectCam(sim.cameras[0]!.address, 8080, CREDS.user, 'wrong')
    expect(cam.profiles).toEqual([])
    await expect(ask((cb) => cam.getDeviceInformation(cb))).rejects.toThrow(/not authorized/i)
  })

  it('serves a JPEG snapshot behind Digest auth', async () => {
    const camera = sim.cameras[0]!
    const jpeg = await snapshot(withCredentials(camera.snapshotUrl, CREDS.user, CREDS.password))
    expect(jpeg.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]))
    await expect(snapshot(camera.snapshotUrl)).rejects.toMatchObject({code: 'credentials_rejected'})
  })
})

describe('WS-Discovery announcements', () => {
  it('sends Hello on start and Bye on stop on the loopback multicast group', async () => {
    const listener = dgram.createSocket({type: 'udp4', reuseAddr: true})
    await new Promise<void>((resolve) => listener.bind(3702, MULTICAST_GROUP, resolve))
    try {
      listener.addMembership(MULTICAST_GROUP, '127.0.0.1')
    } catch (error) {
      console.warn(`skipped: this host refuses multicast on loopback (${(error as Error).message})`)
      listener.close()
      return
    }
    const seen: {action: string; endpoint: string}[] = []
    listener.on('message', (m) => {
      try {
        const msg = parseDiscoveryMessage(m.toString())
        for (const e of msg.endpoints) seen.push({action: msg.action, endpoint: e.endpoint})
      } catch {
        // other traffic on the group
      }
    })
    const sim = await startSimulatedCameras({count: 2, host: '127.0.7.31'})
    const ids = sim.cameras.map((c) => c.endpointReference)
    await new Promise((r) => setTimeout(r, 300))
    await sim.stop()
    await new Promise((r) => setTimeout(r, 300))
    listener.close()
    for (const id of ids) {
      expect(seen).toContainEqual({action: 'Hello', endpoint: id})
      expect(seen).toContainEqual({action: 'Bye', endpoint: id})
    }
  })

  it('explains a port clash instead of half-starting', async () => {
    const sim = await startSimulatedCameras({count: 1, host: '127.0.7.41', multicast: false})
    try {
      await expect(startSimulatedCameras({count: 2, host: '127.0.7.40', multicast: false})).rejects.toMatchObject({code: 'address_in_use'})
      // The first camera of the failed set was stopped again: its address is free for a new one.
      const again = await startSimulatedCameras({count: 1, host: '127.0.7.40', multicast: false})
      await again.stop()
    } finally {
      await sim.stop()
    }
  })
})
