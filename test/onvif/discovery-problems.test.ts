/**
 * Cameras that misbehave after discovery: one that takes the credentials and then sends a broken
 * GetDeviceInformation, and one too slow to finish before the scan's deadline (timeout + 1 s).
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {DETAILS_LATE} from '../../src/lib/onvif/device-client.js'
import {type DiscoveredDevice, discover, type DiscoveryReport} from '../../src/lib/onvif/discovery.js'
import {type SimulatorHandle, startSimulatedCameras} from '../../src/lib/onvif/simulator/index.js'

// This file owns 127.0.43.0/24.
const NET = '127.0.43.'
const CREDS = {user: 'admin', password: 'site-pass-43'}
const groups: SimulatorHandle[] = []
let report: DiscoveryReport
const at = (address: string): DiscoveredDevice | undefined => report.devices.find((d) => d.address === address)

beforeAll(async () => {
  const start = async (host: string, options: Parameters<typeof startSimulatedCameras>[0]) => groups.push(await startSimulatedCameras({count: 1, host, credentials: CREDS, multicast: false, ...options}))
  await start(NET + '11', {quirks: {malformedDeviceInfo: true}, namePrefix: 'Garbled'})
  await start(NET + '12', {quirks: {slowMs: 700}, namePrefix: 'Sluggish'})
  await start(NET + '13', {namePrefix: 'Healthy'})
  report = await discover({multicast: false, subnets: [NET + '8/29'], credentials: [CREDS], timeoutMs: 2000})
})

afterAll(async () => {
  await Promise.all(groups.map((g) => g.stop()))
})

describe('problems while reading details', () => {
  it('a camera that accepted the credentials but sent a malformed GetDeviceInformation is reachable, with that problem, and its streams are still read', () => {
    const garbled = at(NET + '11')
    expect(garbled).toMatchObject({name: 'Garbled 01', auth: 'ok', user: 'admin', error: expect.stringMatching(/^malformed device information: /)})
    expect(garbled!.manufacturer).toBeUndefined()
    expect(garbled!.profiles.map((p) => p.rtspUri)).toEqual(groups[0]!.cameras[0]!.streams.map((s) => s.rtspUrl))
  })

  it('ends the whole scan by the timeout plus a second, listing a camera whose details did not arrive in time with that problem', () => {
    expect(report.durationMs).toBeLessThan(3000 + 400)
    expect(at(NET + '12')).toMatchObject({name: 'Sluggish 01', error: DETAILS_LATE})
    expect(at(NET + '13')).toMatchObject({name: 'Healthy 01', auth: 'ok', manufacturer: 'rtcc'})
    expect(at(NET + '13')!.error).toBeUndefined()
    expect(at(NET + '13')!.profiles).toHaveLength(2)
    expect(report.devices).toHaveLength(3)
  })
})
