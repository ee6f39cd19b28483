/** The evidence repository: the same cases on SQLite and on PostgreSQL, the same records back. */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {EvidenceRecord} from '../../src/lib/store/evidence.js'
import type {PgStore} from '../../src/lib/store/postgres/pg-store.js'
import type {SqliteStore} from '../../src/lib/store/sqlite-store.js'
import {BACKENDS, openBackend, type OpenedStore} from './backends.js'

const OWNER = {id: 'own_1', role: 'owner', name: 'owner (email token)'}

function record(id: string, over: Partial<EvidenceRecord> = {}): EvidenceRecord {
  return {
    id, requestId: 'req_1', cameraId: 'cam_a', parentId: null, blobId: id, sha256: 'c0'.repeat(32), size: 5_000_000_123,
    media: {container: 'mp4', durationSeconds: 12.5, video: {codec: 'h264', width: 1920, height: 1080}},
    encryption: {algorithm: 'aes-256-gcm', keyId: 'k1', storedBytes: 5_000_000_200},
    custody: {uploadedBy: OWNER, uploadedAt: '2026-12-01T10:00:00.000Z', uploadedFrom: '10.0.0.9', originalName: 'clip 1.mp4', recorderClockOffsetSeconds: -3.5, derivation: null},
    createdAt: '2026-12-01T10:00:00.000Z',
    ...over,
  }
}

describe.each(BACKENDS)('evidence repository on %s', (backend) => {
  let opened: OpenedStore<SqliteStore | PgStore>
  let store: SqliteStore | PgStore
  beforeAll(async () => {
    opened = await openBackend(backend)
    store = opened.store
    for (const id of ['req_1', 'req_2'])
      await store.requests.insertRequest({
        id, caseId: 'CASE-E', agencyId: null, agencyName: 'rtcc', issuedBy: {id: 'usr_1', name: 'ivy', role: 'investigator'}, ownerId: 'own_1',
        latitude: 41.85, longitude: -87.65, radiusMetres: 300, from: '2026-12-01T02:00:00.000Z', to: '2026-12-01T03:00:00.000Z', reason: 'burglary',
        tokenHash: Buffer.from(id.padEnd(32, '.')), expiresAt: '2026-12-08T00:00:00.000Z', now: '2026-12-01T09:00:00.000Z', source: null, cameras: [],
      })
  })
  afterAll(() => opened?.close())

  it('reads back a record exactly as stored, sizes past 2^32 included', async () => {
    const original = record('evd_1')
    await store.evidence.insertEvidence(original)
    expect(await store.evidence.getEvidence('evd_1')).toEqual(original)
    expect(await store.evidence.getEvidence('evd_none')).toBeUndefined()
  })

  it('keeps a derived copy with its parent and how it was made', async () => {
    const derived = record('evd_2', {
      parentId: 'evd_1', cameraId: null, createdAt: '2026-12-01T10:05:00.000Z',
      custody: {...record('x').custody, originalName: null, recorderClockOffsetSeconds: null, derivation: {tool: 'ffmpeg', version: '6.1', operation: 'trim', arguments: ['-ss', '00:01']}},
    })
    await store.evidence.insertEvidence(derived)
    expect(await store.evidence.getEvidence('evd_2')).toEqual(derived)
    await expect(store.evidence.insertEvidence(record('evd_3', {parentId: 'evd_missing'}))).rejects.toThrow()
    await expect(store.evidence.insertEvidence(record('evd_1'))).rejects.toThrow()
  })

  it('lists a request’s files by upload time, then id, and its summaries the same way', async () => {
    await store.evidence.insertEvidence(record('evd_b', {requestId: 'req_2', createdAt: '2026-12-01T11:00:00.000Z'}))
    await store.evidence.insertEvidence(record('evd_a', {requestId: 'req_2', createdAt: '2026-12-01T11:00:00.000Z'}))
    await store.evidence.insertEvidence(record('evd_0', {requestId: 'req_2', createdAt: '2026-12-01T10:30:00.000Z', size: 7}))
    expect((await store.evidence.evidenceForRequest('req_2')).map((e) => e.id)).toEqual(['evd_0', 'evd_a', 'evd_b'])
    expect(await store.requests.evidenceSummaries('req_2')).toEqual([
      {id: 'evd_0', cameraId: 'cam_a', parentId: null, sha256: 'c0'.repeat(32), size: 7, createdAt: '2026-12-01T10:30:00.000Z'},
      {id: 'evd_a', cameraId: 'cam_a', parentId: null, sha256: 'c0'.repeat(32), size: 5_000_000_123, createdAt: '2026-12-01T11:00:00.000Z'},
      {id: 'evd_b', cameraId: 'cam_a', parentId: null, sha256: 'c0'.repeat(32), size: 5_000_000_123, createdAt: '2026-12-01T11:00:00.000Z'},
    ])
    expect(await store.evidence.evidenceForRequest('req_none')).toEqual([])
  })

  it('refuses a record for a request that does not exist', async () => {
    await expect(store.evidence.insertEvidence(record('evd_orphan', {requestId: 'req_none'}))).rejects.toThrow()
  })

  it('a record inserted in a failed transaction is gone', async () => {
    await expect(
      store.transaction(async () => {
        await store.evidence.insertEvidence(record('evd_rolled', {requestId: 'req_1'}))
        throw new Error('abort')
      }),
    ).rejects.toThrow('abort')
    expect(await store.evidence.getEvidence('evd_rolled')).toBeUndefined()
  })
})
