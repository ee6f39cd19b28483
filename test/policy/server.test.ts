import {existsSync, readFileSync, rmSync, statSync} from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {ApiClient} from '../../src/lib/client/api.js'
import {ownerKeyFile} from '../../src/lib/client/policy-key.js'
import {setPolicy, showPolicies} from '../../src/lib/client/policy.js'
import type {AuditRecord} from '../../src/lib/audit/record.js'
import type {Camera} from '../../src/lib/domain/camera.js'
import type {AgencyPolicyView, OwnerPolicyView, OwnerStatement} from '../../src/lib/domain/policy.js'
import {generateOwnerKey, signPolicyDocument, verifyPolicyDocument} from '../../src/lib/policy/document.js'
import {removeDir, startTestServer, type TestServer} from '../helpers/server.js'
import {ownerWithCameras, recordEvents, useTempConfigDir} from './owner-fixture.js'
import {failure} from '../helpers/failure.js'

let t: TestServer
let configDir: string
let owner: {api: ApiClient; ownerId: string; cameras: Camera[]}
let investigator: ApiClient

beforeAll(async () => {
  configDir = useTempConfigDir()
  t = await startTestServer()
  owner = await ownerWithCameras(t, 'corner-store', 'Corner Store', [
    {name: 'Front door', latitude: 41.9, longitude: -87.65},
    {name: 'Alley', latitude: 41.9002, longitude: -87.6502},
  ])
  investigator = await t.userClient('ines', 'investigator')
})

afterAll(async () => {
  await t.stop()
  removeDir(t.dataDir)
  rmSync(configDir, {recursive: true, force: true})
})

describe('owner-signed policies on the server', () => {
  let first: OwnerStatement

  it('the first `policy set` makes the owner key (0600), registers it, and queues the signed document for the Core', async () => {
    const events = recordEvents(t)
    const camera = owner.cameras[0]!
    const result = await setPolicy(owner.api, camera.id, {live: 'approval', recorded: 'always', liveSchedule: [{days: [1, 2, 3, 4, 5], from: '22:00', to: '06:00'}], timeZone: 'America/Chicago'})
    await events.stop()
    expect(result.key).toMatchObject({created: true, registered: true})
    expect(statSync(ownerKeyFile(owner.ownerId)).mode & 0o777).toBe(0o600)
    expect(readFileSync(ownerKeyFile(owner.ownerId), 'utf8')).toContain('BEGIN PRIVATE KEY')
    expect(result.view).toMatchObject({view: 'owner', live: 'approval', recorded: 'always', source: 'owner-document', pendingVersion: result.policy.version})
    expect(result.view.policy?.live.schedule).toHaveLength(1)

    const keys = await t.server.ctx.store.policies.ownerKeys(owner.ownerId)
    expect(keys.map((k) => k.keyId)).toEqual([result.key.keyId])
    const [pending] = await t.server.ctx.store.policies.pendingPolicyDocuments([camera.id])
    first = pending!.document
    expect(verifyPolicyDocument(first, keys, {ownerId: owner.ownerId, cameraId: camera.id})).toEqual(result.policy)
    expect(events.of('policy.updated')[0]?.data).toMatchObject({cameraId: camera.id, live: 'approval', recorded: 'always'})
  })

  it('a newer version replaces it in the queue; the Core confirming it empties the queue', async () => {
    const camera = owner.cameras[0]!
    const second = await setPolicy(owner.api, camera.id, {live: 'emergency', emergencyMinutes: 45})
    expect(second.key).toMatchObject({created: false, registered: false})
    expect(second.policy.live).toEqual({mode: 'emergency', schedule: [{days: [1, 2, 3, 4, 5], from: '22:00', to: '06:00'}]})
    const pending = await t.server.ctx.store.policies.pendingPolicyDocuments([camera.id, owner.cameras[1]!.id])
    expect(pending.map((d) => d.version)).toEqual([second.policy.version])
    await t.server.ctx.store.policies.markPolicyDocumentsDelivered([pending[0]!.id], new Date().toISOString())
    expect(await t.server.ctx.store.policies.pendingPolicyDocuments([camera.id])).toEqual([])
  })

  it('refuses a replayed older document, a tampered one, and one signed with an unregistered key', async () => {
    const camera = owner.cameras[0]!
    const replay = await failure(owner.api.post('/v1/policies', {document: first}))
    expect(replay.code).toBe('statement_stale')
    const tampered = {...first, payload: first.payload.replace('"recorded":{"mode":"always"}', '"recorded":{"mode":"never"}')}
    expect((await failure(owner.api.post('/v1/policies', {document: tampered}))).code).toBe('statement_bad_signature')
    const stranger = generateOwnerKey(owner.ownerId)
    const current = (await showPolicies(owner.api, camera.id))[0] as OwnerPolicyView
    const forged = signPolicyDocument({...current.policy!, live: {mode: 'always'}, version: current.version + 1}, stranger)
    expect((await failure(owner.api.post('/v1/policies', {document: forged}))).code).toBe('statement_unknown_key')
    expect(((await showPolicies(owner.api, camera.id))[0] as OwnerPolicyView).live).toBe('emergency')
  })

  it('an owner cannot register a second key through the server, and a second computer makes none of its own', async () => {
    const error = await failure(owner.api.post('/v1/owner-keys', {publicKey: generateOwnerKey(owner.ownerId).publicKey}))
    expect(error.code).toBe('conflict')
    const secondComputer = useTempConfigDir()
    try {
      const elsewhere = await failure(setPolicy(owner.api, owner.cameras[1]!.id, {live: 'always'}))
      expect(elsewhere.code).toBe('owner_key_elsewhere')
      expect(elsewhere.hint).toContain(`${owner.ownerId}.pem`)
      expect(existsSync(ownerKeyFile(owner.ownerId))).toBe(false)
    } finally {
      process.env.RTCC_CONFIG_DIR = configDir
      rmSync(secondComputer, {recursive: true, force: true})
    }
    expect(await t.server.ctx.store.policies.ownerKeys(owner.ownerId)).toHaveLength(1)
  })

  it('agencies see the modes only', async () => {
    const views = await showPolicies(investigator)
    const front = views.find((v) => v.cameraId === owner.cameras[0]!.id) as AgencyPolicyView
    expect(front).toEqual({view: 'agency', cameraId: owner.cameras[0]!.id, cameraName: 'Front door', live: 'emergency', recorded: 'always', source: 'owner-document', updatedAt: expect.any(String)})
    expect(views.find((v) => v.cameraId === owner.cameras[1]!.id)).toMatchObject({live: 'never', recorded: 'never', source: 'default'})
  })

  it('every agency attempt to change a policy gets 403 and an audit record naming the camera; the policy stays', async () => {
    const camera = owner.cameras[0]!
    const supervisor = await t.userClient('sam', 'supervisor')
    const path = `/v1/policies/${camera.id}`
    const signedByOwner = signPolicyDocument({...((await showPolicies(owner.api, camera.id))[0] as OwnerPolicyView).policy!, live: {mode: 'always'}, version: Date.now() + 10_000}, generateOwnerKey(owner.ownerId))
    const attempts: [ApiClient, string, string, unknown][] = [
      [investigator, 'PUT', path, {live: 'always'}],
      [investigator, 'PATCH', path, {live: {mode: 'always'}}],
      [investigator, 'DELETE', path, undefined],
      [investigator, 'POST', path, {live: 'always'}],
      [supervisor, 'POST', '/v1/policies', {document: signedByOwner}],
      [t.admin, 'PUT', path, {live: 'always'}],
      [t.admin, 'POST', '/v1/policies', {document: {...signedByOwner, payload: 'garbage'}}],
    ]
    for (const [api, method, url, body] of attempts) {
      const error = await failure(api.request(method, url, body))
      expect(error.exitCode, `${method} ${url}`).toBe(4)
      expect(error.message).toMatch(/owner's alone/)
    }
    const refused = (await t.server.ctx.store.audit.queryAuditRecords({action: 'policy.*', outcome: 'denied', limit: 100})) as AuditRecord[]
    expect(refused.map((r) => [r.actorName, r.action, r.target])).toEqual([
      ['ines', 'policy.change', camera.id],
      ['ines', 'policy.change', camera.id],
      ['ines', 'policy.change', camera.id],
      ['ines', 'policy.change', camera.id],
      ['sam', 'policy.upload', camera.id],
      ['chief', 'policy.change', camera.id],
      ['chief', 'policy.upload', null],
    ])
    expect(((await showPolicies(owner.api, camera.id))[0] as OwnerPolicyView).live).toBe('emergency')
    expect(await t.server.ctx.store.policies.pendingPolicyDocuments([camera.id])).toEqual([])
  })

  it('the owner cannot bypass the signature either: unsigned changes are refused for owners too', async () => {
    const error = await failure(owner.api.request('PUT', `/v1/policies/${owner.cameras[0]!.id}`, {live: 'never'}))
    expect(error.exitCode).toBe(4)
  })

  it('a newer policy the Core reports (set on the Core host) shows as modes only, and the next `policy set` starts from it', async () => {
    const camera = owner.cameras[1]!
    await t.server.ctx.store.policies.recordCorePolicies(owner.ownerId, [{cameraId: camera.id, liveMode: 'always', recordedMode: 'approval', version: Date.now()}], new Date().toISOString())
    const shown = (await showPolicies(owner.api, camera.id))[0] as OwnerPolicyView
    expect(shown).toMatchObject({source: 'core', live: 'always', recorded: 'approval', policy: null})
    const next = await setPolicy(owner.api, 'alley', {recorded: 'never'})
    expect(next.warnings[0]).toMatch(/set on the Core host/)
    expect(next.policy).toMatchObject({live: {mode: 'always'}, recorded: {mode: 'never'}})
    expect(next.policy.version).toBeGreaterThan(shown.version)
  })
})
