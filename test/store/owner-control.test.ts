import {afterAll, beforeAll, describe, expect, it} from 'vitest'


import {STATEMENT_FORMAT, type OwnerStatement} from '../../src/lib/domain/policy.js'
import {BACKENDS, useBackendStore, openBackend, type OpenedStore} from './backends.js'
import {addAuditRecord, addCamera, addOwner, addUser} from './fixtures.js'
import type {PgStore} from '../../src/lib/store/postgres/pg-store.js'
import type {SqliteStore} from '../../src/lib/store/sqlite-store.js'

const SQUARE = {type: 'Polygon', coordinates: [[[-87.7, 41.8], [-87.6, 41.8], [-87.6, 41.9], [-87.7, 41.9], [-87.7, 41.8]]]} as const
// The store keeps statements as given; checking their signatures is the Core's job (policy/).
const statement = (type: 'panic' | 'panic-clear'): OwnerStatement => ({format: STATEMENT_FORMAT, type, ownerId: 'own_1', keyId: 'key_1', payload: '{}', signature: 'A'.repeat(86)})

describe.each(BACKENDS)('owner, agency, panic and request repositories on %s', (backend) => {
  const store = useBackendStore(backend)

  it('finds an agency by id or by name in any letter case, and lists them by name', async () => {
    const b = await store.agencies.insertAgency('Bravo PD', SQUARE as never)
    await store.agencies.insertAgency('alpha PD', SQUARE as never)
    expect((await store.agencies.getAgency('BRAVO pd'))?.id).toBe(b.id)
    expect((await store.agencies.getAgency(b.id))?.bbox).toEqual({minLatitude: 41.8, maxLatitude: 41.9, minLongitude: -87.7, maxLongitude: -87.6})
    expect((await store.agencies.listAgencies()).map((a) => a.name)).toEqual(['alpha PD', 'Bravo PD'])
    expect(await store.agencies.agencyMemberCount(b.id)).toBe(0)
  })

  it('keeps an owner profile as given and applies a partial edit', async () => {
    const owner = await store.owners.insertOwner(
      {displayName: 'Corner Shop', organisation: null, email: 'shop@example.org', phone: null, postalAddress: '1 Main St', preferredContact: 'email'},
      {verified: false},
    )
    expect(owner).toMatchObject({displayName: 'Corner Shop', verified: false, postalAddress: '1 Main St'})
    const edited = await store.owners.updateOwner(owner.id, {phone: '+1 555 0100'})
    expect(edited).toMatchObject({displayName: 'Corner Shop', phone: '+1 555 0100'})
    expect(await store.owners.countOwners()).toBe(1)
    await store.owners.deleteOwner(owner.id)
    expect(await store.owners.getOwner(owner.id)).toBeUndefined()
  })

  it('tells which panics are in force at a time and clears only those', async () => {
    const owner = await store.owners.insertOwner({displayName: 'P', organisation: null, email: 'p@example.org', phone: null, postalAddress: null, preferredContact: 'email'}, {verified: true})
    const base = {ownerId: owner.id, message: null, statement: statement('panic'), now: '2026-12-01T10:00:00.000Z'}
    await store.panic.insertPanic({...base, id: 'pan_1', startedAt: '2026-12-01T10:00:00.000Z', until: '2026-12-01T10:30:00.000Z'})
    await store.panic.insertPanic({...base, id: 'pan_2', startedAt: '2026-12-01T10:05:00.000Z', until: '2026-12-01T11:00:00.000Z'})
    const at = new Date('2026-12-01T10:10:00.000Z')
    expect((await store.panic.activePanics(owner.id, at)).map((p) => p.id)).toEqual(['pan_2', 'pan_1'])
    expect((await store.panic.activePanic(owner.id, new Date('2026-12-01T10:45:00.000Z')))?.id).toBe('pan_2')
    const cleared = await store.panic.clearPanics(owner.id, ['pan_1', 'pan_2', 'pan_x'], '2026-12-01T10:20:00.000Z', statement('panic-clear'))
    expect(cleared.map((p) => [p.id, p.until])).toEqual([
      ['pan_1', '2026-12-01T10:20:00.000Z'],
      ['pan_2', '2026-12-01T10:20:00.000Z'],
    ])
    expect(await store.panic.activePanics(null, new Date('2026-12-01T10:25:00.000Z'))).toEqual([])
  })

  it('rolls back a transaction that fails half way', async () => {
    const before = await store.owners.countOwners()
    await expect(
      store.transaction(async () => {
        await store.owners.insertOwner({displayName: 'Gone', organisation: null, email: 'g@example.org', phone: null, postalAddress: null, preferredContact: 'email'}, {verified: false})
        throw new Error('abort')
      }),
    ).rejects.toThrow('abort')
    expect(await store.owners.countOwners()).toBe(before)
  })

  it('stores a footage request with its ranked cameras and timeline, and finds it by token', async () => {
    const owner = await store.owners.insertOwner({displayName: 'R', organisation: null, email: 'r@example.org', phone: null, postalAddress: null, preferredContact: 'email'}, {verified: true})
    const token = Buffer.alloc(32, 7)
    await store.requests.insertRequest({
      id: 'req_1', caseId: 'CASE-1', agencyId: null, agencyName: 'Alpha', issuedBy: {id: 'usr_1', name: 'ivy', role: 'investigator'}, ownerId: owner.id,
      latitude: 41.85, longitude: -87.65, radiusMetres: 300, from: '2026-12-01T02:00:00.000Z', to: '2026-12-01T03:00:00.000Z', reason: 'burglary',
      tokenHash: token, expiresAt: '2026-12-11T00:00:00.000Z', now: '2026-12-01T09:00:00.000Z', source: '127.0.0.1',
      cameras: [
        {cameraId: 'cam_b', name: 'Back door', distanceMetres: 20, facesIncident: true},
        {cameraId: 'cam_a', name: 'Front', distanceMetres: 12.5, facesIncident: null},
      ],
    })
    const row = await store.requests.findRequestByTokenHash(token)
    expect(row?.id).toBe('req_1')
    const request = await store.requests.toFootageRequest(row!, null as never)
    expect(request.cameras).toEqual([
      {cameraId: 'cam_b', name: 'Back door', distanceMetres: 20, facesIncident: true},
      {cameraId: 'cam_a', name: 'Front', distanceMetres: 12.5, facesIncident: null},
    ])
    expect((await store.requests.timeline('req_1')).map((e) => [e.event, e.detail])).toEqual([['issued', {cameras: 2}]])
    expect((await store.requests.listRequestRows({caseId: 'CASE-1'})).length).toBe(1)
    expect(await store.requests.dueForExpiry('2026-12-12T00:00:00.000Z')).toHaveLength(1)
  })
})


describe.each(BACKENDS)('access request repositories and the panic clear on %s', (backend) => {
  let opened: OpenedStore<SqliteStore | PgStore>
  let store: SqliteStore | PgStore
  let ownerId: string
  const approval: OwnerStatement = {format: STATEMENT_FORMAT, type: 'approval', ownerId: 'own_1', keyId: 'key_1', payload: '{}', signature: 'B'.repeat(86)}
  const ask = (id: string, cameraId: string, now: string, more: {agencyId?: string | null; requesterId?: string; kind?: 'live' | 'recorded'; recorded?: {from: string; to: string}} = {}) =>
    store.access.insertAccessRequest({
      id, cameraId, ownerId, requesterId: more.requesterId ?? 'usr_ivy', requesterName: 'ivy', agencyId: more.agencyId ?? null, agencyName: more.agencyId ? 'Alpha PD' : null,
      reason: 'burglary on Main St', durationSeconds: 3600, kind: more.kind, recorded: more.recorded, now,
    })
  beforeAll(async () => {
    opened = await openBackend(backend)
    store = opened.store
    ownerId = (await addOwner(store, 'Access')).id
    await addCamera(store, ownerId, 'cam_1', 'Front door')
    await addCamera(store, ownerId, 'cam_2', 'Yard')
  })
  afterAll(() => opened?.close())

  it('keeps a request as asked and lists requests newest first under every filter', async () => {
    const first = await ask('acc_1', 'cam_1', '2026-12-01T10:00:00.000Z', {agencyId: 'agy_1'})
    expect(first).toEqual({
      id: 'acc_1', cameraId: 'cam_1', cameraName: 'Front door', ownerId, requester: {id: 'usr_ivy', name: 'ivy'}, agency: {id: 'agy_1', name: 'Alpha PD'},
      reason: 'burglary on Main St', durationSeconds: 3600, kind: 'live', recorded: null, status: 'pending', createdAt: '2026-12-01T10:00:00.000Z', decidedAt: null, decisionNote: null, window: null,
    })
    const recorded = {from: '2026-11-30T22:00:00.000Z', to: '2026-11-30T22:05:00.000Z'}
    expect(await ask('acc_2', 'cam_2', '2026-12-01T10:01:00.000Z', {requesterId: 'usr_sam', kind: 'recorded', recorded})).toMatchObject({kind: 'recorded', recorded})
    await ask('acc_3', 'cam_1', '2026-12-01T10:01:00.000Z')
    expect(await store.access.getAccessRequest('acc_x')).toBeUndefined()
    const ids = async (filter: Parameters<typeof store.access.listAccessRequests>[0]) => (await store.access.listAccessRequests(filter)).map((r) => r.id)
    expect(await ids({})).toEqual(['acc_3', 'acc_2', 'acc_1'])
    expect(await ids({ownerId, limit: 2})).toEqual(['acc_3', 'acc_2'])
    expect(await ids({agencyId: 'agy_1'})).toEqual(['acc_1'])
    expect(await ids({requesterId: 'usr_sam'})).toEqual(['acc_2'])
    expect(await ids({ownerId: 'own_other'})).toEqual([])
  })

  it('approves, denies and revokes only from the right state, and hands the Core the approvals in force', async () => {
    const window = {from: '2026-12-01T10:05:00.000Z', until: '2026-12-01T11:05:00.000Z'}
    expect(await store.access.decideAccessRequest('acc_1', {status: 'approved', note: null, now: '2026-12-01T10:05:00.000Z', window, approval})).toBe(true)
    expect(await store.access.decideAccessRequest('acc_1', {status: 'denied', note: 'no', now: '2026-12-01T10:06:00.000Z'})).toBe(false)
    expect(await store.access.decideAccessRequest('acc_2', {status: 'denied', note: 'not this one', now: '2026-12-01T10:06:00.000Z'})).toBe(true)
    expect(await store.access.getAccessRequest('acc_1')).toMatchObject({status: 'approved', decidedAt: '2026-12-01T10:05:00.000Z', window, decisionNote: null})
    expect(await store.access.getAccessRequest('acc_2')).toMatchObject({status: 'denied', decisionNote: 'not this one', window: null})
    expect((await store.access.listAccessRequests({status: 'approved'})).map((r) => r.id)).toEqual(['acc_1'])

    expect(await store.access.approvalsFor('cam_1', new Date('2026-12-01T11:00:00.000Z'))).toEqual([
      {requestId: 'acc_1', cameraId: 'cam_1', ownerId, requesterId: 'usr_ivy', from: window.from, until: window.until, statement: approval},
    ])
    expect(await store.access.approvalsFor('cam_1', new Date('2026-12-01T11:05:00.000Z'))).toEqual([])

    expect(await store.access.revokeAccessRequest('acc_2', 'denied ones cannot be revoked', '2026-12-01T10:30:00.000Z')).toBe(false)
    expect(await store.access.revokeAccessRequest('acc_1', null, '2026-12-01T10:30:00.000Z')).toBe(true)
    expect(await store.access.getAccessRequest('acc_1')).toMatchObject({status: 'revoked', decidedAt: '2026-12-01T10:30:00.000Z', decisionNote: null})
    expect(await store.access.approvalsFor('cam_1', new Date('2026-12-01T10:40:00.000Z'))).toEqual([])
  })

  it("reads the owner's access report rows: others' records on their cameras and requests, oldest first", async () => {
    const agency = await store.agencies.insertAgency('Alpha PD', SQUARE as never)
    await addUser(store, 'usr_ivy', 'ivy', agency.id)
    await addAuditRecord(store, {time: '2026-12-01T10:00:00.000Z', actorId: 'usr_ivy', actorName: 'ivy', action: 'stream.start', target: 'cam_1', detail: {kind: 'live', policyReason: 'always'}})
    await addAuditRecord(store, {time: '2026-12-01T10:01:00.000Z', actorId: 'usr_ivy', actorName: 'ivy', action: 'access.request', target: 'acc_3'})
    await addAuditRecord(store, {time: '2026-12-01T10:02:00.000Z', actorId: ownerId, actorName: 'access', action: 'policy.read', target: 'cam_2'})
    await addAuditRecord(store, {time: '2026-12-01T10:03:00.000Z', actorId: null, actorName: 'core x', action: 'core.policy_mismatch', target: 'cam_2', outcome: 'error'})
    await addAuditRecord(store, {time: '2026-12-01T10:04:00.000Z', actorId: 'usr_ivy', actorName: 'ivy', action: 'registry.show', target: 'cam_elsewhere'})

    const rows = await store.access.accessAuditRows({ownerId, userId: ownerId}, {limit: 10})
    expect(rows.map((r) => [r.action, r.target, r.cameraId, r.cameraName, r.agencyName])).toEqual([
      ['stream.start', 'cam_1', 'cam_1', 'Front door', 'Alpha PD'],
      ['access.request', 'acc_3', 'cam_1', 'Front door', 'Alpha PD'],
      ['core.policy_mismatch', 'cam_2', 'cam_2', 'Yard', null],
    ])
    expect(rows[0]).toMatchObject({actorId: 'usr_ivy', actorName: 'ivy', role: 'investigator', outcome: 'allowed', time: '2026-12-01T10:00:00.000Z', detail: {kind: 'live', policyReason: 'always'}})
    expect(typeof rows[0]!.seq).toBe('number')
    expect((await store.access.accessAuditRows({ownerId, userId: ownerId}, {since: '2026-12-01T10:01:00.000Z', limit: 1})).map((r) => r.action)).toEqual(['access.request'])
    expect(await store.access.accessAuditRows({ownerId, userId: null}, {limit: 10})).toHaveLength(4)
  })

  it('clears a panic named twice once', async () => {
    const base = {ownerId, message: 'help', statement: statement('panic'), now: '2026-12-01T10:00:00.000Z'}
    await store.panic.insertPanic({...base, id: 'pan_a', startedAt: '2026-12-01T10:00:00.000Z', until: '2026-12-01T10:30:00.000Z'})
    expect(await store.panic.getPanic('pan_a')).toMatchObject({id: 'pan_a', message: 'help', clearedAt: null, clearStatement: null, statement: statement('panic')})
    const cleared = await store.panic.clearPanics(ownerId, ['pan_a', 'pan_a'], '2026-12-01T10:10:00.000Z', statement('panic-clear'))
    expect(cleared.map((p) => [p.id, p.clearedAt, p.until])).toEqual([['pan_a', '2026-12-01T10:10:00.000Z', '2026-12-01T10:10:00.000Z']])
    expect((await store.panic.getPanic('pan_a'))?.clearStatement).toEqual(statement('panic-clear'))
    // Another owner's clear touches nothing.
    expect(await store.panic.clearPanics('own_other', ['pan_a'], '2026-12-01T10:05:00.000Z', statement('panic-clear'))).toEqual([])
  })
})
