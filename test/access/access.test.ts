import {rmSync} from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {accessReport, approveAccess, denyAccess, listAccessRequests, requestAccess, revokeAccess} from '../../src/lib/client/access.js'
import type {ApiClient} from '../../src/lib/client/api.js'
import {setPolicy, testPolicy} from '../../src/lib/client/policy.js'
import type {AccessRequest} from '../../src/lib/domain/access.js'
import type {Camera} from '../../src/lib/domain/camera.js'
import {IMPORT_OPTIONS_HEADER} from '../../src/lib/domain/registry-import.js'
import {decide} from '../../src/lib/policy/decide.js'
import {approvalContext, signApproval} from '../../src/lib/policy/document.js'
import {loadOwnerKey} from '../../src/lib/client/policy-key.js'
import {runCli} from '../helpers/cli.js'
import {removeDir, startTestServer, type TestServer} from '../helpers/server.js'
import {chicagoAgency, ownerWithCameras, recordEvents, useTempConfigDir} from '../policy/owner-fixture.js'
import {failure} from '../helpers/failure.js'

let t: TestServer
let configDir: string
let owner: {api: ApiClient; ownerId: string; cameras: Camera[]}
let ines: ApiClient
let inesId: string
let otto: ApiClient

beforeAll(async () => {
  configDir = useTempConfigDir()
  t = await startTestServer()
  const agency = await chicagoAgency(t)
  owner = await ownerWithCameras(t, 'bakery', 'Bakery on Clark', [
    {name: 'Counter', latitude: 41.91, longitude: -87.63},
    {name: 'Street', latitude: 41.9101, longitude: -87.6301},
  ])
  await setPolicy(owner.api, owner.cameras[0]!.id, {live: 'approval', recorded: 'approval'})
  for (const [name, role] of [['ines', 'investigator'], ['otto', 'investigator']] as const) await t.admin.post('/v1/users', {username: name, password: 'Test-User-Passphrase-42', role, agency})
  ines = await t.login('ines', 'Test-User-Passphrase-42')
  otto = await t.login('otto', 'Test-User-Passphrase-42')
  inesId = (await ines.get<{user: {id: string}}>('/v1/auth/whoami')).user.id
})

afterAll(async () => {
  await t.stop()
  removeDir(t.dataDir)
  rmSync(configDir, {recursive: true, force: true})
})

describe('access requests', () => {
  let request: AccessRequest

  it('an investigator asks for a window; the owner gets `access.requested` and sees it in the inbox', async () => {
    const events = recordEvents(t)
    request = await requestAccess(ines, {camera: owner.cameras[0]!.id, reason: 'shots fired on Clark St, suspect fled north', durationMs: 30 * 60_000})
    await events.stop()
    expect(request).toMatchObject({status: 'pending', cameraName: 'Counter', requester: {name: 'ines'}, agency: {name: 'Chicago PD'}, durationSeconds: 1800, window: null})
    expect(events.of('access.requested')[0]).toMatchObject({ownerId: owner.ownerId, data: {requestId: request.id, requester: 'ines', agency: 'Chicago PD', cameraName: 'Counter'}})
    expect((await listAccessRequests(owner.api, 'pending')).map((r) => r.id)).toEqual([request.id])
  })

  it('approval opens an owner-signed window for that investigator only; both sides get `access.approved`', async () => {
    const events = recordEvents(t)
    const before = Date.now()
    const approved = await approveAccess(owner.api, request.id)
    await events.stop()
    expect(approved.status).toBe('approved')
    expect(Date.parse(approved.window!.until) - Date.parse(approved.window!.from)).toBe(1800_000)
    expect(Date.parse(approved.window!.from)).toBeGreaterThanOrEqual(before - 1000)
    expect(events.of('access.approved')[0]).toMatchObject({ownerId: owner.ownerId, data: {requestId: request.id, requesterId: approved.requester.id, window: approved.window}})

    // What the Core receives and verifies with the owner's key:
    const store = t.server.ctx.store
    const camera = owner.cameras[0]!
    const records = await store.access.approvalsFor(camera.id)
    const {approvals, rejected} = approvalContext(records, await store.policies.ownerKeys(owner.ownerId), {ownerId: owner.ownerId, cameraId: camera.id})
    expect(rejected).toEqual([])
    expect(approvals).toEqual([{...approved.window, requesterId: approved.requester.id}])
    const policy = (await store.policies.shownPolicies([camera.id])).get(camera.id)!.policy!
    const ask = (userId: string) => decide(policy, {kind: 'live', at: new Date(), requester: {role: 'investigator', userId}, approvals})
    expect(ask(approved.requester.id)).toMatchObject({allow: true, code: 'approval-active', until: approved.window!.until})
    expect(ask('usr_someone_else').allow).toBe(false)
  })

  it('`policy test` explains the decision for the approved investigator and for a colleague', async () => {
    const forInes = await testPolicy(ines, owner.cameras[0]!.id, {kind: 'live'})
    expect(forInes.decision.allow).toBe(true)
    expect(forInes.policy).toBeNull()
    const forOtto = await testPolicy(owner.api, owner.cameras[0]!.id, {kind: 'live', as: 'otto'})
    expect(forOtto.decision).toMatchObject({allow: false, code: 'no-approval'})
    expect(forOtto.steps.join('\n')).toMatch(/for another requester/)
    const later = await testPolicy(owner.api, owner.cameras[0]!.id, {kind: 'recorded', as: 'ines', at: new Date(Date.now() + 3600_000).toISOString()})
    expect(later.decision.allow).toBe(false)
  })

  it('refuses an approval signed for someone other than the requester', async () => {
    const second = await requestAccess(otto, {camera: owner.cameras[0]!.id, reason: 'canvass for the same incident', durationMs: 10 * 60_000})
    const key = loadOwnerKey(owner.ownerId)!
    const now = new Date()
    const wrong = signApproval({requestId: second.id, cameraId: second.cameraId, requesterId: inesId, from: now.toISOString(), until: new Date(now.getTime() + 600_000).toISOString()}, key)
    const error = await failure(owner.api.post(`/v1/access-requests/${second.id}/approve`, {statement: wrong}))
    expect(error.code).toBe('statement_mismatch')
    expect(error.message).toMatch(/requesterId/)

    const events = recordEvents(t)
    const denied = await denyAccess(owner.api, second.id, 'not for this camera')
    await events.stop()
    expect(denied).toMatchObject({status: 'denied', decisionNote: 'not for this camera', window: null})
    expect(events.of('access.denied')[0]?.data).toMatchObject({requestId: second.id, requester: 'otto'})
    expect((await t.server.ctx.store.access.approvalsFor(second.cameraId)).map((a) => a.requestId)).toEqual([request.id])
    expect((await failure(approveAccess(owner.api, second.id))).code).toBe('conflict')
  })

  it('only the owner answers, and only requests on their cameras', async () => {
    expect((await failure(ines.post(`/v1/access-requests/${request.id}/deny`, {}))).exitCode).toBe(4)
    const other = await ownerWithCameras(t, 'florist', 'Florist', [{name: 'Door', latitude: 41.92, longitude: -87.64}])
    expect((await failure(other.api.post(`/v1/access-requests/${request.id}/deny`, {}))).code).toBe('not_found')
  })

  it('revoking closes the window for the Core', async () => {
    const events = recordEvents(t)
    const revoked = await revokeAccess(owner.api, request.id, 'done')
    await events.stop()
    expect(revoked.status).toBe('revoked')
    expect(events.of('access.revoked')).toHaveLength(1)
    expect(await t.server.ctx.store.access.approvalsFor(owner.cameras[0]!.id)).toEqual([])
  })
})

describe('access request --duration', () => {
  it('a window shorter than a minute is a usage error (exit 2) that names the minimum, which --help states', async () => {
    const env = {RTCC_CONFIG_DIR: configDir, RTCC_SERVER: t.url, RTCC_FINGERPRINT: t.fingerprint, RTCC_TOKEN: ines.options.token!}
    const [short, help] = await Promise.all([
      runCli(['access', 'request', owner.cameras[0]!.id, '--reason', 'x', '--duration', '10s'], {env}),
      runCli(['access', 'request', '--help'], {env}),
    ])
    expect(short.code).toBe(2)
    expect(short.stderr).toContain('from 1m up to 24h')
    expect(help.stdout.replace(/\s+/g, ' ')).toContain('from 1m up to 24h')
    expect((await listAccessRequests(ines)).every((r) => r.reason !== 'x')).toBe(true)
  })
})

describe('access to recorded video', () => {
  it('names the recorded window; the owner signs it; only a window inside it opens, and never live video', async () => {
    const env = {RTCC_CONFIG_DIR: configDir, RTCC_SERVER: t.url, RTCC_FINGERPRINT: t.fingerprint, RTCC_TOKEN: ines.options.token!}
    const camera = owner.cameras[0]!
    const recorded = {from: '2026-12-06T02:09:00.000Z', to: '2026-12-06T02:11:00.000Z'}
    const [missing, asked] = await Promise.all([
      runCli(['access', 'request', camera.id, '--reason', 'hit and run', '--kind', 'recorded', '--from', recorded.from], {env}),
      runCli(['access', 'request', camera.id, '--reason', 'hit and run', '--kind', 'recorded', '--from', recorded.from, '--to', recorded.to, '--json'], {env}),
    ])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/--kind recorded needs --from and --to/)
    expect(asked.code, asked.stderr).toBe(0)
    const request = asked.json<AccessRequest>()
    expect(request).toMatchObject({kind: 'recorded', recorded, status: 'pending'})

    const approved = await approveAccess(owner.api, request.id)
    expect(approved).toMatchObject({status: 'approved', kind: 'recorded', recorded})
    const records = (await t.server.ctx.store.access.approvalsFor(camera.id)).filter((a) => a.requestId === request.id)
    const {approvals} = approvalContext(records, await t.server.ctx.store.policies.ownerKeys(owner.ownerId), {ownerId: owner.ownerId, cameraId: camera.id})
    expect(approvals).toEqual([{...approved.window, requesterId: inesId, kind: 'recorded', recorded}])
    const policy = {...(await testPolicy(owner.api, camera.id, {kind: 'recorded'})).policy!}
    const ask = (kind: 'live' | 'recorded', window?: {from: string; to: string}) =>
      decide(policy, {kind, at: new Date(), requester: {role: 'investigator', userId: inesId}, approvals, ...(window ? {window} : {})})
    expect(ask('recorded', {from: '2026-12-06T02:10:00.000Z', to: recorded.to})).toMatchObject({allow: true, code: 'approval-active'})
    expect(ask('recorded', {from: recorded.from, to: '2026-12-06T02:12:00.000Z'})).toMatchObject({allow: false, code: 'no-approval'})
    expect(ask('live')).toMatchObject({allow: false, code: 'no-approval'})
  })
})

describe('the owner\'s access report', () => {
  it('lists who accessed which camera, when, live or recorded, under which policy reason, and leaves out the owner\'s own actions', async () => {
    const camera = owner.cameras[0]!
    const since = new Date().toISOString()
    // The Core helper audits stream actions like this (target = camera id).
    for (const action of ['stream.start', 'stream.view'])
      await t.server.ctx.audit.append({action, outcome: 'allowed', actorId: inesId, actorName: 'ines', role: 'investigator', target: camera.id, detail: {kind: 'live', policyReason: 'approved by the owner until 2026-11-03T12:30:00.000Z', agency: 'Chicago PD'}})
    await t.server.ctx.audit.append({action: 'stream.stop', outcome: 'allowed', actorId: inesId, actorName: 'ines', role: 'investigator', target: camera.id, detail: {kind: 'live', reason: 'viewer-left', policyReason: 'approved by the owner until 2026-11-03T12:30:00.000Z', agency: 'Chicago PD', durationSeconds: 42}})
    await failure(otto.request('PUT', `/v1/policies/${camera.id}`, {live: 'always'}))
    await requestAccess(otto, {camera: camera.id, reason: 'follow-up', durationMs: 5 * 60_000})
    await setPolicy(owner.api, camera.id, {live: 'always'})

    const report = await accessReport(owner.api, since)
    expect(report.entries.map((e) => [e.who, e.agency, e.action, e.outcome, e.cameraName, e.kind])).toEqual([
      ['ines', 'Chicago PD', 'stream.start', 'allowed', 'Counter', 'live'],
      ['ines', 'Chicago PD', 'stream.view', 'allowed', 'Counter', 'live'],
      ['ines', 'Chicago PD', 'stream.stop', 'allowed', 'Counter', 'live'],
      ['otto', 'Chicago PD', 'policy.change', 'denied', 'Counter', null],
      ['otto', 'Chicago PD', 'access.request', 'allowed', 'Counter', 'live'],
    ])
    expect(report.entries[0]!.reason).toMatch(/^approved by the owner/)
    expect(report.entries[3]!.reason).toMatch(/tried to change your sharing policy/)
    expect(report.entries[4]!.reason).toBe('asked for access: follow-up')
    expect(report.summary).toEqual({byAgency: {'Chicago PD': 5}, live: 1, recorded: 0, snapshots: 0, refused: 1})

    const everything = await accessReport(owner.api)
    expect(everything.entries.length).toBeGreaterThan(report.entries.length)
    expect(everything.entries.every((e) => e.who !== 'bakery')).toBe(true)
  })

  it('a stop entry says why the stream stopped, and the summary counts snapshots apart from live views', async () => {
    const camera = owner.cameras[1]!
    const since = new Date().toISOString()
    const audit = (action: string, detail: Record<string, unknown>) =>
      t.server.ctx.audit.append({action, outcome: 'allowed', actorId: inesId, actorName: 'ines', role: 'investigator', target: camera.id, detail: {kind: 'live', policyReason: 'shared always', agency: 'Chicago PD', ...detail}})
    await audit('stream.start', {snapshot: true})
    await audit('stream.stop', {reason: 'viewer-left', durationSeconds: 3})
    await audit('stream.start', {snapshot: false})
    await audit('stream.stop', {reason: 'policy-window-ended', durationSeconds: 600})
    await audit('stream.start', {snapshot: false})
    await audit('stream.stop', {reason: 'owner-revoked', durationSeconds: 60})
    await audit('stream.start', {snapshot: false})
    await audit('stream.stop', {reason: 'core-offline', durationSeconds: 5})

    const report = await accessReport(owner.api, since)
    expect(report.entries.filter((e) => e.action === 'stream.stop').map((e) => e.reason)).toEqual([
      'stopped after 3 s: the viewer left',
      'stopped after 600 s: the time your policy allowed ended',
      'stopped after 60 s: you revoked the access',
      'stopped after 5 s: the link to your Core dropped',
    ])
    expect(report.entries[0]!.reason).toBe('a single picture: shared always')
    expect(report.summary).toMatchObject({live: 3, snapshots: 1})
  })

  it('refuses cameras whose owner has no account to answer', async () => {
    await t.admin.http.post('v1/registry/import', {
      body: 'external_id,name,latitude,longitude,owner_email,owner_name\nX1,Imported cam,41.95,-87.66,imp@example.org,Imported Owner\n',
      headers: {'content-type': 'application/octet-stream', [IMPORT_OPTIONS_HEADER]: JSON.stringify({format: 'csv', fileName: 'x.csv', source: 'imp'})},
    })
    const camera = (await ines.get<Camera[]>('/v1/registry/cameras', {limit: 1000})).find((c) => c.name === 'Imported cam')!
    const error = await failure(requestAccess(ines, {camera: camera.id, reason: 'x', durationMs: 60_000}))
    expect(error.code).toBe('owner_has_no_account')
  })
})
