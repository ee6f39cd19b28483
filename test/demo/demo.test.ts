import {existsSync, readdirSync} from 'node:fs'
import {connect, createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, describe, expect, it} from 'vitest'

import {ApiClient} from '../../src/lib/client/api.js'
import {apiDashboardSource} from '../../src/lib/client/dashboard.js'
import {followEvents} from '../../src/lib/client/events.js'
import type {RtccEvent} from '../../src/lib/domain/events.js'
import type {FootageRequest} from '../../src/lib/domain/requests.js'
import {type Demo, startDemo} from '../../src/lib/demo/index.js'
import {Narrator, playNarrated} from '../../src/lib/demo/narrator.js'
import {runCli} from '../helpers/cli.js'

const demoDirs = () => readdirSync(tmpdir()).filter((d) => d.startsWith('rtcc-demo-'))

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

const listening = new AbortController()
const configBefore = process.env.RTCC_CONFIG_DIR

describe('rtcc demo', () => {
  let demo: Demo | undefined
  afterAll(async () => {
    listening.abort()
    await demo?.stop()
  })

  it('plays the scenario through the real API and cleans up everything it started', async () => {
    demo = await startDemo({version: 'test', syntheticCameras: 200, simulatedCameras: 2})
    const {info} = demo
    expect(info.registry.sources.map((s) => [s.source, s.imported])).toEqual([['chicago-red-light', 149], ['chicago-speed', 160], ['demo-synthetic', 200]])
    // The city's and the generated cameras, the resident's doorbell, and the two the shop's Core registered.
    expect(info.registry.cameras).toBe(149 + 160 + 200 + 1 + 2)
    expect(info.accounts.map((a) => a.role)).toEqual(['admin', 'investigator', 'owner', 'owner'])
    expect(info.core.cameras.map((c) => [c.name, c.live])).toEqual([['Front door', 'emergency'], ['Register', 'approval']])

    const seen: RtccEvent[] = []
    const events = (async () => {
      for await (const event of followEvents(demo!.dashboardApi, {lastEventId: 0, signal: listening.signal})) seen.push(event)
    })().catch(() => undefined)
    // Narrated as the dashboard shows it: each step as it happens, then that the scenario is over.
    const narration = new Narrator()
    const narrated: string[] = []
    narration.subscribe((line) => narrated.push(line))
    const steps = await playNarrated(demo, narration, {paceMs: 0})
    expect(narrated[0]).toMatch(/playing a scenario of 10 steps/)
    expect(narrated.slice(1, -1)).toEqual(steps.map((s, i) => expect.stringContaining(`demo ${i + 1}/10 ✓ ${s.step}: `)))
    expect(narrated.at(-1)).toMatch(/^demo scenario over: 10 of 10 steps done\./)
    expect(steps.map((s) => [s.step, s.outcome]), JSON.stringify(steps, null, 1)).toEqual([
      ['canvass issued', 'done'],
      ['resident declines', 'done'],
      ['shop owner opens the request', 'done'],
      ['shop owner fulfils with a clip', 'done'],
      ['shop owner presses the panic button', 'done'],
      ['investigator watches the front door (emergency)', 'done'],
      ['investigator asks for the register camera', 'done'],
      ['shop owner approves 15 minutes', 'done'],
      ['investigator watches the register (approved)', 'done'],
      ['shop owner clears the panic', 'done'],
    ])

    // What the investigator (the dashboard's account) sees afterwards, through the API.
    const requests = await demo.dashboardApi.get<FootageRequest[]>('/v1/requests', {case: info.incident.caseId})
    expect(requests.find((r) => r.owner?.displayName === 'Marisol Vega')).toMatchObject({status: 'fulfilled', evidence: [expect.objectContaining({cameraId: info.core.cameras[0]!.id})]})
    expect(requests.find((r) => r.owner?.displayName === 'Ray Okafor')).toMatchObject({status: 'declined'})
    const [frontDoor, register] = info.core.cameras
    await until(() => seen.some((e) => e.type === 'stream.stopped' && e.data.cameraId === frontDoor!.id), 'the front door share to end with the panic')
    const types = seen.map((e) => e.type)
    for (const type of ['request.issued', 'request.declined', 'request.fulfilled', 'panic.triggered', 'stream.started', 'access.requested', 'access.approved', 'panic.cleared', 'stream.stopped']) expect(types).toContain(type)
    const panic = seen.find((e) => e.type === 'panic.triggered')!
    expect(panic.data).toMatchObject({site: "Marisol's Corner Store", cameras: [expect.objectContaining({id: frontDoor!.id})]})

    // The register stays live (approved): the dashboard's thumbnail gets its picture from the server.
    const jpeg = await apiDashboardSource(demo.dashboardApi).snapshot(register!.id)
    expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]))

    listening.abort()
    await events
    await demo.stop()
    expect(existsSync(info.server.dataDir)).toBe(false)
    await expect(new ApiClient({baseUrl: info.server.url}).get('/v1/health')).rejects.toThrow(/cannot reach/)
    const rtsp = new URL(info.core.cameras[0]!.rtspUrl)
    await expect(new Promise((resolve, reject) => connect(Number(rtsp.port), rtsp.hostname).on('connect', resolve).on('error', reject))).rejects.toThrow(/ECONNREFUSED/)
    expect(process.env.RTCC_CONFIG_DIR).toBe(configBefore)
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
    const result = await runCli(['demo', '--no-dashboard', '--json', '--registry-size', '50', '--cameras', '2'], {timeoutMs: 150_000})
    expect(result.code, result.stderr).toBe(0)
    const out = result.json<{server: {url: string; dataDir: string}; accounts: {role: string; username: string; password: string}[]; scenario: {outcome: string}[]; dashboardEnv: Record<string, string>}>()
    expect(out.server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    expect(out.accounts.find((a) => a.role === 'investigator')?.password).toMatch(/^demo-/)
    expect(out.dashboardEnv.RTCC_TOKEN).toMatch(/^rtcc_t_/)
    expect(out.scenario.map((s) => s.outcome)).toEqual(Array(10).fill('done'))
    expect(existsSync(out.server.dataDir)).toBe(false)
    expect(result.stderr).toContain('stopping the demo')
  })

  it('asks for a terminal, or --no-dashboard, when it has none', async () => {
    const result = await runCli(['demo'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--no-dashboard')
  })
})
