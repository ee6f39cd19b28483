import {existsSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {writeCoreConfig} from '../../src/lib/core/config.js'
import type {AccessReport, AccessRequest} from '../../src/lib/domain/access.js'
import type {Camera} from '../../src/lib/domain/camera.js'
import {newId} from '../../src/lib/domain/ids.js'
import type {PanicView} from '../../src/lib/domain/panic.js'
import type {CameraPolicy, DecisionExplanation, PolicyView} from '../../src/lib/domain/policy.js'
import {runCli} from '../helpers/cli.js'
import {runInProcess} from '../helpers/cli-in-process.js'
import {removeDir, startTestServer, tempDir, type TestServer} from '../helpers/server.js'
import {ownerWithCameras} from './owner-fixture.js'

let t: TestServer
let ownerConfig: string
let agencyConfig: string
let ownerToken: string
let inesToken: string
let camera: Camera

// In this process (same dist/ code and oclif handling, no start-up per call) unless `run` is runCli.
const as = (token: string, configDir: string, run = runInProcess) => (args: string[]) =>
  run(args, {env: {RTCC_CONFIG_DIR: configDir, RTCC_SERVER: t.url, RTCC_FINGERPRINT: t.fingerprint, RTCC_TOKEN: token}})
const owner = (args: string[]) => as(ownerToken, ownerConfig)(args)
const ines = (args: string[]) => as(inesToken, agencyConfig)(args)

beforeAll(async () => {
  t = await startTestServer()
  ownerConfig = tempDir('rtcc-owner-cli-')
  agencyConfig = tempDir('rtcc-agency-cli-')
  const o = await ownerWithCameras(t, 'deli', 'Deli on Division', [{name: 'Front door', latitude: 41.903, longitude: -87.67}])
  camera = o.cameras[0]!
  ownerToken = o.api.options.token!
  inesToken = (await t.userClient('ines', 'investigator')).options.token!
})

afterAll(async () => {
  await t.stop()
  removeDir(t.dataDir)
  for (const dir of [ownerConfig, agencyConfig]) rmSync(dir, {recursive: true, force: true})
})

describe('owner control from the command line', () => {
  it('policy set signs with a new owner key; agencies see the mode and are refused a change (exit 4)', async () => {
    const set = await as(ownerToken, ownerConfig, runCli)(['policy', 'set', 'Front door', '--live', 'emergency', '--recorded', 'approval', '--schedule', 'Mon-Fri 22:00-06:00', '--time-zone', 'America/Chicago', '--json'])
    expect(set.code, set.stderr).toBe(0)
    expect(set.json<{policy: CameraPolicy}>().policy).toMatchObject({cameraId: camera.id, live: {mode: 'emergency', schedule: [{days: [1, 2, 3, 4, 5], from: '22:00', to: '06:00'}]}, timeZone: 'America/Chicago'})
    expect(set.stderr).toContain('made your owner key')
    expect(existsSync(join(ownerConfig, 'owner-keys'))).toBe(true)

    const [shown, refused, badSchedule] = await Promise.all([
      ines(['policy', 'show', '--json']),
      ines(['policy', 'set', camera.id, '--live', 'always']),
      owner(['policy', 'set', camera.id, '--schedule', 'Mon-Fry 22:00-06:00']),
    ])
    expect(shown.json<PolicyView[]>()).toEqual([expect.objectContaining({view: 'agency', cameraId: camera.id, live: 'emergency', recorded: 'approval'})])
    expect(shown.stdout).not.toContain('22:00')
    expect(refused.code).toBe(4)
    expect(refused.stderr).toMatch(/owner's alone/)
    expect(existsSync(join(agencyConfig, 'owner-keys'))).toBe(false)
    expect(badSchedule.code).toBe(2)
    expect(badSchedule.stderr).toContain('"Fry" is not a day')
  })

  it('panic trigger names the cameras it opens; panic clear ends it', async () => {
    const trigger = await as(ownerToken, ownerConfig, runCli)(['panic', 'trigger', '--message', 'robbery', '--duration', '30m', '--json'])
    expect(trigger.code, trigger.stderr).toBe(0)
    const panic = trigger.json<PanicView>()
    expect(panic).toMatchObject({site: 'Deli on Division', message: 'robbery'})
    // Emergency applies only inside the owner's Mon-Fri night schedule: the camera opens only then.
    const local = new Intl.DateTimeFormat('en-US', {timeZone: 'America/Chicago', weekday: 'short', hour: 'numeric', hourCycle: 'h23'}).formatToParts(new Date())
    const day = local.find((p) => p.type === 'weekday')!.value
    const hour = Number(local.find((p) => p.type === 'hour')!.value)
    const night = (['Mon', 'Tue', 'Wed', 'Thu', 'Fri'].includes(day) && hour >= 22) || (['Tue', 'Wed', 'Thu', 'Fri', 'Sat'].includes(day) && hour < 6)
    expect(panic.cameras.map((c) => c.id)).toEqual(night ? [camera.id] : [])
    const [status, clear] = [await ines(['panic', 'status', '--json']), await owner(['panic', 'clear', '--json'])]
    expect(status.json<PanicView[]>().map((p) => p.panicId)).toEqual([panic.panicId])
    expect(clear.code, clear.stderr).toBe(0)
    expect(clear.json<{cleared: PanicView[]}>().cleared[0]!.clearedAt).not.toBeNull()
  })

  it('access request → inbox → approve → policy test → access report', async () => {
    const asked = await as(inesToken, agencyConfig, runCli)(['access', 'request', camera.id, '--reason', 'stolen car seen on Division', '--duration', '20m', '--json'])
    expect(asked.code, asked.stderr).toBe(0)
    const request = asked.json<AccessRequest>()
    const inbox = await owner(['access', 'inbox', '--json'])
    expect(inbox.json<AccessRequest[]>().map((r) => r.id)).toEqual([request.id])
    const approved = await owner(['access', 'approve', request.id, '--json'])
    expect(approved.code, approved.stderr).toBe(0)
    expect(approved.json<AccessRequest>()).toMatchObject({status: 'approved'})
    const [test, report] = await Promise.all([ines(['policy', 'test', camera.id, '--kind', 'recorded', '--json']), owner(['owner', 'access-report', '--json'])])
    const decision = test.json<DecisionExplanation>().decision
    expect(decision.code).toBe(decision.allow ? 'approval-active' : 'outside-schedule')
    const entries = report.json<AccessReport>().entries
    expect(entries.find((e) => e.action === 'access.request')).toMatchObject({who: 'ines', cameraName: 'Front door', reason: 'asked for access: stolen car seen on Division'})
    expect(entries.find((e) => e.action === 'policy.change')).toMatchObject({who: 'ines', outcome: 'denied'})
  })

  it('on the Core host, --config-dir edits and shows the Core\'s own policy file without a server', async () => {
    const dir = tempDir('rtcc-core-cli-')
    const cameraId = newId('cam')
    writeCoreConfig(dir, {
      format: 'rtcc-core', version: 1, coreId: newId('core'), name: 'Deli', ownerId: 'own_x', ownerPolicyKey: null, site: {latitude: 41.903, longitude: -87.67, address: null, locationType: 'business'}, enrolledAt: new Date().toISOString(),
      server: {url: 'https://127.0.0.1:9', fingerprint: 'AA:'.repeat(31) + 'AA', certPem: '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----'},
      cameras: [{id: cameraId, name: 'Till', rtspUrl: 'rtsp://127.0.0.1:8554/till', credentials: null, deviceServiceUrl: null, make: null, model: null, addedAt: new Date().toISOString()}],
    })
    const local = (args: string[], run = runInProcess) => run(args, {env: {RTCC_CONFIG_DIR: ownerConfig, RTCC_SERVER: undefined, RTCC_TOKEN: undefined}})
    const set = await local(['policy', 'set', 'till', '--live', 'always', '--recorded', 'approval', '--config-dir', dir, '--json'], runCli)
    expect(set.code, set.stderr).toBe(0)
    const [shown, unknown] = await Promise.all([local(['policy', 'show', '--config-dir', dir, '--json']), local(['policy', 'set', 'Door', '--live', 'always', '--config-dir', dir])])
    expect(shown.json<{cameraId: string; policy: CameraPolicy}[]>()).toEqual([expect.objectContaining({cameraId, cameraName: 'Till', policy: expect.objectContaining({live: {mode: 'always'}, recorded: {mode: 'approval'}})})])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('Till')
    removeDir(dir)
  })
})
