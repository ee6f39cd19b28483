/**
 * A whole site on loopback for Core tests: a real server, simulated ONVIF cameras, an owner, an
 * investigator, and a Core provisioned against them (library calls, no CLI), ready to run.
 */
import {spawn} from 'node:child_process'
import {setTimeout as sleep} from 'node:timers/promises'

import type {ApiClient} from '../../src/lib/client/api.js'
import {type Pin, watch} from '../../src/lib/client/streams.js'
import {type CoreAgent, startCoreAgent} from '../../src/lib/core/agent.js'
import type {BackoffPolicy} from '../../src/lib/core/backoff.js'
import type {PlannedCamera} from '../../src/lib/core/plan.js'
import {provisionCore, type ProvisionResult} from '../../src/lib/core/provision.js'
import type {EnrollCodeView} from '../../src/lib/domain/core.js'
import type {SharingMode} from '../../src/lib/domain/policy.js'
import type {RtccEvent} from '../../src/lib/domain/events.js'
import {ffmpegPath} from '../../src/lib/media/ffmpeg.js'
import {generateOwnerKey, type OwnerKeyPair} from '../../src/lib/policy/document.js'
import {type SimulatorHandle, startSimulatedCameras} from '../../src/lib/onvif/simulator/index.js'
import {removeDir, startTestServer, tempDir, type TestServer, type TestServerOptions} from '../helpers/server.js'

export const CAMERA_CREDENTIALS = {user: 'admin', password: 'site-pass-1'}
export const SITE = {latitude: 41.8781, longitude: -87.6298, address: '1 Test Plaza', locationType: 'business' as const}

export interface Site {
  t: TestServer
  /** The owner's signing key, registered on the server before provisioning (when asked for). */
  ownerKey?: OwnerKeyPair
  sim: SimulatorHandle
  owner: ApiClient
  ownerId: string
  investigator: ApiClient
  dir: string
  core: ProvisionResult
  events: RtccEvent[]
  /** The agent's log lines. */
  logs: string[]
  agent?: CoreAgent
  /** Starts the Core agent, with a short reconnect backoff unless told otherwise. */
  startAgent(options?: {backoff?: BackoffPolicy}): Promise<CoreAgent>
  stop(): Promise<void>
}

let users = 0

export async function enrollCode(t: TestServer, ownerId: string): Promise<string> {
  return (await t.admin.post<EnrollCodeView>('/v1/cores/enroll-codes', {ownerId, expiresInSeconds: 3600})).code
}

export function plannedFromSim(sim: SimulatorHandle, modes: SharingMode[]): PlannedCamera[] {
  return sim.cameras.map((c, i) => ({
    address: c.address,
    name: c.name,
    rtspUrl: c.streams[0]!.rtspUrl,
    deviceServiceUrl: c.deviceServiceUrl,
    make: c.manufacturer,
    model: c.model,
    credentials: CAMERA_CREDENTIALS,
    live: modes[i] ?? 'never',
    recorded: 'never',
  }))
}

/** `host` must be unique per test file (simulated cameras bind their own loopback addresses). */
export async function startSite(options: {host: string; modes: SharingMode[]; fps?: number; ownerKey?: boolean; tls?: TestServerOptions['tls']}): Promise<Site> {
  const t = await startTestServer({tls: options.tls})
  const events: RtccEvent[] = []
  t.server.ctx.events.subscribe((e) => events.push(e))
  const sim = await startSimulatedCameras({count: options.modes.length, host: options.host, credentials: CAMERA_CREDENTIALS, multicast: false, width: 320, height: 180, fps: options.fps ?? 10})
  const n = ++users
  const signup = await t.anonymous().post<{owner: {id: string}}>('/v1/owners/signup', {username: `site-owner-${n}`, password: 'Site-Owner-Passphrase-1', profile: {displayName: `Site Owner ${n}`, email: `owner${n}@example.org`}})
  const owner = await t.login(`site-owner-${n}`, 'Site-Owner-Passphrase-1')
  const investigator = await t.userClient(`detective-${n}`, 'investigator')
  const ownerKey = options.ownerKey ? generateOwnerKey(signup.owner.id) : undefined
  if (ownerKey) await owner.post('/v1/owner-keys', {publicKey: ownerKey.publicKey})
  const dir = tempDir('rtcc-core-')
  const core = await provisionCore({
    server: t.url,
    code: await enrollCode(t, signup.owner.id),
    dir,
    name: 'Corner Store',
    site: SITE,
    cameras: plannedFromSim(sim, options.modes),
    fingerprint: t.fingerprint,
    ownerKeyId: ownerKey?.keyId,
    version: 'test',
  })
  const site: Site = {
    t,
    ownerKey,
    sim,
    owner,
    ownerId: signup.owner.id,
    investigator,
    dir,
    core,
    events,
    logs: [],
    startAgent: async ({backoff = {baseMs: 200, maxMs: 1000}} = {}) => {
      site.agent = startCoreAgent({dir, version: 'test', recheckMs: 250, healthIntervalMs: 60_000, backoff, log: (line) => site.logs.push(line)})
      await until(() => t.server.ctx.cores.session(core.coreId) !== undefined && site.agent!.linkState === 'online', 'the Core to connect')
      return site.agent
    },
    stop: async () => {
      await site.agent?.stop()
      await t.stop()
      await sim.stop()
      removeDir(dir)
      removeDir(t.dataDir)
    },
  }
  return site
}

export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(50)
  }
}

export interface DecodedFrames {
  /** One line per decoded frame: size in bytes and MD5 of the picture. */
  frames: {size: number; md5: string}[]
  stderr: string
}

/**
 * ffmpeg decodes `count` video frames of the relayed stream (read by the client over pinned TLS 1.3
 * and fed on stdin) and lists each picture's MD5 (framemd5): proof that real, changing pictures
 * arrive. (The bundled ffmpeg speaks no TLS 1.3; stream facts come from ffprobe, which does.)
 */
export async function decodeFrames(url: string, pin: Pin, count = 8, timeoutMs = 20_000): Promise<DecodedFrames> {
  const source = await watch(url, pin)
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-f', 'mp4', '-i', 'pipe:0', '-map', '0:v:0', '-frames:v', String(count), '-f', 'framemd5', 'pipe:1'])
    let out = ''
    let err = ''
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    child.stdin.on('error', () => undefined)
    source.pipe(child.stdin)
    child.on('error', reject)
    child.on('close', () => {
      clearTimeout(timer)
      source.destroy()
      const frames = out
        .split('\n')
        .filter((line) => /^\d+,/.test(line))
        .map((line) => {
          const cells = line.split(',').map((c) => c.trim())
          return {size: Number(cells[4]), md5: cells[5]!}
        })
      resolve({frames, stderr: err})
    })
  })
}
