/** The search repository: the same jobs and sightings on SQLite and on PostgreSQL, filtered and scoped alike. */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {PgStore} from '../../src/lib/store/postgres/pg-store.js'
import type {SearchJob, StoredSighting} from '../../src/lib/store/search.js'
import type {SqliteStore} from '../../src/lib/store/sqlite-store.js'
import {BACKENDS, openBackend, type OpenedStore} from './backends.js'

const NOW = '2026-12-01T10:00:00.000Z'

function sighting(id: string, evidenceId: string, over: Partial<StoredSighting> = {}): StoredSighting {
  return {
    id, caseId: 'CASE-S', evidenceId, cameraId: null, label: 'car', score: 0.8, startSeconds: 1.5, endSeconds: 4, bestSeconds: 2.5,
    box: {x1: 1, y1: 2, x2: 30.5, y2: 40}, colours: ['red'], thumbBlob: `evd_t${id}`, thumbSha256: 'ab'.repeat(32), thumbBytes: 1234, createdAt: NOW, ...over,
  }
}

describe.each(BACKENDS)('search repository on %s', (backend) => {
  let opened: OpenedStore<SqliteStore | PgStore>
  let store: SqliteStore | PgStore
  let ids: {north: string; south: string}
  beforeAll(async () => {
    opened = await openBackend(backend)
    store = opened.store
    const square = {type: 'Polygon', coordinates: [[[-87.7, 41.8], [-87.6, 41.8], [-87.6, 41.9], [-87.7, 41.8]]]}
    const agencies = {north: (await store.agencies.insertAgency('North PD', square as never)).id, south: (await store.agencies.insertAgency('South PD', square as never)).id}
    ids = agencies
    for (const [id, agencyId] of [['req_n', agencies.north], ['req_s', agencies.south]] as const) {
      await store.requests.insertRequest({
        id, caseId: 'CASE-S', agencyId, agencyName: agencyId, issuedBy: {id: 'usr_1', name: 'ivy', role: 'investigator'}, ownerId: 'own_1',
        latitude: 41.85, longitude: -87.65, radiusMetres: 300, from: '2026-12-01T02:00:00.000Z', to: '2026-12-01T03:00:00.000Z', reason: 'burglary',
        tokenHash: Buffer.from(id.padEnd(32, '.')), expiresAt: '2026-12-08T00:00:00.000Z', now: NOW, source: null, cameras: [],
      })
      await store.evidence.insertEvidence({
        id: `evd_${id}`, requestId: id, cameraId: null, parentId: null, blobId: `evd_${id}`, sha256: 'c0'.repeat(32), size: 10, media: {}, encryption: {},
        custody: {uploadedBy: {id: 'own_1', role: 'owner', name: 'o'}, uploadedAt: NOW, uploadedFrom: null, originalName: null, recorderClockOffsetSeconds: null, derivation: null}, createdAt: NOW,
      })
    }
  })
  afterAll(() => opened?.close())

  it('keeps jobs and their progress, and the newest job of a case per agency', async () => {
    const job: SearchJob = {id: 'sjb_1', caseId: 'CASE-S', agencyId: ids.north, startedBy: 'usr_1', status: 'running', filesTotal: 2, filesDone: 0, sightings: 0, error: null, createdAt: NOW, updatedAt: NOW}
    await store.search.insertJob(job)
    await store.search.updateJob('sjb_1', {status: 'done', filesTotal: 2, filesDone: 2, sightings: 3, error: null, updatedAt: NOW})
    expect(await store.search.getJob('sjb_1')).toEqual({...job, status: 'done', filesDone: 2, sightings: 3})
    expect((await store.search.latestJob('CASE-S', ids.north))?.id).toBe('sjb_1')
    expect(await store.search.latestJob('CASE-S', ids.south)).toBeUndefined()
  })

  it('stores sightings per file and finds them by agency, class, colour and score, best first', async () => {
    await store.search.insertSightings({evidenceId: 'evd_req_n', jobId: 'sjb_1', indexedAt: NOW}, [sighting('sgt_1', 'evd_req_n'), sighting('sgt_2', 'evd_req_n', {label: 'person', colours: ['blue', 'white'], score: 0.9})])
    await store.search.insertSightings({evidenceId: 'evd_req_s', jobId: 'sjb_2', indexedAt: NOW}, [sighting('sgt_3', 'evd_req_s')])
    expect(await store.search.isIndexed('evd_req_n')).toBe(true)
    const find = (f: Partial<Parameters<typeof store.search.findSightings>[0]>) => store.search.findSightings({agencyId: null, minScore: 0, limit: 10, ...f}).then((r) => r.map((s) => s.id))
    expect(await find({})).toEqual(['sgt_2', 'sgt_1', 'sgt_3'])
    expect(await find({agencyId: ids.north})).toEqual(['sgt_2', 'sgt_1'])
    expect(await find({agencyId: 'agy_other'})).toEqual([])
    expect(await find({colour: 'white'})).toEqual(['sgt_2'])
    expect(await find({label: 'car', minScore: 0.85})).toEqual([])
    expect(await find({from: '2026-12-01T02:30:00.000Z', to: '2026-12-01T02:40:00.000Z', caseId: 'CASE-S'})).toHaveLength(3)
    expect(await find({from: '2026-12-02T00:00:00.000Z'})).toEqual([])
    const found = await store.search.getSighting('sgt_2')
    expect(found).toEqual({...sighting('sgt_2', 'evd_req_n', {label: 'person', colours: ['blue', 'white'], score: 0.9}), requestId: 'req_n', agencyId: ids.north, windowFrom: '2026-12-01T02:00:00.000Z', windowTo: '2026-12-01T03:00:00.000Z', latitude: null, longitude: null})
  })
})
