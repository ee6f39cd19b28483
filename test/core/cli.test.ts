/**
 * The installer's and the investigator's path through the real CLI (built dist/), scriptable end to
 * end: enrolment code, discovery file, provisioning from files, the Core agent as its own process,
 * live view, recording, snapshot, refusal, and a camera without ONVIF added by RTSP URL.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {ApiClient} from '../../src/lib/client/api.js'
import {openStream} from '../../src/lib/client/streams.js'
import {readCoreConfig} from '../../src/lib/core/config.js'
import {readLocalPolicies} from '../../src/lib/core/policies.js'
import type {ProvisionResult} from '../../src/lib/core/provision.js'
import {readAgentState} from '../../src/lib/core/state.js'
import type {CoreStatus} from '../../src/lib/core/status.js'
import type {CoreView, EnrollCodeView} from '../../src/lib/domain/core.js'
import type {StreamGrant} from '../../src/lib/domain/stream.js'
import {ffmpegPath} from '../../src/lib/media/ffmpeg.js'
import {probeStream} from '../../src/lib/media/probe.js'
import {type SimulatorHandle, startSimulatedCameras} from '../../src/lib/onvif/simulator/index.js'
import {runCli} from '../helpers/cli.js'
import {runInProcess} from '../helpers/cli-in-process.js'
import {removeDir, startTestServer, tempDir, type TestServer} from '../helpers/server.js'
import {CAMERA_CREDENTIALS, until} from './helpers.js'

let t: TestServer
let sim: SimulatorHandle
let work: string
let coreDir: string
let ownerId: string
let agent: ChildProcess | undefined
let provisioned: ProvisionResult
let investigator: ApiClient
const env: Record<string, Record<string, string>> = {}

// In this process (same dist/ code and oclif handling, no start-up per call); `discover`, `core run`
// and `stream open --play` below go through bin/run.js as processes.
const cli = (who: 'admin' | 'investigator' | 'core', args: string[]) => runInProcess(args, {env: env[who]})

beforeAll(async () => {
  t = await startTestServer()
  sim = await startSimulatedCameras({count: 2, host: '127.0.9.52', credentials: CAMERA_CREDENTIALS, multicast: false, width: 320, height: 180})
  work = tempDir('rtcc-core-cli-')
  coreDir = join(work, 'core')
  ownerId = (await t.anonymous().post<{owner: {id: string}}>('/v1/owners/signup', {username: 'kiosk-owner', password: 'Shop-Keeper-Passphrase-1', profile: {displayName: 'Corner Store LLC', email: 'cli@example.org'}})).owner.id
  investigator = await t.userClient('cli-detective', 'investigator')
  const base = {RTCC_CONFIG_DIR: join(work, 'profile'), RTCC_SERVER: t.url, RTCC_FINGERPRINT: t.fingerprint}
  env.admin = {...base, RTCC_TOKEN: t.admin.options.token!}
  env.investigator = {...base, RTCC_TOKEN: investigator.options.token!}
  env.core = {RTCC_CONFIG_DIR: join(work, 'profile'), RTCC_CORE_DIR: coreDir, RTCC_CAMERA_PASSWORD: CAMERA_CREDENTIALS.password}
})

afterAll(async () => {
  agent?.kill('SIGKILL')
  await t?.stop()
  await sim?.stop()
  if (work) removeDir(work)
  if (t) removeDir(t.dataDir)
})

describe('rtcc core and rtcc stream, as installers and investigators use them', () => {
  it('provisions a Core from a discovery file, credentials and policy files, with no prompts', async () => {
    const code = await cli('admin', ['core', 'enroll-code', '--owner', ownerId, '--expires', '1h', '--json'])
    expect(code.code, code.stderr).toBe(0)
    const enroll = code.json<EnrollCodeView>()
    expect(enroll.code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/)

    const discovery = join(work, 'discovery.json')
    const found = await runCli(['discover', '--no-multicast', '--subnet', '127.0.9.52/31', '--timeout', '1s', '--user', 'admin', '-o', discovery, '--json'], {env: env.core})
    expect(found.code, found.stderr).toBe(0)
    writeFileSync(join(work, 'creds.csv'), `user,password,hosts\n${CAMERA_CREDENTIALS.user},${CAMERA_CREDENTIALS.password},127.0.9.52/31\n`)
    writeFileSync(join(work, 'policies.csv'), 'camera,live,recorded\n127.0.9.52,always,never\n127.0.9.53,never,never\n')

    const args = ['core', 'provision', '--server', t.url, '--code', enroll.code, '--from', discovery, '--credentials', join(work, 'creds.csv'), '--policies', join(work, 'policies.csv'), '--name', 'CLI Store', '--at', '41.88,-87.63', '--fingerprint', t.fingerprint, '--json']
    const result = await cli('core', args)
    expect(result.code, result.stderr).toBe(0)
    provisioned = result.json<ProvisionResult>()
    expect(provisioned).toMatchObject({name: 'CLI Store', ownerId, ownerName: 'Corner Store LLC', fingerprint: t.fingerprint, configDir: coreDir})
    expect(provisioned.cameras.map((c) => [c.live, c.stream.codec, c.stream.width])).toEqual([['always', 'h264', 320], ['never', 'h264', 320]])
    for (const file of ['core.json', 'identity.key', 'policies.json']) expect(statSync(join(coreDir, file)).mode & 0o777, file).toBe(0o600)
    // The code is spent: a second Core cannot enrol with it, and nothing is written for it.
    const again = await cli('core', [...args.slice(0, -1), '--config-dir', join(work, 'second'), '--json'])
    expect(again.code).toBe(4)
    expect(again.json<{error: {code: string; message: string}}>().error).toMatchObject({code: 'enroll_code_used'})
    expect(() => statSync(join(work, 'second', 'core.json'))).toThrow()
  })

  it('runs the agent as its own process and shows it in core status and core list', async () => {
    agent = spawn(process.execPath, [fileURLToPath(new URL('../../bin/run.js', import.meta.url)), 'core', 'run', '--health-interval', '1h'], {env: {...process.env, ...env.core}, stdio: ['ignore', 'ignore', 'pipe']})
    let log = ''
    agent.stderr!.on('data', (d) => (log += d))
    await until(() => t.server.ctx.cores.session(provisioned.coreId) !== undefined, 'the Core process to connect', 20_000).catch((error: Error) => {
      throw new Error(`${error.message}; agent log:\n${log}`)
    })
    await until(() => readAgentState(coreDir)?.link.state === 'online', 'the agent to record the link online')
    const status = (await cli('core', ['core', 'status', '--json'])).json<CoreStatus>()
    expect(status).toMatchObject({coreId: provisioned.coreId, name: 'CLI Store', agent: {running: true}})
    expect(status.cameras.map((c) => c.live)).toEqual(['always', 'never'])
    const list = await cli('investigator', ['core', 'list', '--json'])
    expect(list.json<CoreView[]>()).toMatchObject([{id: provisioned.coreId, name: 'CLI Store', online: true}])
  })

  it('opens, lists, records and snapshots an `always` camera, and refuses a `never` one', async () => {
    const [always, never] = provisioned.cameras
    const open = await cli('investigator', ['stream', 'open', always!.id, '--json'])
    expect(open.code, open.stderr).toBe(0)
    const grant = open.json<StreamGrant>()
    expect(grant).toMatchObject({cameraId: always!.id, policy: {code: 'always'}})
    expect((await probeStream(grant.url)).codec).toBe('h264')

    const clip = join(work, 'clip.mp4')
    const recorded = await cli('investigator', ['stream', 'record', always!.id, '--duration', '2s', '-o', clip, '--json'])
    expect(recorded.code, recorded.stderr).toBe(0)
    const info = await probeStream(clip)
    expect(info).toMatchObject({codec: 'h264', width: 320, height: 180})
    expect(info.durationSeconds).toBeGreaterThan(1)
    expect(info.durationSeconds).toBeLessThan(3.5)

    const frame = join(work, 'frame.jpg')
    expect((await cli('investigator', ['stream', 'snapshot', always!.id, '-o', frame])).code).toBe(0)
    expect(readFileSync(frame).subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]))

    // --play feeds the player through a loopback relay; this stand-in player decodes 5 frames and exits.
    const player = join(work, 'ffplay')
    writeFileSync(player, `#!/bin/sh\nfor a; do url=$a; done\nexec '${ffmpegPath()}' -hide_banner -loglevel error -i "$url" -frames:v 5 -f framemd5 - > '${join(work, 'played.txt')}'\n`, {mode: 0o755})
    const played = await runCli(['stream', 'open', always!.id, '--play'], {env: {...env.investigator, RTCC_PLAYER: player}})
    expect(played.code, played.stderr).toBe(0)
    expect(readFileSync(join(work, 'played.txt'), 'utf8').split('\n').filter((l) => /^0,/.test(l))).toHaveLength(5)

    const refused = await cli('investigator', ['stream', 'open', never!.id])
    expect(refused.code).toBe(4)
    expect(refused.stderr).toMatch(/never shares live video/)
  })

  it('adds a camera without ONVIF by RTSP URL after checking it with ffprobe, and refuses one that gives no video', async () => {
    const rtsp = sim.cameras[0]!.streams[1]!.rtspUrl
    const bad = await cli('core', ['core', 'camera', 'add', '--rtsp', 'rtsp://127.0.9.52:1/nothing', '--name', 'Ghost', '--json'])
    expect(bad.code).toBe(1)
    expect(bad.json<{error: {message: string}}>().error.message).toMatch(/camera not added/)
    const added = await cli('core', ['core', 'camera', 'add', '--rtsp', rtsp, '--name', 'DVR channel 2', '--user', 'admin', '--live-policy', 'always', '--json'])
    expect(added.code, added.stderr).toBe(0)
    const camera = added.json<{id: string; live: string}>()
    expect(camera).toMatchObject({live: 'always'})
    expect(readCoreConfig(coreDir).cameras.map((c) => c.name)).toEqual(['Sim Camera 01 (127.0.9.52)', 'Sim Camera 02 (127.0.9.53)', 'DVR channel 2'])
    expect(readLocalPolicies(coreDir)[camera.id]!.live.mode).toBe('always')
    // The running agent serves it at once.
    expect(await openStream(investigator, camera.id)).toMatchObject({cameraId: camera.id, policy: {code: 'always'}})
  })

  it('stops the agent cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => agent!.once('exit', resolve))
    agent!.kill('SIGTERM')
    expect(await exited).toBe(0)
    await until(() => t.server.ctx.cores.session(provisioned.coreId) === undefined, 'the server to see the Core leave')
    expect(readAgentState(coreDir)?.link.state).toBe('stopped')
  })
})
