/**
 * The PostgreSQL import's own paths: one COPY held open across batches, repeats found by key hashes
 * and looked up only when a hash was seen before, the counting join before UPDATE/INSERT, and the
 * bulk insert that drops and rebuilds the cameras table's indexes and keys. PostgreSQL only.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {CameraInput} from '../../src/lib/domain/camera.js'
import type {PgStore} from '../../src/lib/store/postgres/pg-store.js'
import type {StagedImport, StagedRow} from '../../src/lib/store/store.js'
import {openBackend, type OpenedStore} from './backends.js'

const camera = (i: number, extra: Partial<CameraInput> = {}): CameraInput => ({
  source: 'pgi', externalId: `e-${i}`, ownerEmail: `o${i % 7}@example.org`, ownerName: null, ownerOrganisation: null, ownerPhone: null,
  name: `Camera ${i}`, latitude: 41.8 + (i % 1000) / 10_000, longitude: -87.6 - Math.floor(i / 1000) / 10_000, address: null, locationType: 'business',
  make: null, model: null, viewDescription: null, viewDirection: null, fieldOfView: null, records: true, retentionDays: 7, liveCapable: false, tags: [],
  ...extra,
})

/**
 * Adds rows (numbered from 2, as in a file with a header) in batches of `batch`, each flagged maybeRepeat
 * exactly when its key came before, or with `flagAll` every one (what key hashes could at worst say);
 * the firsts add() returned, in file order.
 */
async function stage(staging: StagedImport, cameras: CameraInput[], {batch = 1000, flagAll = false} = {}): Promise<(number | undefined)[]> {
  const seen = new Set<string>()
  const rows = cameras.map((camera, i): StagedRow => {
    const key = `${camera.source}\0${camera.externalId}`
    const maybeRepeat = flagAll || seen.has(key)
    seen.add(key)
    return {row: i + 2, camera, maybeRepeat}
  })
  const firsts: (number | undefined)[] = []
  for (let start = 0; start < rows.length; start += batch) firsts.push(...(await staging.add(rows.slice(start, start + batch))))
  return firsts
}

describe('import staging and apply on postgres', () => {
  let opened: OpenedStore<PgStore>
  let store: PgStore
  beforeAll(async () => {
    opened = (await openBackend('postgres')) as OpenedStore<PgStore>
    store = opened.store
  })
  afterAll(() => opened?.close())

  const stagingTables = async () =>
    (await store.pool.query("SELECT relname FROM pg_class WHERE relname LIKE 'import\\_%'")).rows.map((r: {relname: string}) => r.relname)

  async function importAll(cameras: CameraInput[], onConflict: 'update' | 'skip' = 'update') {
    const staging = await store.stageImport()
    try {
      const firsts = await stage(staging, cameras)
      await staging.resolveOwners()
      const counts = await staging.count()
      const done = await store.transaction(() => staging.apply({onConflict, now: new Date().toISOString()}))
      return {firsts, counts, done, staged: staging.staged}
    } finally {
      await staging.discard()
    }
  }

  it('names the first row of every repeated key, within a batch and across batches, and stages each key once', async () => {
    const cameras = Array.from({length: 3500}, (_, i) => camera(i))
    // Row numbers are index + 2. Repeats: in the same batch as their first (a first that was not suspect
    // when it arrived), across one and two batch boundaries, and one key three times.
    cameras[10] = camera(5, {name: 'same batch'})
    cameras[1200] = camera(20, {name: 'next batch'})
    cameras[2999] = camera(1999, {name: 'next batch, first at the end of its batch'})
    cameras[3400] = camera(20, {name: 'third time'})
    cameras[3401] = camera(3402, {name: 'first of a pair in one batch'})
    cameras[3402] = camera(3402, {name: 'second of the pair'})
    const {firsts, counts, done, staged} = await importAll(cameras)
    const repeats = firsts.flatMap((first, i) => (first === undefined ? [] : [[i + 2, first]]))
    expect(repeats).toEqual([[12, 7], [1202, 22], [3001, 2001], [3402, 22], [3404, 3403]])
    expect(staged).toBe(3500 - 5)
    expect(counts).toEqual({fresh: 3495, changed: 0, same: 0})
    expect(done).toEqual({inserted: 3495, updated: 0})
    const stored = await store.cameras.camerasWithOwners({kind: 'all'}, {limit: 10_000})
    expect(stored.length).toBe(3495)
    // The first row of each key is the one applied.
    expect(stored.find((c) => c.externalId === 'e-5')!.name).toBe('Camera 5')
    expect(stored.find((c) => c.externalId === 'e-20')!.name).toBe('Camera 20')
    expect(stored.find((c) => c.externalId === 'e-3402')!.name).toBe('first of a pair in one batch')
    expect(await stagingTables()).toEqual([])
  })

  it('names the same first rows when every row is flagged as a possible repeat (flags only cost lookups)', async () => {
    const cameras = Array.from({length: 2500}, (_, i) => camera(90_000 + (i % 2400)))
    cameras[700] = camera(90_005, {name: 'repeat within the first batch'})
    const staged = async (flagAll: boolean) => {
      const staging = await store.stageImport()
      try {
        return {firsts: await stage(staging, cameras, {flagAll}), staged: staging.staged}
      } finally {
        await staging.discard()
      }
    }
    const exact = await staged(false)
    expect(exact.firsts.filter((f) => f !== undefined)).toHaveLength(101)
    expect(exact.firsts[700]).toBe(7)
    expect(await staged(true)).toEqual(exact)
  })

  it('counts a re-import exactly and writes only what changed', async () => {
    // The keys the first test applied (its repeats had replaced five keys), with their first rows' values.
    const gone = new Set(['e-10', 'e-1200', 'e-2999', 'e-3400', 'e-3401'])
    const cameras = Array.from({length: 3500}, (_, i) => camera(i)).filter((c) => !gone.has(c.externalId))
    const before = new Map((await store.cameras.camerasWithOwners({kind: 'all'}, {limit: 10_000})).map((c) => [c.externalId, c]))
    // e-3402 differs: the first test applied it under another name.
    const same = await importAll(cameras)
    expect(same.counts).toEqual({fresh: 0, changed: 1, same: 3494})
    expect(same.done).toEqual({inserted: 0, updated: 1})
    const again = await importAll(cameras)
    expect(again.counts).toEqual({fresh: 0, changed: 0, same: 3495})
    expect(again.done).toEqual({inserted: 0, updated: 0})
    const after = new Map((await store.cameras.camerasWithOwners({kind: 'all'}, {limit: 10_000})).map((c) => [c.externalId, c]))
    expect(after.get('e-100')!.updatedAt).toBe(before.get('e-100')!.updatedAt)

    const edited = cameras.map((c, i) => (i < 30 ? {...c, name: `Renamed ${i}`} : i < 50 ? {...c, ownerEmail: 'moved@example.org'} : c))
    const fresh = Array.from({length: 12}, (_, i) => camera(10_000 + i))
    const skipped = await importAll([...edited, ...fresh], 'skip')
    expect(skipped.counts).toEqual({fresh: 12, changed: 50, same: 3445})
    expect(skipped.done).toEqual({inserted: 12, updated: 0})
    const updated = await importAll([...edited, ...fresh])
    expect(updated.counts).toEqual({fresh: 0, changed: 50, same: 3457})
    expect(updated.done).toEqual({inserted: 0, updated: 50})
    const stored = await store.cameras.camerasWithOwners({kind: 'all'}, {limit: 20_000})
    expect(stored.length).toBe(3507)
    expect(stored.find((c) => c.externalId === 'e-3')!.name).toBe('Renamed 3')
    expect(stored.find((c) => c.externalId === 'e-40')!.ownerEmail).toBe('moved@example.org')
  })

  it('leaves nothing when an import is discarded with its COPY still open, and its connection is not reused mid-COPY', async () => {
    const before = await store.cameras.registryStats({kind: 'all'})
    const staging = await store.stageImport()
    await stage(staging, Array.from({length: 2500}, (_, i) => camera(50_000 + i, {ownerEmail: 'killed@example.org'})))
    await staging.discard()
    expect(await stagingTables()).toEqual([])
    expect(await store.cameras.registryStats({kind: 'all'})).toEqual(before)
    // Every pooled connection still answers (none was returned in the middle of a COPY).
    const answers = await Promise.all(Array.from({length: 12}, () => store.pool.query('SELECT 1 AS one')))
    expect(answers.map((a) => a.rows[0].one)).toEqual(Array.from({length: 12}, () => 1))
    const owners = await store.pool.query("SELECT count(*) AS n FROM owners WHERE email = 'killed@example.org'")
    expect(owners.rows[0].n).toBe(0)
  })

  it('lays new cameras out in geohash order (map neighbours on neighbouring pages), ids still in file order', async () => {
    let seed = 11
    const next = () => (seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647
    const scattered = Array.from({length: 2000}, (_, i) => camera(i, {source: 'spatial', latitude: 41.6 + next() * 0.5, longitude: -88 + next() * 0.6}))
    expect((await importAll(scattered)).done).toEqual({inserted: 2000, updated: 0})
    const laidOut = (await store.pool.query(
      `SELECT ST_GeoHash(ST_MakePoint(longitude, latitude), 10) AS cell FROM cameras WHERE source = 'spatial' ORDER BY ctid`,
    )).rows.map((r: {cell: string}) => r.cell)
    expect(laidOut).toEqual([...laidOut].sort())
    const byId = (await store.pool.query(`SELECT external_id FROM cameras WHERE source = 'spatial' ORDER BY id`)).rows.map((r: {external_id: string}) => r.external_id)
    expect(byId).toEqual(scattered.map((c) => c.externalId))
  })

  describe('a bulk import (50,000 rows into a smaller registry)', () => {
    const schema = async () =>
      (
        await store.pool.query(
          `SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS d FROM pg_constraint
           WHERE conrelid = 'cameras'::regclass OR confrelid = 'cameras'::regclass
           UNION ALL SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = 'cameras'::regclass ORDER BY 1`,
        )
      ).rows.map((r: {d: string}) => r.d)
    const big = Array.from({length: 50_000}, (_, i) => camera(i, {source: 'bulk'}))

    it('rolls back whole, keys and indexes included', async () => {
      const keys = await schema()
      const cameras = await store.cameras.registryStats({kind: 'all'})
      const staging = await store.stageImport()
      try {
        await stage(staging, big)
        await staging.resolveOwners()
        await expect(
          store.transaction(async () => {
            expect(await staging.apply({onConflict: 'update', now: new Date().toISOString()})).toEqual({inserted: 50_000, updated: 0})
            throw new Error('roll back')
          }),
        ).rejects.toThrow('roll back')
      } finally {
        await staging.discard()
      }
      expect(await schema()).toEqual(keys)
      expect(await store.cameras.registryStats({kind: 'all'})).toEqual(cameras)
    })

    it('rebuilds every index and key, which hold afterwards', async () => {
      const keys = await schema()
      expect(keys.some((k) => k.includes('USING gist'))).toBe(true)
      expect(keys.some((k) => k.startsWith('core_cameras ') && k.includes('REFERENCES cameras(id)'))).toBe(true)
      const result = await importAll(big)
      expect(result.done).toEqual({inserted: 50_000, updated: 0})
      expect(await schema()).toEqual(keys)
      const one = (await store.cameras.camerasWithOwners({kind: 'all'}, {limit: 100_000})).find((c) => c.source === 'bulk' && c.externalId === 'e-4321')!
      const copy = (id: string) =>
        store.pool.query(
          `INSERT INTO cameras (id, owner_id, source, external_id, name, latitude, longitude, location_type, records, live_capable, created_at, updated_at)
           SELECT $2, owner_id, source, external_id, name, latitude, longitude, location_type, records, live_capable, created_at, updated_at FROM cameras WHERE id = $1`,
          [one.id, id],
        )
      await expect(copy(one.id)).rejects.toThrow(/duplicate key.*cameras_pkey/)
      await expect(copy('cam_other')).rejects.toThrow(/duplicate key.*source_external_id/)
      await expect(store.pool.query("UPDATE cameras SET owner_id = 'own_nobody' WHERE id = $1", [one.id])).rejects.toThrow(/foreign key/)
      const near = await store.cameras.nearCameras({kind: 'all'}, {latitude: one.latitude, longitude: one.longitude, radiusMetres: 5})
      expect(near.map((n) => n.camera.id)).toContain(one.id)
      const plan = (await store.pool.query('EXPLAIN SELECT id FROM cameras c WHERE c.location::geometry && ST_MakeEnvelope(-87.61, 41.8, -87.6, 41.81, 4326)')).rows
      expect(JSON.stringify(plan)).toMatch(/cameras_point/)
    })
  })
})
