/** The Core's small rules: reconnect delays, where cameras and policies come from when provisioning. */
import {describe, expect, it} from 'vitest'

import {backoffDelay, FAST_RETRY, Reconnect, STABLE_MS} from '../../src/lib/core/backoff.js'
import {candidatesFromDiscovery, planCameras, splitRtspUrl} from '../../src/lib/core/plan.js'
import type {DiscoveryFile} from '../../src/lib/onvif/discovery-file.js'

describe('reconnect backoff', () => {
  it('grows exponentially to its cap, with half of each step random', () => {
    const policy = {baseMs: 1000, maxMs: 60_000}
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, policy, () => 0))).toEqual([500, 1000, 2000, 4000])
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, policy, () => 1))).toEqual([1000, 2000, 4000, 8000])
    expect(backoffDelay(50, policy, () => 0.5)).toBe(45_000)
  })

  it('retries within 0.2–0.6 s for a minute after a server shutdown or the drop of a healthy link, and backs off for a link that flaps', () => {
    let now = 0
    let random = 0
    const schedule = () => new Reconnect({baseMs: 1000, maxMs: 60_000}, () => random, () => now)
    const restart = schedule()
    restart.dropped(500, true)
    const early = [0, 1].map((r) => ((random = r), restart.next()))
    now = 59_000
    const late = restart.next()
    now = 61_000
    expect([...early, late, restart.next()]).toEqual([FAST_RETRY.minMs, FAST_RETRY.maxMs, FAST_RETRY.maxMs, 1000])

    const healthy = schedule()
    healthy.dropped(STABLE_MS, false)
    expect(healthy.next()).toBeLessThanOrEqual(FAST_RETRY.maxMs)
    const flapping = schedule()
    flapping.dropped(2000, false)
    expect([flapping.next(), flapping.next(), flapping.next()]).toEqual([1000, 2000, 4000])
  })
})

const device = (address: string, extra: Partial<DiscoveryFile['devices'][number]> = {}): DiscoveryFile['devices'][number] => ({
  address, kind: 'camera', auth: 'ok', user: 'admin', foundBy: ['unicast'], scopes: [], name: `Cam ${address}`, manufacturer: 'Axis', model: 'P1',
  deviceServiceUrl: `http://${address}/onvif/device_service`, profiles: [{token: 'p1', rtspUri: `rtsp://${address}/main`}], ...extra,
})

describe('provisioning plans', () => {
  const file: DiscoveryFile = {format: 'rtcc-discovery', version: 1, generatedAt: '2026-01-01T00:00:00Z', durationMs: 1, devices: [
    device('10.0.0.2'), device('10.0.0.3', {auth: 'open', user: undefined}), device('10.0.0.4', {profiles: []}), device('10.0.0.5', {kind: 'other'}),
  ]}

  it('takes cameras with a stream from a discovery file, matches credentials by host and gives policies', () => {
    const candidates = candidatesFromDiscovery(file)
    expect(candidates.map((c) => c.address)).toEqual(['10.0.0.2', '10.0.0.3'])
    const planned = planCameras({
      candidates,
      credentials: [{user: 'viewer', password: 'a', hosts: '10.0.0.3'}, {user: 'admin', password: 'b'}],
      defaults: {live: 'never', recorded: 'never'},
      policyRows: [{camera: '10.0.0.3', live: 'always', recorded: 'approval'}],
    })
    expect(planned.map((p) => [p.address, p.credentials?.user, p.live, p.recorded])).toEqual([['10.0.0.2', 'admin', 'never', 'never'], ['10.0.0.3', 'viewer', 'always', 'approval']])
  })

  it('refuses a policy row for a camera that is not being provisioned', () => {
    expect(() => planCameras({candidates: candidatesFromDiscovery(file), credentials: [], defaults: {live: 'never', recorded: 'never'}, policyRows: [{camera: '10.9.9.9', live: 'always', recorded: 'never'}]})).toThrow(/10\.9\.9\.9/)
  })

  it('keeps credentials out of stored RTSP URLs', () => {
    expect(splitRtspUrl('rtsp://admin:p%40ss@10.0.0.9:554/live')).toEqual({rtspUrl: 'rtsp://10.0.0.9:554/live', credentials: {user: 'admin', password: 'p@ss'}})
    expect(() => splitRtspUrl('http://10.0.0.9/live')).toThrow(/rtsp/)
  })
})
