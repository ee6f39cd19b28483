import {existsSync, readdirSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {afterAll, describe, expect, it} from 'vitest'

import {ApiClient} from '../../src/lib/client/api.js'
import {followEvents} from '../../src/lib/client/events.js'
import type {RtccEvent} from '../../src/lib/domain/events.js'
import type {FootageRequest} from '../../src/lib/domain/requests.js'
import {type Demo, startDemo} from '../../src/lib/demo/index.js'
import {runCli} from '../helpers/cli.js'

const demoDirs = () => readdirSync(tmpdir()).filter((d) => d.startsWith('rtcc-demo-'))

async function replay(api: ApiClient, count: number): Promise<RtccEvent[]> {
  const events: RtccEvent[] = []
  const controller = new AbortController()
  for await (const event of followEvents(api, {lastEventId: 0, signal: controller.signal})) {
    events.push(event)
    if (events.length >= count) break
  }
  controller.abort()
  return events
}

describe('rtcc demo', () => {
  let demo: Demo | undefined
  afterAll(async () => {
    await demo?.stop()
  })

  it('plays the scenario through the real API and cleans up everything it started', async () => {
    demo = await startDemo({version: 'test', syntheticCameras: 200, simulatedCameras: 1})
    const {info} = demo
    expect(info.registry.sources.map((s) => [s.source, s.imported])).toEqual([['chicago-red-light', 149], ['chicago-speed', 160], ['demo-synthetic', 200]])
    expect(info.registry.cameras).toBe(149 + 160 + 200 + 2)
    expect(info.accounts.map((a) => a.role)).toEqual(['admin', 'investigator', 'owner', 'owner'])

    const steps = await demo.play({paceMs: 0})
    expect(steps.map((s) => [s.step, s.outcome])).toEqual([
      ['canvass issued', 'done'],
      ['resident declines', 'done'],
      ['shop owner opens the request', 'done'],
      ['shop owner fulfils with a clip', 'done'],
      ['shop owner presses the panic button', 'pending'],
      ['investigator asks for live access, owner approves', 'pending'],
    ])

    // What the investigator (the dashboard's account) sees afterwards, through the API.
    const requests = await demo.dashboardApi.get<FootageRequest[]>('/v1/requests', {case: info.incident.caseId})
    const byOwner = (username: string) => requests.find((r) => r.owner?.displayName === (username === 'marisol' ? 'Marisol Vega' : 'Ray Okafor'))
    expect(byOwner('marisol')).toMatchObject({status: 'fulfilled', evidence: [expect.objectContaining({cameraId: info.simulatedCameras[0]!.cameraId})]})
    expect(byOwner('ray')).toMatchObject({status: 'declined'})
    const events = await replay(demo.dashboardApi, 1 + requests.length)
    expect(events.filter((e) => e.type === 'request.issued')).toHaveLength(requests.length)

    // A frame from the shop's simulated camera, as the dashboard's thumbnail gets it.
    const jpeg = await demo.snapshot(info.simulatedCameras[0]!.cameraId)!
    expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]))

    await demo.stop()
    expect(existsSync(info.server.dataDir)).toBe(false)
    await expect(new ApiClient({baseUrl: info.server.url}).get('/v1/health')).rejects.toThrow(/cannot reach/)
    await expect(fetch(info.simulatedCameras[0]!.snapshotUrl)).rejects.toThrow()
  })

  it('removes what it had started when it cannot finish starting (port taken)', async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as {port: number}).port
    const before = demoDirs()
    try {
      await expect(startDemo({version: 'test', port, syntheticCameras: 0})).rejects.toThrow(/EADDRINUSE/)
      expect(demoDirs().filter((d) => !before.includes(d))).toEqual([])
    } finally {
      blocker.close()
    }
  })

  it('--no-dashboard --json prints the server, the accounts and the scenario, then stops and cleans up', async () => {
    const result = await runCli(['demo', '--no-dashboard', '--json', '--registry-size', '50', '--cameras', '1'], {timeoutMs: 120_000})
    expect(result.code, result.stderr).toBe(0)
    const out = result.json<{server: {url: string; dataDir: string}; accounts: {role: string; username: string; password: string}[]; scenario: {outcome: string}[]; dashboardEnv: Record<string, string>}>()
    expect(out.server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    expect(out.accounts.find((a) => a.role === 'investigator')?.password).toMatch(/^demo-/)
    expect(out.dashboardEnv.RTCC_TOKEN).toMatch(/^rtcc_t_/)
    expect(out.scenario.filter((s) => s.outcome === 'done')).toHaveLength(4)
    expect(existsSync(out.server.dataDir)).toBe(false)
    expect(result.stderr).toContain('stopping the demo')
  })

  it('asks for a terminal, or --no-dashboard, when it has none', async () => {
    const result = await runCli(['demo'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--no-dashboard')
  })
})
