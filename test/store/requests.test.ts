/** The footage request repository: the same cases on SQLite and on PostgreSQL, the same rows back. */
import {describe, expect, it} from 'vitest'

import type {RequestCamera} from '../../src/lib/domain/requests.js'
import type {NewRequest} from '../../src/lib/store/requests.js'
import {BACKENDS, useBackendStore} from './backends.js'

const SQUARE = {type: 'Polygon', coordinates: [[[-87.7, 41.8], [-87.6, 41.8], [-87.6, 41.9], [-87.7, 41.9], [-87.7, 41.8]]]} as const
const IVY = {id: 'usr_ivy', name: 'ivy', role: 'investigator'}
const CAMERAS: RequestCamera[] = [
  {cameraId: 'cam_b', name: 'Back door', distanceMetres: 20, facesIncident: true},
  {cameraId: 'cam_a', name: 'Front', distanceMetres: 12.5, facesIncident: null},
  {cameraId: 'cam_c', name: 'Side alley', distanceMetres: 140.3, facesIncident: false},
]

let serial = 0
function newRequest(over: Partial<NewRequest> = {}): NewRequest {
  serial++
  return {
    id: `req_${String(serial).padStart(3, '0')}`, caseId: 'CASE-1', agencyId: null, agencyName: 'rtcc', issuedBy: IVY, ownerId: 'own_1',
    latitude: 41.85, longitude: -87.65, radiusMetres: 300, from: '2026-12-01T02:00:00.000Z', to: '2026-12-01T03:00:00.000Z', reason: 'burglary',
    tokenHash: Buffer.alloc(32, serial), expiresAt: '2026-12-08T09:00:00.000Z', cameras: CAMERAS, now: '2026-12-01T09:00:00.000Z', source: '127.0.0.1',
    ...over,
  }
}

describe.each(BACKENDS)('footage request repository on %s', (backend) => {
  const store = useBackendStore(backend)

  it('stores a request and reads back the same row shape', async () => {
    const agency = await store.agencies.insertAgency('Alpha PD', SQUARE as never)
    await store.requests.insertRequest(newRequest({id: 'req_shape', agencyId: agency.id, agencyName: 'Alpha PD', radiusMetres: 212.5}))
    expect(await store.requests.getRequestRow('req_shape')).toEqual({
      id: 'req_shape', case_id: 'CASE-1', agency_id: agency.id, agency_name: 'Alpha PD', issued_by: 'usr_ivy', issued_by_name: 'ivy', owner_id: 'own_1',
      latitude: 41.85, longitude: -87.65, radius_m: 212.5, window_from: '2026-12-01T02:00:00.000Z', window_to: '2026-12-01T03:00:00.000Z', reason: 'burglary',
      status: 'issued', token_hash: expect.any(Buffer), expires_at: '2026-12-08T09:00:00.000Z', decline_reason: null, last_mailed_at: null,
      created_at: '2026-12-01T09:00:00.000Z', updated_at: '2026-12-01T09:00:00.000Z',
    })
    expect(await store.requests.getRequestRow('req_none')).toBeUndefined()
  })

  it('keeps the cameras in rank order with their facing as true, false or unknown', async () => {
    await store.requests.insertRequest(newRequest({id: 'req_cams'}))
    expect(await store.requests.requestCameras('req_cams')).toEqual(CAMERAS)
    await store.requests.insertRequest(newRequest({id: 'req_nocams', cameras: []}))
    expect(await store.requests.requestCameras('req_nocams')).toEqual([])
  })

  it('finds a request by its token hash only until the token is rotated', async () => {
    const first = Buffer.alloc(32, 0xa1)
    const second = Buffer.alloc(32, 0xa2)
    await store.requests.insertRequest(newRequest({id: 'req_token', tokenHash: first}))
    expect((await store.requests.findRequestByTokenHash(first))?.id).toBe('req_token')
    await store.requests.rotateToken('req_token', second)
    expect(await store.requests.findRequestByTokenHash(first)).toBeUndefined()
    expect((await store.requests.findRequestByTokenHash(second))?.id).toBe('req_token')
    expect(await store.requests.findRequestByTokenHash(Buffer.alloc(32, 0xff))).toBeUndefined()
  })

  it('lists by case, status, owner and agency, newest first, ties by id, up to the limit', async () => {
    const agency = await store.agencies.insertAgency('Bravo PD', SQUARE as never)
    const base = {caseId: 'CASE-LIST', agencyId: agency.id, agencyName: 'Bravo PD'}
    await store.requests.insertRequest(newRequest({...base, id: 'req_l_b', now: '2026-12-02T10:00:00.000Z'}))
    await store.requests.insertRequest(newRequest({...base, id: 'req_l_a', now: '2026-12-02T10:00:00.000Z'}))
    await store.requests.insertRequest(newRequest({...base, id: 'req_l_c', now: '2026-12-02T11:00:00.000Z', ownerId: 'own_2'}))
    await store.requests.insertRequest(newRequest({id: 'req_l_x', caseId: 'CASE-LIST', now: '2026-12-02T12:00:00.000Z'}))
    const ids = async (f: Parameters<typeof store.requests.listRequestRows>[0]) => (await store.requests.listRequestRows(f)).map((r) => r.id)
    expect(await ids({caseId: 'CASE-LIST'})).toEqual(['req_l_x', 'req_l_c', 'req_l_a', 'req_l_b'])
    expect(await ids({caseId: 'CASE-LIST', agencyId: agency.id})).toEqual(['req_l_c', 'req_l_a', 'req_l_b'])
    expect(await ids({caseId: 'CASE-LIST', ownerId: 'own_2'})).toEqual(['req_l_c'])
    expect(await ids({caseId: 'CASE-LIST', limit: 2})).toEqual(['req_l_x', 'req_l_c'])
    await store.requests.setRequestStatus('req_l_a', 'viewed', '2026-12-02T13:00:00.000Z')
    expect(await ids({caseId: 'CASE-LIST', status: 'viewed'})).toEqual(['req_l_a'])
    expect(await ids({caseId: 'CASE-NONE'})).toEqual([])
  })

  it('changes status, keeps a decline reason once given, and records the last mail time', async () => {
    await store.requests.insertRequest(newRequest({id: 'req_move'}))
    await store.requests.setRequestStatus('req_move', 'declined', '2026-12-01T10:00:00.000Z', {declineReason: 'no footage'})
    await store.requests.setRequestStatus('req_move', 'declined', '2026-12-01T10:05:00.000Z')
    await store.requests.markMailed('req_move', '2026-12-01T09:30:00.000Z')
    expect(await store.requests.getRequestRow('req_move')).toMatchObject({status: 'declined', decline_reason: 'no footage', updated_at: '2026-12-01T10:05:00.000Z', last_mailed_at: '2026-12-01T09:30:00.000Z'})
  })

  it('finds the open requests due for expiry, oldest expiry first', async () => {
    const at = '2027-01-10T00:00:00.000Z'
    await store.requests.insertRequest(newRequest({id: 'req_e_late', expiresAt: '2027-01-09T12:00:00.000Z'}))
    await store.requests.insertRequest(newRequest({id: 'req_e_early', expiresAt: '2027-01-09T06:00:00.000Z'}))
    await store.requests.insertRequest(newRequest({id: 'req_e_now', expiresAt: at}))
    await store.requests.insertRequest(newRequest({id: 'req_e_future', expiresAt: '2027-01-10T00:00:00.001Z'}))
    await store.requests.insertRequest(newRequest({id: 'req_e_done', expiresAt: '2027-01-09T01:00:00.000Z'}))
    await store.requests.setRequestStatus('req_e_done', 'fulfilled', '2027-01-09T00:00:00.000Z')
    const due = (await store.requests.dueForExpiry(at)).map((r) => r.id).filter((id) => id.startsWith('req_e_'))
    expect(due).toEqual(['req_e_early', 'req_e_late', 'req_e_now'])
  })

  it('appends timeline entries in order, with their detail as given', async () => {
    await store.requests.insertRequest(newRequest({id: 'req_tl'}))
    await store.requests.addTimeline('req_tl', {time: '2026-12-01T09:10:00.000Z', actor: {id: 'server', role: 'system', name: 'rtcc server'}, from: null, event: 'delivered', target: 'req_tl', detail: {transport: 'file', nested: {n: [1, 2]}}})
    await store.requests.addTimeline('req_tl', {time: '2026-12-01T09:05:00.000Z', actor: {id: 'own_1', role: 'owner', name: 'owner (email token)'}, from: '10.0.0.1', event: 'viewed', target: null, detail: null})
    expect(await store.requests.timeline('req_tl')).toEqual([
      {time: '2026-12-01T09:00:00.000Z', actor: IVY, from: '127.0.0.1', event: 'issued', target: 'req_tl', detail: {cameras: 3}},
      {time: '2026-12-01T09:10:00.000Z', actor: {id: 'server', role: 'system', name: 'rtcc server'}, from: null, event: 'delivered', target: 'req_tl', detail: {transport: 'file', nested: {n: [1, 2]}}},
      {time: '2026-12-01T09:05:00.000Z', actor: {id: 'own_1', role: 'owner', name: 'owner (email token)'}, from: '10.0.0.1', event: 'viewed', target: null, detail: null},
    ])
    expect(await store.requests.timeline('req_none')).toEqual([])
  })

  it('shapes a request for the API with its owner, cameras and evidence', async () => {
    await store.requests.insertRequest(newRequest({id: 'req_view'}))
    const custody = {uploadedBy: {id: 'own_1', role: 'owner', name: 'o'}, uploadedAt: '2026-12-01T09:20:00.000Z', uploadedFrom: null, originalName: null, recorderClockOffsetSeconds: null, derivation: null}
    await store.evidence.insertEvidence({id: 'evd_v', requestId: 'req_view', cameraId: 'cam_b', parentId: null, blobId: 'evd_v', sha256: 'ab'.repeat(32), size: 1234, media: {}, encryption: {}, custody, createdAt: '2026-12-01T09:20:00.000Z'})
    const row = (await store.requests.getRequestRow('req_view'))!
    expect(await store.requests.toFootageRequest(row, {displayName: 'Corner Shop', organisation: null})).toEqual({
      id: 'req_view', caseId: 'CASE-1', agency: 'rtcc', issuedBy: 'ivy', ownerId: 'own_1', owner: {displayName: 'Corner Shop', organisation: null},
      incident: {latitude: 41.85, longitude: -87.65, radiusMetres: 300}, window: {from: '2026-12-01T02:00:00.000Z', to: '2026-12-01T03:00:00.000Z'}, reason: 'burglary',
      status: 'issued', expiresAt: '2026-12-08T09:00:00.000Z', declineReason: null, cameras: CAMERAS,
      evidence: [{id: 'evd_v', cameraId: 'cam_b', parentId: null, sha256: 'ab'.repeat(32), size: 1234, createdAt: '2026-12-01T09:20:00.000Z'}],
      createdAt: '2026-12-01T09:00:00.000Z', updatedAt: '2026-12-01T09:00:00.000Z',
    })
  })

  it('a failed transaction leaves neither the request nor its cameras and timeline', async () => {
    await expect(
      store.transaction(async () => {
        await store.requests.insertRequest(newRequest({id: 'req_rollback'}))
        await store.requests.setRequestStatus('req_rollback', 'viewed', '2026-12-01T09:01:00.000Z')
        throw new Error('abort')
      }),
    ).rejects.toThrow('abort')
    expect(await store.requests.getRequestRow('req_rollback')).toBeUndefined()
    expect(await store.requests.requestCameras('req_rollback')).toEqual([])
    expect(await store.requests.timeline('req_rollback')).toEqual([])
  })

  it('refuses a second request with the same id or token', async () => {
    await store.requests.insertRequest(newRequest({id: 'req_dup', tokenHash: Buffer.alloc(32, 0xd0)}))
    await expect(store.requests.insertRequest(newRequest({id: 'req_dup'}))).rejects.toThrow()
    await expect(store.requests.insertRequest(newRequest({id: 'req_dup2', tokenHash: Buffer.alloc(32, 0xd0)}))).rejects.toThrow()
  })
})
