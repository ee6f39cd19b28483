/**
 * A server that lies. It speaks the real link protocol (over TLS 1.3 with the certificate the Core
 * pinned) but says "allowed" for everything, asks for roles the owner never shares with, and sends a
 * policy document it signed itself. The Core must refuse all of it by its local policy, start no
 * relay, and never open the video connection, while an honest request still works.
 */
import {randomUUID} from 'node:crypto'
import {existsSync} from 'node:fs'
import https from 'node:https'
import type {AddressInfo} from 'node:net'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {WebSocketServer, type WebSocket} from 'ws'

import {type CoreAgent, startCoreAgent} from '../../src/lib/core/agent.js'
import {corePaths, readCoreConfig, writeCoreConfig, writePrivateFile} from '../../src/lib/core/config.js'
import {StatementGrants} from '../../src/lib/core/grants.js'
import {generateIdentity} from '../../src/lib/core/identity.js'
import {initialPolicy, readLocalPolicies, writeLocalPolicies} from '../../src/lib/core/policies.js'
import {recordingPaths, writeRecordingSettings} from '../../src/lib/core/recording/settings.js'
import {CORE_CONFIG_FORMAT, type CoreToServer, type DecisionMessage, LINK_PROTOCOL, type Requester} from '../../src/lib/domain/core.js'
import {newId} from '../../src/lib/domain/ids.js'
import {defaultPolicy} from '../../src/lib/domain/policy.js'
import {signDeviceRevoke, signDeviceVouch} from '../../src/lib/policy/device.js'
import {UPLOAD_PATH} from '../../src/lib/domain/recording.js'
import {generateOwnerKey, type OwnerKeyPair, signApproval, signPanic, signPolicyDocument} from '../../src/lib/policy/document.js'
import {type SimulatorHandle, startSimulatedCameras} from '../../src/lib/onvif/simulator/index.js'
import {certificateFingerprint, createSelfSignedCertificate} from '../../src/lib/server/tls.js'
import {removeDir, tempDir} from '../helpers/server.js'
import {CAMERA_CREDENTIALS, SITE, until} from './helpers.js'

const INVESTIGATOR: Requester = {userId: 'usr_x', username: 'det-lie', role: 'investigator', agencyId: null, agencyName: 'Metro PD'}

let sim: SimulatorHandle
let dir: string
let agent: CoreAgent
let server: https.Server
let core: WebSocket | undefined
const received: CoreToServer[] = []
let ingestAttempts = 0
let uploadAttempts = 0
const ownerId = newId('own')
const ownerKey = generateOwnerKey(ownerId)
const cameraIds = {never: newId('cam'), always: newId('cam'), emergency: newId('cam')}

let requestSeq = 0
async function ask(cameraId: string, requester: Requester = INVESTIGATOR, kind: 'live' | 'recorded' = 'live'): Promise<DecisionMessage> {
  const requestId = `r${++requestSeq}`
  core!.send(JSON.stringify({type: 'view.request', requestId, streamId: randomUUID(), viewId: randomUUID(), cameraId, kind, requester, ingestToken: 'x'.repeat(43), server: {allowed: true, note: 'the server says so'}}))
  let answer: CoreToServer | undefined
  await until(() => (answer = received.find((m) => m.type === 'view.decision' && m.requestId === requestId)) !== undefined, `the Core's answer to ${requestId}`)
  return (answer as Extract<CoreToServer, {type: 'view.decision'}>).decision
}

beforeAll(async () => {
  sim = await startSimulatedCameras({count: 2, host: '127.0.9.21', credentials: CAMERA_CREDENTIALS, multicast: false, width: 320, height: 180})
  const {certPem, keyPem} = await createSelfSignedCertificate('liar')
  server = https.createServer({cert: certPem, key: keyPem, minVersion: 'TLSv1.3'}, (req, res) => {
    if (req.url?.startsWith(UPLOAD_PATH)) uploadAttempts++
    res.writeHead(401).end()
  })
  const wss = new WebSocketServer({noServer: true})
  server.on('upgrade', (req, socket, head) => {
    if (req.url?.startsWith('/v1/core/ingest')) {
      ingestAttempts++
      return socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n')
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data) => {
        const message = JSON.parse(data.toString()) as CoreToServer
        received.push(message)
        // No signature check, no questions: this server welcomes anyone.
        if (message.type === 'hello') {
          core = ws
          ws.send(JSON.stringify({type: 'welcome', coreId: message.coreId, heartbeatSeconds: 30, serverTime: new Date().toISOString()}))
        }
      })
      ws.send(JSON.stringify({type: 'challenge', protocol: LINK_PROTOCOL, nonce: 'n'.repeat(43)}))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))

  dir = tempDir('rtcc-core-liar-')
  const identity = generateIdentity()
  writePrivateFile(corePaths(dir).identity, identity.privateKeyPem)
  const now = new Date().toISOString()
  const camera = (id: string, i: number) => ({id, name: `Cam ${i}`, rtspUrl: sim.cameras[i]!.streams[0]!.rtspUrl, credentials: CAMERA_CREDENTIALS, deviceServiceUrl: null, make: null, model: null, addedAt: now})
  writeCoreConfig(dir, {
    format: CORE_CONFIG_FORMAT,
    version: 1,
    coreId: newId('core'),
    name: 'Liar test site',
    ownerId,
    server: {url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, fingerprint: certificateFingerprint(certPem), certPem},
    site: SITE,
    ownerPolicyKey: ownerKey.publicKey,
    cameras: [camera(cameraIds.never, 0), camera(cameraIds.always, 1), camera(cameraIds.emergency, 1)],
    enrolledAt: now,
  })
  // The `never` camera is recorded (recording is the owner's; sharing it is what the policy refuses).
  writeRecordingSettings(dir, {segmentSeconds: 1, cameras: {[cameraIds.never]: {on: true, retentionSeconds: 3600, maxDiskBytes: 2 ** 30}}})
  writeLocalPolicies(dir, {
    [cameraIds.never]: initialPolicy(cameraIds.never, {live: 'never'}),
    [cameraIds.always]: initialPolicy(cameraIds.always, {live: 'always'}),
    [cameraIds.emergency]: initialPolicy(cameraIds.emergency, {live: 'emergency', recorded: 'approval'}),
  })
  agent = startCoreAgent({dir, version: 'test', recheckMs: 250, healthIntervalMs: 600_000, backoff: {baseMs: 200, maxMs: 1000}})
  await until(() => agent.linkState === 'online', 'the Core to accept the liar\'s welcome')
})

afterAll(async () => {
  await agent?.stop()
  server?.closeAllConnections()
  server?.close()
  await sim?.stop()
  if (dir) removeDir(dir)
})

describe('a server that says "allowed" against the owner\'s policy', () => {
  it('gets a refusal for a `never` camera: no relay starts and the video connection is never opened', async () => {
    const decision = await ask(cameraIds.never)
    expect(decision).toMatchObject({allow: false, code: 'never'})
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(agent.activeRelays()).toEqual([])
    expect(ingestAttempts).toBe(0)
  })

  it('gets refusals for roles the Core never shares with and for cameras it does not have', async () => {
    expect(await ask(cameraIds.always, {...INVESTIGATOR, role: 'analyst'})).toMatchObject({allow: false, code: 'role-not-allowed'})
    expect(await ask(cameraIds.always, {...INVESTIGATOR, role: 'owner'})).toMatchObject({allow: false, code: 'role-not-allowed'})
    expect(await ask(newId('cam'))).toMatchObject({allow: false, code: 'unknown-camera'})
    expect(await ask(cameraIds.always, INVESTIGATOR, 'recorded')).toMatchObject({allow: false, code: 'never'})
    expect(ingestAttempts).toBe(0)
  })

  it('gets no recorded video of a `never` camera, listed or pulled, though the Core holds it', async () => {
    await until(() => existsSync(join(recordingPaths(dir).root, cameraIds.never, 'chain.jsonl')), 'the Core to seal a segment of the `never` camera')
    const window = {from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString()}
    for (const op of ['list', 'pull'] as const) {
      const requestId = `rec-${op}`
      core!.send(JSON.stringify({type: 'recording.request', requestId, op, cameraId: cameraIds.never, window, requester: INVESTIGATOR, uploadToken: 'u'.repeat(43), server: {allowed: true, note: 'the server says so'}}))
      let answer: CoreToServer | undefined
      await until(() => (answer = received.find((m) => m.type === 'recording.answer' && m.requestId === requestId)) !== undefined, `the Core's answer to the ${op}`)
      expect(answer).toMatchObject({decision: {allow: false, code: 'never'}})
      expect(answer).not.toHaveProperty('ranges')
      expect(answer).not.toHaveProperty('manifest')
    }
    expect(uploadAttempts).toBe(0)
  })

  it('opens no recorded video beyond the window the owner approved, whatever window the server claims or forges', async () => {
    const camera = cameraIds.emergency
    const from = Date.now() - 120_000
    const approved = {from: new Date(from).toISOString(), to: new Date(from + 10_000).toISOString()}
    const wider = {from: approved.from, to: new Date(from + 60_000).toISOString()}
    const approval = (requestId: string, extra: object) =>
      signApproval({requestId, cameraId: camera, requesterId: INVESTIGATOR.userId!, from: new Date().toISOString(), until: new Date(Date.now() + 600_000).toISOString(), ...extra}, ownerKey)
    const real = approval('acc_real', {kind: 'recorded', recorded: approved})
    // The server widens the owner's window in the payload (the signature no longer matches), and relays a live approval too.
    const forged = {...real, payload: JSON.stringify({...(JSON.parse(real.payload) as object), recorded: wider})}
    const statements = [
      {requestId: 'acc_live', cameraId: camera, statement: approval('acc_live', {})},
      {requestId: 'acc_real', cameraId: camera, statement: forged},
      {requestId: 'acc_real', cameraId: camera, statement: real},
    ]
    core!.send(JSON.stringify({type: 'owner.statements', policyDocuments: [], panics: [], approvals: statements}))
    const answer = async (op: 'list' | 'pull', window: {from: string; to: string}) => {
      const requestId = `rec-apr-${++requestSeq}`
      core!.send(JSON.stringify({type: 'recording.request', requestId, op, cameraId: camera, window, requester: INVESTIGATOR, uploadToken: 'u'.repeat(43), server: {allowed: true}}))
      let reply: CoreToServer | undefined
      await until(() => (reply = received.find((m) => m.type === 'recording.answer' && m.requestId === requestId)) !== undefined, `the Core's answer to ${requestId}`)
      return reply as Extract<CoreToServer, {type: 'recording.answer'}>
    }
    // The owner's own window is honoured (the statements arrived and verify)…
    await until(async () => (await answer('list', approved)).decision.allow, 'the Core to honour the approved window')
    // …but a wider one, asked for under the forged or the live approval, opens nothing.
    for (const op of ['list', 'pull'] as const) {
      const refused = await answer(op, wider)
      expect(refused.decision).toMatchObject({allow: false, code: 'no-approval', reason: expect.stringContaining(`approved recorded video of ${approved.from}..${approved.to} only`)})
      expect(refused).not.toHaveProperty('manifest')
    }
    expect(await ask(camera, INVESTIGATOR, 'recorded')).toMatchObject({allow: false, code: 'no-approval'})
    expect(uploadAttempts).toBe(0)
  })

  it('cannot change the policy with a document it signed itself, nor fake a panic', async () => {
    const forger = generateOwnerKey(ownerId)
    const forged = signPolicyDocument({...defaultPolicy(cameraIds.never), live: {mode: 'always'}, version: 5}, forger)
    const panic = {statement: {format: 'rtcc-owner-statement/1', type: 'panic', ownerId, keyId: forger.keyId, payload: '{}', signature: 'AA'}, clearStatement: null}
    core!.send(JSON.stringify({type: 'owner.statements', policyDocuments: [{id: 1, statement: forged}], panics: [panic], approvals: []}))
    let ack: CoreToServer | undefined
    await until(() => (ack = received.find((m) => m.type === 'documents.applied')) !== undefined, 'the Core to answer the forged document')
    expect(ack).toMatchObject({results: [{id: 1, outcome: 'rejected'}]})
    expect(readLocalPolicies(dir)[cameraIds.never]!.live.mode).toBe('never')
    expect(await ask(cameraIds.never)).toMatchObject({allow: false, code: 'never'})
  })

  it('does get the camera the owner shares, which proves the refusals above were the policy\'s', async () => {
    const decision = await ask(cameraIds.always)
    expect(decision).toMatchObject({allow: true, code: 'always'})
    // The Core now tries the (refusing) ingest endpoint: this test's ears work.
    await until(() => ingestAttempts === 1, 'the Core to open the video connection')
    await until(() => agent.activeRelays().length === 0, 'the relay to give up on the refused video connection')
  })
})

describe('a server that makes up a device key for the owner', () => {
  const phoneKey = generateOwnerKey(ownerId)
  const deviceId = newId('dev')
  const vouch = (by: OwnerKeyPair) => signDeviceVouch({deviceId, name: 'phone', publicKey: phoneKey.publicKey, vouchedAt: new Date().toISOString()}, by)
  const panic = () => {
    const now = Date.now()
    return {statement: signPanic({panicId: newId('alr'), startedAt: new Date(now).toISOString(), until: new Date(now + 600_000).toISOString(), message: null}, phoneKey), clearStatement: null}
  }
  const send = (devices: unknown[]) => core!.send(JSON.stringify({type: 'owner.statements', policyDocuments: [], panics: [panic()], approvals: [], devices}))

  it('a panic signed by a key the owner never vouched for opens nothing, vouched for by the server or by no one', async () => {
    send([])
    expect(await ask(cameraIds.emergency)).toMatchObject({allow: false, code: 'no-panic'})
    send([{statement: vouch(generateOwnerKey(ownerId)), revokeStatement: null}])
    expect(await ask(cameraIds.emergency)).toMatchObject({allow: false, code: 'no-panic'})
  })

  it('the same panic opens the `emergency` camera once the owner\'s own key vouches for the phone', async () => {
    send([{statement: vouch(ownerKey), revokeStatement: null}])
    expect(await ask(cameraIds.emergency)).toMatchObject({allow: true, code: 'emergency-active'})
  })

  it('a revoked phone stays revoked even when the server later leaves the revocation out', async () => {
    const vouched = vouch(ownerKey)
    const revokeStatement = signDeviceRevoke({deviceId, keyId: phoneKey.keyId, revokedAt: new Date().toISOString()}, ownerKey)
    send([{statement: vouched, revokeStatement}])
    expect(await ask(cameraIds.emergency)).toMatchObject({allow: false, code: 'no-panic'})
    send([{statement: vouched, revokeStatement: null}])
    expect(await ask(cameraIds.emergency)).toMatchObject({allow: false, code: 'no-panic'})
    // After a Core restart (fresh grants, same Core dir) the revocation still holds without the server's help.
    const restarted = new StatementGrants()
    const outcome = restarted.receive(dir, readCoreConfig(dir), {type: 'owner.statements', policyDocuments: [], panics: [panic()], approvals: [], devices: [{statement: vouched, revokeStatement: null}]})
    expect(outcome.panics).toBe(0)
    expect(restarted.panic(cameraIds.emergency, new Date())).toBeNull()
  })
})
