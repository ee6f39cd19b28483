/**
 * Emergency and approval sharing end to end: the owner's signed panic and approval go through the
 * server's real routes to the Core, which verifies them with the owner key it got at provisioning.
 * A panic opens `emergency` cameras and its clear closes them at once; an approval opens a camera to
 * the one investigator it names, and the stream stops when its window ends. A policy document the
 * owner signs is applied to the Core's policy file.
 */
import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {ApiClient} from '../../src/lib/client/api.js'
import {initialPolicy, readLocalPolicies} from '../../src/lib/core/policies.js'
import {watch} from '../../src/lib/client/streams.js'
import type {AccessRequest} from '../../src/lib/domain/access.js'
import type {CoreView} from '../../src/lib/domain/core.js'
import {newId} from '../../src/lib/domain/ids.js'
import type {StreamGrant} from '../../src/lib/domain/stream.js'
import {signApproval, signPanic, signPanicClear, signPolicyDocument} from '../../src/lib/policy/document.js'
import {readCoreConfig} from '../../src/lib/core/config.js'
import type {ProvisionResult} from '../../src/lib/core/provision.js'
import {runCli} from '../helpers/cli.js'
import {removeDir, tempDir} from '../helpers/server.js'
import {CAMERA_CREDENTIALS, enrollCode, type Site, startSite, until} from './helpers.js'
import {failure} from '../helpers/failure.js'

let site: Site
let other: ApiClient
const statementsReceived = () => site.logs.filter((l) => l.includes('owner statements:')).length
const stopped = (streamId: string) => site.events.find((e) => e.type === 'stream.stopped' && e.data.streamId === streamId)

beforeAll(async () => {
  site = await startSite({host: '127.0.9.61', modes: ['emergency', 'approval'], ownerKey: true})
  expect(site.core.ownerKeyId).toBe(site.ownerKey!.keyId)
  await site.startAgent()
  other = await site.t.userClient('second-detective', 'investigator')
  site.t.server.ctx.cores.streams.timings.viewerIdleMs = 30_000
})

afterAll(() => site?.stop())

describe('owner-signed grants reach the Core', () => {
  it('opens an `emergency` camera only while the owner\'s panic is active, and closes it on the clear', async () => {
    const camera = site.core.cameras[0]!
    expect(await failure(site.investigator.post('/v1/streams', {cameraId: camera.id}))).toMatchObject({code: 'policy_denied', message: expect.stringMatching(/panic/)})

    const panicId = newId('alr')
    const now = Date.now()
    const seen = statementsReceived()
    await site.owner.post('/v1/panic', {statement: signPanic({panicId, startedAt: new Date(now).toISOString(), until: new Date(now + 10 * 60_000).toISOString(), message: 'break-in'}, site.ownerKey!)})
    await until(() => statementsReceived() > seen, 'the Core to receive the panic')
    const grant = await site.investigator.post<StreamGrant>('/v1/streams', {cameraId: camera.id})
    expect(grant.policy).toMatchObject({code: 'emergency-active'})
    expect(Date.parse(grant.policy.until!)).toBeGreaterThan(now + 9 * 60_000)
    const viewer = await watch(grant.url, site.t.pin)
    let bytes = 0
    viewer.on('data', (chunk: Buffer) => (bytes += chunk.length))
    await until(() => bytes > 5000, 'emergency video to flow')

    await site.owner.post('/v1/panic/clear', {statement: signPanicClear({panicIds: [panicId], clearedAt: new Date().toISOString()}, site.ownerKey!)})
    await until(() => stopped(grant.streamId) !== undefined, 'the stream to stop when the panic is cleared')
    await until(() => viewer.complete || viewer.destroyed, 'the viewer\'s connection to end')
    expect(stopped(grant.streamId)!.data.reason).toBe('owner-revoked')
    expect(await failure(site.investigator.post('/v1/streams', {cameraId: camera.id}))).toMatchObject({code: 'policy_denied'})
  })

  it('opens an `approval` camera to the investigator the owner approved, until the window ends', async () => {
    const camera = site.core.cameras[1]!
    expect(await failure(site.investigator.post('/v1/streams', {cameraId: camera.id}))).toMatchObject({code: 'policy_denied', message: expect.stringMatching(/approved/)})
    const request = await site.investigator.post<AccessRequest>('/v1/access-requests', {cameraId: camera.id, reason: 'robbery next door', durationSeconds: 60})
    const from = Date.now()
    const seen = statementsReceived()
    await site.owner.post(`/v1/access-requests/${request.id}/approve`, {
      statement: signApproval({requestId: request.id, cameraId: camera.id, requesterId: request.requester.id, from: new Date(from).toISOString(), until: new Date(from + 6000).toISOString()}, site.ownerKey!),
    })
    await until(() => statementsReceived() > seen, 'the Core to receive the approval')
    // Only the requester it names: another investigator is refused.
    expect(await failure(other.post('/v1/streams', {cameraId: camera.id}))).toMatchObject({code: 'policy_denied'})
    const grant = await site.investigator.post<StreamGrant>('/v1/streams', {cameraId: camera.id})
    expect(grant.policy).toMatchObject({code: 'approval-active', until: new Date(from + 6000).toISOString()})
    const viewer = await watch(grant.url, site.t.pin)
    viewer.resume()
    await until(() => stopped(grant.streamId) !== undefined, 'the stream to stop at the end of the window', 15_000)
    expect(stopped(grant.streamId)!.data.reason).toBe('policy-window-ended')
    expect(Date.now()).toBeGreaterThanOrEqual(from + 6000)
    expect(await failure(site.investigator.post('/v1/streams', {cameraId: camera.id}))).toMatchObject({code: 'policy_denied'})
  })

  it('applies a policy document the owner signed and uploaded, and tells the server it has it', async () => {
    const camera = site.core.cameras[1]!
    const seen = statementsReceived()
    const policy = {...initialPolicy(camera.id, {live: 'always'}), version: 2}
    await site.owner.post('/v1/policies', {document: signPolicyDocument(policy, site.ownerKey!)})
    await until(() => statementsReceived() > seen, 'the Core to receive the document')
    expect(readLocalPolicies(site.dir)[camera.id]).toMatchObject({version: 2, live: {mode: 'always'}})
    await until(async () => (await site.t.server.ctx.store.policies.pendingPolicyDocuments([camera.id])).length === 0, 'the server to mark the document delivered')
    expect((await site.investigator.post<StreamGrant>('/v1/streams', {cameraId: camera.id})).policy.code).toBe('always')
    // The Core's report of the applied document (version and digest) matches the server's copy: no warning.
    const cores = await site.t.admin.get<CoreView[]>('/v1/cores')
    expect(cores[0]!.cameras.find((c) => c.id === camera.id)).not.toHaveProperty('policyWarning')
    expect(site.events.filter((e) => e.type === 'core.policy_mismatch')).toEqual([])
  })

  it('core provision with a wrong --owner-key-id exits 1 and, unattended without it, exits 2 naming the flag; the code still enrols with the right id', async () => {
    const work = tempDir('rtcc-core-key-')
    const env = {RTCC_CONFIG_DIR: join(work, 'profile'), RTCC_CAMERA_PASSWORD: CAMERA_CREDENTIALS.password}
    try {
      const discovery = join(work, 'discovery.json')
      const found = await runCli(['discover', '--no-multicast', '--subnet', '127.0.9.61/32', '--timeout', '1s', '--user', CAMERA_CREDENTIALS.user, '-o', discovery, '--json'], {env})
      expect(found.code, found.stderr).toBe(0)
      writeFileSync(join(work, 'creds.csv'), `user,password\n${CAMERA_CREDENTIALS.user},${CAMERA_CREDENTIALS.password}\n`)
      const code = await enrollCode(site.t, site.ownerId)
      const dir = join(work, 'core')
      const provision = (...extra: string[]) =>
        runCli(['core', 'provision', '--server', site.t.url, '--fingerprint', site.t.fingerprint, '--code', code, '--from', discovery, '--credentials', join(work, 'creds.csv'), '--name', 'Second site', '--at', '41.88,-87.63', '--config-dir', dir, '--json', ...extra], {env, timeoutMs: 30_000})

      const wrong = await provision('--owner-key-id', 'not-the-owners-key')
      expect(wrong.code, wrong.stderr).toBe(1)
      expect(wrong.json<{error: {code: string; message: string}}>().error).toMatchObject({code: 'owner_key_mismatch'})
      expect(wrong.json<{error: {message: string}}>().error.message).toContain(site.ownerKey!.keyId)
      const unnamed = await provision()
      expect(unnamed.code, unnamed.stderr).toBe(2)
      expect(unnamed.json<{error: {message: string}}>().error.message).toMatch(/^--owner-key-id is required/)
      expect(existsSync(join(dir, 'core.json'))).toBe(false)

      // Neither attempt spent the code.
      const enrolled = await provision('--owner-key-id', site.ownerKey!.keyId)
      expect(enrolled.code, enrolled.stderr).toBe(0)
      expect(enrolled.json<ProvisionResult>().ownerKeyId).toBe(site.ownerKey!.keyId)
      expect(readCoreConfig(dir).ownerPolicyKey).toBe(site.ownerKey!.publicKey)
    } finally {
      removeDir(work)
    }
  })
})
