/**
 * Two real `rtcc server start` processes (A and B) on one PostgreSQL database, one NATS JetStream
 * stream, one S3 peer (s3rver) for evidence and one data dir's keys; a real `rtcc core run` process
 * with a simulated camera, provisioned against A with B as its failover.
 */
import {type ChildProcess, execFileSync, spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {ApiClient} from '../../src/lib/client/api.js'
import {followEvents} from '../../src/lib/client/events.js'
import {clearPanic, triggerPanic} from '../../src/lib/client/panic.js'
import {fetchCertificate} from '../../src/lib/client/pinning.js'
import {ownerSigningKey} from '../../src/lib/client/policy-key.js'
import {provisionCore, type ProvisionResult} from '../../src/lib/core/provision.js'
import type {EnrollCodeView} from '../../src/lib/domain/core.js'
import type {RtccEvent} from '../../src/lib/domain/events.js'
import type {CanvassResult} from '../../src/lib/domain/requests.js'
import type {StreamGrant} from '../../src/lib/domain/stream.js'
import {ffmpegPath} from '../../src/lib/media/ffmpeg.js'
import {type SimulatorHandle, startSimulatedCameras} from '../../src/lib/onvif/simulator/index.js'
import {initServer} from '../../src/lib/server/init.js'
import {runCli} from '../helpers/cli.js'
import {createTestDatabase, type TestDatabase} from '../helpers/database.js'
import {type S3Peer, startS3Peer} from '../helpers/s3.js'
import {ADMIN, removeDir, tempDir} from '../helpers/server.js'
import {decodeFrames, plannedFromSim, SITE, until} from '../core/helpers.js'
import {OWNER_PASSWORD, useTempConfigDir} from '../policy/owner-fixture.js'
import {clusterServicesAvailable, deleteStream, type Instance, loginAt, NATS_URL, startInstance, uniqueStream} from './helpers.js'

const available = await clusterServicesAvailable()
const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

/** Every event one dashboard receives, in order, while it runs. */
function dashboard(api: ApiClient, lastEventId?: number) {
  const events: RtccEvent[] = []
  const abort = new AbortController()
  let connected = false
  const running = (async () => {
    for await (const event of followEvents(api, {lastEventId, signal: abort.signal, maxBackoffMs: 500, onState: (s) => (connected = s === 'connected')})) events.push(event)
  })().catch(() => undefined)
  return {
    events,
    ready: () => until(() => connected, 'the dashboard to connect'),
    lastId: () => events.at(-1)?.id,
    stop: async () => {
      abort.abort()
      await running
    },
  }
}

describe.skipIf(!available)('two server instances on one database and one bus', () => {
  let db: TestDatabase
  let dataDir: string
  let coreDir: string
  let stream: string
  let a: Instance
  let b: Instance
  let pin: {certPem: string; fingerprint: string}
  let sim: SimulatorHandle
  let core: ProvisionResult
  let coreProcess: ChildProcess
  let coreLog = ''
  let owner: {a: ApiClient; b: ApiClient}
  let investigator: {a: ApiClient; b: ApiClient}
  let configDir: string
  let s3: S3Peer
  const work = tempDir('rtcc-cluster-work-')

  beforeAll(async () => {
    configDir = useTempConfigDir()
    db = await createTestDatabase()
    dataDir = tempDir('rtcc-cluster-')
    coreDir = tempDir('rtcc-cluster-core-')
    stream = uniqueStream()
    await initServer(dataDir, ADMIN, db.url)
    s3 = await startS3Peer({prefix: stream})
    const bus = `${NATS_URL}?stream=${stream}`
    // Started together, as a deployment would be (migrations and the stream are created once).
    ;[a, b, sim] = await Promise.all([
      startInstance({dataDir, database: db.url, bus, evidence: s3.url}),
      startInstance({dataDir, database: db.url, bus, evidence: s3.url}),
      startSimulatedCameras({count: 1, host: '127.0.12.11', credentials: {user: 'admin', password: 'site-pass-1'}, multicast: false, width: 320, height: 180, fps: 10}),
    ])
    const cert = await fetchCertificate(a.url)
    pin = {certPem: cert.pem, fingerprint: cert.fingerprint}
    const adminA = await loginAt(a.url, pin, ADMIN.username, ADMIN.password)
    await adminA.post('/v1/users', {username: 'ines', password: 'Test-User-Passphrase-42', role: 'investigator'})
    investigator = {a: await loginAt(a.url, pin, 'ines', 'Test-User-Passphrase-42'), b: await loginAt(b.url, pin, 'ines', 'Test-User-Passphrase-42')}
    const signup = await adminA.post<{owner: {id: string}}>('/v1/owners/signup', {username: 'corner-store', password: OWNER_PASSWORD, profile: {displayName: 'Corner Store owner', email: 'corner@example.org'}})
    owner = {a: await loginAt(a.url, pin, 'corner-store', OWNER_PASSWORD), b: await loginAt(b.url, pin, 'corner-store', OWNER_PASSWORD)}
    // The owner's signing key exists and is registered before the panic is timed (and the Core trusts it).
    const {key: ownerKey} = await ownerSigningKey(owner.a)
    const {code} = await adminA.post<EnrollCodeView>('/v1/cores/enroll-codes', {ownerId: signup.owner.id, expiresInSeconds: 3600})
    core = await provisionCore({server: a.url, code, dir: coreDir, name: 'Corner Store', site: SITE, cameras: plannedFromSim(sim, ['always']), fingerprint: pin.fingerprint, ownerKeyId: ownerKey.keyId, version: 'test'})
    coreProcess = spawn(process.execPath, [BIN, 'core', 'run', '--config-dir', coreDir, '--failover-server', b.url], {env: {...process.env, NO_COLOR: '1'}, stdio: ['ignore', 'ignore', 'pipe']})
    coreProcess.stderr!.on('data', (d) => (coreLog += d))
    await until(() => coreLog.includes(`connected to ${a.url}`), 'the Core to link to instance A')
  }, 60_000)

  afterAll(async () => {
    coreProcess?.kill('SIGTERM')
    await Promise.all([a?.kill(), b?.kill()])
    await sim?.stop()
    await s3?.close()
    if (stream) await deleteStream(stream)
    await db?.drop()
    for (const dir of [dataDir, coreDir, work, configDir]) if (dir) removeDir(dir)
  })

  const watching: {onB?: ReturnType<typeof dashboard>; onA?: ReturnType<typeof dashboard>} = {}
  let panicId = 0

  it('a panic triggered through A reaches a dashboard connected to B within a second, with the same id', async () => {
    watching.onB = dashboard(await loginAt(b.url, pin, ADMIN.username, ADMIN.password))
    watching.onA = dashboard(await loginAt(a.url, pin, ADMIN.username, ADMIN.password))
    await Promise.all([watching.onA.ready(), watching.onB.ready()])
    const started = Date.now()
    await triggerPanic(owner.a, {message: 'break-in at the back door', durationMs: 30 * 60_000})
    await until(() => watching.onB!.events.some((e) => e.type === 'panic.triggered'), 'the panic on B', 5000)
    expect(Date.now() - started).toBeLessThan(1000)
    await until(() => watching.onA!.events.some((e) => e.type === 'panic.triggered'), 'the panic on A', 5000)
    const onB = watching.onB.events.find((e) => e.type === 'panic.triggered')!
    const onA = watching.onA.events.find((e) => e.type === 'panic.triggered')!
    expect(onB).toEqual(onA)
    panicId = onB.id
  })

  it('evidence uploaded through A is stored encrypted in S3 and downloads through B with the same SHA-256', async () => {
    const video = join(work, 'back-door.mp4')
    execFileSync(ffmpegPath(), ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=duration=2:size=160x120:rate=10', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', video])
    // The Core's camera only relays live video; the owner's recorder is registered as a camera of its own.
    const recorder = await owner.a.post<{id: string}>('/v1/cameras', {
      name: 'Back door DVR', latitude: SITE.latitude, longitude: SITE.longitude, address: SITE.address, locationType: 'business', make: null, model: null,
      viewDescription: null, viewDirection: null, fieldOfView: null, records: true, retentionDays: 30, liveCapable: false, tags: [],
    })
    const window = {from: new Date(Date.now() - 3 * 3600_000).toISOString(), to: new Date(Date.now() - 2 * 3600_000).toISOString()}
    const canvass = await investigator.a.post<CanvassResult>('/v1/requests/canvass', {latitude: SITE.latitude, longitude: SITE.longitude, radius: '200m', caseId: 'CASE-CLUSTER-1', reason: 'burglary', ...window})
    expect(canvass.requests.map((r) => r.cameras.map((c) => c.cameraId))).toEqual([[recorder.id]])
    const bytes = readFileSync(video)
    const response = await owner.a.http.post(`v1/requests/${canvass.requests[0]!.id}/evidence`, {searchParams: {fileName: 'back-door.mp4'}, body: bytes, headers: {'content-type': 'application/octet-stream'}})
    expect(response.statusCode).toBe(201)
    const uploaded = JSON.parse(response.body) as {id: string; sha256: string}
    const sha256 = createHash('sha256').update(bytes).digest('hex')
    expect(uploaded.sha256).toBe(sha256)
    // The object store holds ciphertext only.
    const stored = await s3.read(uploaded.id)
    expect(stored.length).toBeGreaterThan(bytes.length)
    expect(stored.includes(bytes.subarray(0, 256))).toBe(false)
    const download = await investigator.b.http.get(`v1/evidence/${uploaded.id}/content`, {responseType: 'buffer'})
    expect(download.headers['x-rtcc-sha256']).toBe(sha256)
    expect(createHash('sha256').update(download.body).digest('hex')).toBe(sha256)
  })

  it('a viewer on B watches the camera whose Core is linked to A: A relays it, under a URL B handed out', async () => {
    const camera = core.cameras[0]!
    const grant = await investigator.b.post<StreamGrant>('/v1/streams', {cameraId: camera.id})
    expect(grant).toMatchObject({cameraId: camera.id, started: true, policy: {code: 'always'}})
    expect(grant.url.startsWith(`${a.url}/v1/streams/watch/`)).toBe(true)
    const decoded = await decodeFrames(grant.url, pin, 5)
    expect(decoded.frames).toHaveLength(5)
    expect(new Set(decoded.frames.map((f) => f.md5)).size).toBeGreaterThan(1)
    await until(() => watching.onB!.events.some((e) => e.type === 'stream.started' && e.data.cameraId === camera.id), 'stream.started on B', 5000)
    // The player exits: B passes the leave to A, which ends the stream (its only view).
    await investigator.b.delete(`/v1/streams/${grant.streamId}/views/${grant.viewId}`)
    await until(() => watching.onB!.events.some((e) => e.type === 'stream.stopped' && e.data.streamId === grant.streamId), 'stream.stopped on B', 5000)
  })

  it('kill A: the Core moves to B, B\'s dashboard keeps receiving, and A\'s dashboard resumes on B with nothing lost or twice', async () => {
    const beforeKill = watching.onA!.lastId()!
    const killed = Date.now()
    await a.kill()
    await until(() => coreLog.includes(`connected to ${b.url}`), 'the Core to fail over to B', 10_000)
    const failoverMs = Date.now() - killed
    expect(failoverMs).toBeLessThan(5000)
    await until(() => watching.onB!.events.some((e) => e.type === 'core.online' && e.id > panicId && e.data.coreId === core.coreId), 'core.online from B')
    // The dashboard that was on A reconnects to B (as behind a load balancer) from the last id it saw.
    const resumed = dashboard(await loginAt(b.url, pin, ADMIN.username, ADMIN.password), watching.onA!.lastId())
    await resumed.ready()
    await clearPanic(owner.b)
    await until(() => watching.onB!.events.some((e) => e.type === 'panic.cleared'), 'the clear on B', 5000)
    const lastId = watching.onB!.lastId()!
    await until(() => (resumed.lastId() ?? 0) >= lastId, 'the resumed dashboard to catch up', 5000)
    await resumed.stop()
    await watching.onA!.stop()
    const seenByA = [...watching.onA!.events, ...resumed.events].map((e) => e.id)
    const seenByB = watching.onB!.events.map((e) => e.id)
    expect(seenByA.length).toBe(new Set(seenByA).size)
    expect(seenByA).toEqual([...seenByA].sort((x, y) => x - y))
    expect(seenByA.filter((id) => id >= panicId)).toEqual(seenByB.filter((id) => id >= panicId && id <= lastId))
    expect(seenByA.some((id) => id > beforeKill)).toBe(true)

    // Live video again, now relayed by B itself.
    const grant = await investigator.b.post<StreamGrant>('/v1/streams', {cameraId: core.cameras[0]!.id})
    expect(grant.url.startsWith(`${b.url}/v1/streams/watch/`)).toBe(true)
    expect((await decodeFrames(grant.url, pin, 3)).frames).toHaveLength(3)
  }, 40_000)

  it('after B stops too, `rtcc audit verify` proves one log written by both instances', async () => {
    await watching.onB!.stop()
    coreProcess.kill('SIGTERM')
    await b.stop()
    const verified = await runCli(['audit', 'verify', '--database', db.url, '--public-key', join(dataDir, 'audit-signing.pub'), '--json'], {timeoutMs: 30_000})
    expect(verified.stderr).toBe('')
    expect(verified.code).toBe(0)
    expect(verified.json<{ok: boolean}>()).toMatchObject({ok: true})
  })
})
