import {afterAll, beforeAll, describe, expect, it} from 'vitest'


import {STATEMENT_FORMAT, type OwnerStatement} from '../../src/lib/domain/policy.js'
import {BACKENDS, openBackend, type OpenedStore} from './backends.js'
import type {PgStore} from '../../src/lib/store/postgres/pg-store.js'
import type {SqliteStore} from '../../src/lib/store/sqlite-store.js'

const SQUARE = {type: 'Polygon', coordinates: [[[-87.7, 41.8], [-87.6, 41.8], [-87.6, 41.9], [-87.7, 41.9], [-87.7, 41.8]]]} as const
// The store keeps statements as given; checking their signatures is the Core's job (policy/).
const statement = (type: 'panic' | 'panic-clear'): OwnerStatement => ({format: STATEMENT_FORMAT, type, ownerId: 'own_1', keyId: 'key_1', payload: '{}', signature: 'A'.repeat(86)})

describe.each(BACKENDS)('owner, agency, panic and request repositories on %s', (backend) => {
  let opened: OpenedStore<SqliteStore | PgStore>
  let store: SqliteStore | PgStore
  beforeAll(async () => {
    opened = await openBackend(backend)
    store = opened.store
  })
  afterAll(() => opened?.close())

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

