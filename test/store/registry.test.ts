/**
 * The camera registry's repositories and import staging, the same cases on SQLite (in-memory index,
 * in_agency()) and PostgreSQL (PostGIS boxes on the point index, ST_Covers). PostgreSQL is never skipped: without it
 * these tests fail.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {CameraFields, CameraInput} from '../../src/lib/domain/camera.js'
import {distanceMetres} from '../../src/lib/registry/geo.js'
import {random} from '../../src/lib/registry/synthetic.js'
import type {Agency} from '../../src/lib/store/agencies.js'
import type {CameraScope} from '../../src/lib/store/cameras.js'
import type {PgStore} from '../../src/lib/store/postgres/pg-store.js'
import type {SqliteStore} from '../../src/lib/store/sqlite-store.js'
import type {StagedImport, StagedRow} from '../../src/lib/store/store.js'
import {BACKENDS, openBackend, type OpenedStore} from './backends.js'

const fields = (at: {latitude: number; longitude: number}, i: number, extra: Partial<CameraFields> = {}): CameraFields => ({
  name: `Camera ${i}`, ...at, address: null, locationType: i % 3 ? 'business' : 'residence', make: null, model: null, viewDescription: null,
  viewDirection: null, fieldOfView: null, records: true, retentionDays: 7, liveCapable: i % 2 === 0, tags: i % 4 ? [] : ['corner'], ...extra,
})

const imported = (i: number, at: {latitude: number; longitude: number}, extra: Partial<CameraInput> = {}): CameraInput => ({
  ...fields(at, i), source: 'bulk', externalId: `b-${i}`, ownerEmail: `o${i % 5}@example.org`, ownerName: i % 5 ? null : 'Five', ownerOrganisation: null, ownerPhone: null, ...extra,
})

const profile = (email: string) => ({displayName: email, organisation: null, email, phone: null, postalAddress: null, preferredContact: 'email' as const})

/**
 * Stages rows numbered from 2 (a file with a header) as the import service does: batches through add(),
 * each row flagged maybeRepeat exactly when its key came before, then endStaging() (where SQLite finds
 * the repeats). For each row, the earlier row it repeats, or undefined.
 */
async function stageRows(staging: StagedImport, cameras: CameraInput[]): Promise<(number | undefined)[]> {
  const seen = new Set<string>()
  const rows = cameras.map((camera, i): StagedRow => {
    const key = `${camera.source}\0${camera.externalId}`
    const maybeRepeat = seen.has(key)
    seen.add(key)
    return {row: i + 2, camera, maybeRepeat, raw: maybeRepeat ? {} : undefined}
  })
  const firsts: (number | undefined)[] = []
  for (let at = 0; at < rows.length; at += staging.batchRows) {
    const batch = rows.slice(at, at + staging.batchRows)
    const answers = await staging.add(batch)
    batch.forEach((_row, i) => firsts.push(answers[i]))
  }
  for (const {row, first} of (await staging.endStaging(rows.length)).listed) firsts[row - 2] = first
  return firsts
}

/** Every camera within the radius, nearest first, ties by id: geo.ts's haversine over the table. */
function bruteForce(cameras: {id: string; latitude: number; longitude: number}[], at: {latitude: number; longitude: number}, radius: number) {
  return cameras
    .map((c) => ({id: c.id, d: distanceMetres(at, c)}))
    .filter((c) => c.d <= radius)
    .sort((a, b) => a.d - b.d || (a.id < b.id ? -1 : 1))
}

/** ~`metres` north of a latitude. */
const north = (latitude: number, metres: number) => latitude + metres / 111_195

// A jurisdiction whose east edge is longitude -87.63 between 41.80 and 41.95.
const HALF = {type: 'Polygon', coordinates: [[[-87.7, 41.8], [-87.63, 41.8], [-87.63, 41.95], [-87.7, 41.95], [-87.7, 41.8]]]} as const
/** Degrees of longitude per metre at 41.88°. */
const LON_PER_M = 1 / (111_195 * Math.cos((41.88 * Math.PI) / 180))

describe.each(BACKENDS)('registry repositories on %s', (backend) => {
  let opened: OpenedStore<SqliteStore | PgStore>
  let store: SqliteStore | PgStore
  let ownerId: string
  const next = random(11)
  const near = (spread = 0.03) => ({latitude: 41.88 + (next() * 2 - 1) * spread, longitude: -87.63 + (next() * 2 - 1) * spread})

  async function importRows(rows: CameraInput[], onConflict: 'update' | 'skip' | 'fail' = 'update') {
    const staging = await store.stageImport()
    try {
      const firsts = await stageRows(staging, rows)
      const ownersCreated = await staging.resolveOwners()
      const counts = await staging.count()
      const done = await store.transaction(() => staging.apply({onConflict, now: new Date().toISOString()}))
      return {firsts, ownersCreated, counts, done, staged: staging.staged}
    } finally {
      await staging.discard()
    }
  }

  beforeAll(async () => {
    opened = await openBackend(backend)
    store = opened.store
    ownerId = (await store.owners.insertOwner(profile('mo@example.org'), {verified: true})).id
  })
  afterAll(() => opened?.close())

  it('keeps an owner’s cameras, filters and pages them, and edits and deletes them', async () => {
    const other = (await store.owners.insertOwner(profile('other@example.org'), {verified: true})).id
    const mine = []
    for (let i = 0; i < 12; i++) mine.push(await store.cameras.insertOwnerCamera(ownerId, fields({latitude: 10 + i * 0.001, longitude: 20}, i)))
    await store.cameras.insertOwnerCamera(other, fields({latitude: 10, longitude: 20.01}, 99))
    const own: CameraScope = {kind: 'owner', ownerId}
    expect(mine[0]).toMatchObject({ownerId, source: 'owner', externalId: mine[0]!.id, records: true, tags: ['corner'], liveCapable: true})
    expect((await store.cameras.listCameras(own)).map((c) => c.id)).toEqual(mine.map((c) => c.id).sort())
    expect((await store.cameras.listCameras(own, {type: ['residence']})).length).toBe(4)
    expect((await store.cameras.listCameras(own, {tag: 'corner'})).length).toBe(3)
    expect((await store.cameras.listCameras(own, {liveCapable: false})).length).toBe(6)
    expect((await store.cameras.listCameras(own, {bbox: {minLatitude: 10.0025, maxLatitude: 10.0055, minLongitude: 19, maxLongitude: 21}})).length).toBe(3)
    const sorted = mine.map((c) => c.id).sort()
    expect((await store.cameras.listCameras(own, {afterId: sorted[4], limit: 3})).map((c) => c.id)).toEqual(sorted.slice(5, 8))
    expect(await store.cameras.getCamera({kind: 'owner', ownerId: other}, mine[0]!.id)).toBeUndefined()

    const stats = await store.cameras.registryStats(own)
    expect(stats).toEqual({cameras: 12, owners: 1, byType: {business: 8, residence: 4}, liveCapable: 6, records: 12})

    const moved = await store.cameras.updateCamera(mine[1]!.id, {latitude: 10.5, name: 'Moved', tags: ['a', 'b'], liveCapable: false})
    expect(moved).toMatchObject({latitude: 10.5, longitude: 20, name: 'Moved', tags: ['a', 'b'], liveCapable: false, createdAt: mine[1]!.createdAt})
    const registered = await store.cameras.getOwnerRegisteredCamera(own, mine[2]!.id)
    expect(registered).toMatchObject({id: mine[2]!.id, ownerEmail: 'mo@example.org', ownerName: 'mo@example.org', ownerOrganisation: null})
    expect(await store.cameras.getOwnerRegisteredCamera({kind: 'owner', ownerId: other}, mine[2]!.id)).toBeUndefined()

    const page = await store.cameras.camerasWithOwners(own, {after: sorted[9], limit: 1000})
    expect(page.map((c) => c.id)).toEqual(sorted.slice(10))
    const picked = await store.cameras.camerasWithOwners(own, {ids: [sorted[3]!, 'cam_missing', sorted[0]!]})
    expect(picked.map((c) => c.id)).toEqual([sorted[3], sorted[0]])

    for (const camera of mine) await store.cameras.deleteCamera(camera.id)
    expect(await store.cameras.listCameras(own)).toEqual([])
    await store.owners.deleteOwner(other)
  })

  it('stages an import, names repeated rows, creates owners by email, and re-importing converges', async () => {
    const rows = Array.from({length: 300}, (_, i) => imported(i, near()))
    const withRepeat = [...rows.slice(0, 150), {...rows[7]!, name: 'again'}, ...rows.slice(150)]
    const first = await importRows(withRepeat)
    expect(first.firsts.filter((f) => f !== undefined)).toEqual([9])
    expect(first.firsts[150]).toBe(9)
    expect(first.staged).toBe(300)
    expect(first.ownersCreated).toBe(5)
    expect(first.counts).toEqual({fresh: 300, changed: 0, same: 0})
    expect(first.done).toEqual({inserted: 300, updated: 0})
    const owner = (await store.cameras.camerasWithOwners({kind: 'all'}, {limit: 10_000})).find((c) => c.externalId === 'b-5')!
    expect(owner).toMatchObject({ownerEmail: 'o0@example.org', ownerName: 'Five', name: 'Camera 5', tags: [], liveCapable: false})

    const again = await importRows(rows)
    expect(again).toMatchObject({ownersCreated: 0, counts: {fresh: 0, changed: 0, same: 300}, done: {inserted: 0, updated: 0}})

    const edited = rows.map((row, i) => (i < 40 ? {...row, name: `Renamed ${i}`} : i < 60 ? {...row, ownerEmail: 'new@example.org'} : row))
    const skipped = await importRows([...edited, imported(1000, near())], 'skip')
    expect(skipped).toMatchObject({ownersCreated: 1, counts: {fresh: 1, changed: 60, same: 240}, done: {inserted: 1, updated: 0}})
    const updated = await importRows(edited)
    expect(updated).toMatchObject({ownersCreated: 0, counts: {fresh: 0, changed: 60, same: 240}, done: {inserted: 0, updated: 60}})
    const all = await store.cameras.camerasWithOwners({kind: 'all'}, {limit: 10_000})
    expect(all.find((c) => c.externalId === 'b-3')!.name).toBe('Renamed 3')
    expect(all.find((c) => c.externalId === 'b-45')!.ownerEmail).toBe('new@example.org')
  })

  it('creates an owner named in several rows with the greatest name and organisation among them, with or without repeated rows', async () => {
    const details = [[null, 'Org B'], ['Bea', null], ['Al', 'Org A'], [null, null]] as const
    const rows = (source: string) =>
      details.map(([ownerName, ownerOrganisation], i) => imported(8000 + i, near(), {source, ownerEmail: `${source}@example.org`, ownerName, ownerOrganisation}))
    // Staged as they are, and with a repeated row (its details left out: repeats are never applied).
    const plain = rows('variants')
    const repeated = rows('variants-again')
    await importRows(plain)
    await importRows([...repeated, {...repeated[0]!, ownerName: 'Zed'}])
    const owners = (await store.cameras.camerasWithOwners({kind: 'all'}, {limit: 10_000})).filter((c) => c.source.startsWith('variants'))
    expect(new Set(owners.map((c) => `${c.ownerEmail} ${c.ownerName} ${c.ownerOrganisation}`))).toEqual(
      new Set(['variants@example.org Bea Org B', 'variants-again@example.org Bea Org B']),
    )
  })

  it('stages text with tabs, line breaks, backslashes and quotes as given, and reads it back unchanged', async () => {
    const odd = 'Tab\there, back\\slash \\N\nnew line\r\n"quoted" \u00e9\u4e2d'
    const row = imported(7000, near(), {source: 'odd', name: odd, address: odd, ownerName: odd, ownerEmail: 'odd@example.org', tags: [odd, 'x']})
    expect((await importRows([row])).done).toEqual({inserted: 1, updated: 0})
    const stored = (await store.cameras.camerasWithOwners({kind: 'all'}, {limit: 10_000})).find((c) => c.source === 'odd')!
    expect(stored).toMatchObject({name: odd, address: odd, ownerName: odd, tags: [odd, 'x']})
    expect((await importRows([row])).counts).toEqual({fresh: 0, changed: 0, same: 1})
  })

  it('runs more imports at once than the store has connections, each applied whole', async () => {
    const results = await Promise.all(
      Array.from({length: 12}, (_, k) => importRows(Array.from({length: 30}, (_, i) => imported(i, near(), {source: `together-${k}`, ownerEmail: `t${k}@example.org`})))),
    )
    expect(results.map((r) => r.done)).toEqual(Array.from({length: 12}, () => ({inserted: 30, updated: 0})))
    const all = await store.cameras.listCameras({kind: 'all'}, {limit: 100_000})
    expect(all.filter((c) => c.source.startsWith('together-')).length).toBe(360)
  })

  it('changes nothing when an import is discarded or its transaction rolls back', async () => {
    const before = await store.cameras.registryStats({kind: 'all'})
    const owners = await store.owners.countOwners()
    const rows = Array.from({length: 50}, (_, i) => imported(5000 + i, near(), {ownerEmail: `gone${i}@example.org`}))
    const killed = await store.stageImport()
    await stageRows(killed, rows)
    await killed.discard()
    const rolled = await store.stageImport()
    try {
      await stageRows(rolled, rows)
      expect(await rolled.resolveOwners()).toBe(50)
      await expect(
        store.transaction(async () => {
          expect(await rolled.apply({onConflict: 'update', now: new Date().toISOString()})).toEqual({inserted: 50, updated: 0})
          throw new Error('roll back')
        }),
      ).rejects.toThrow('roll back')
    } finally {
      await rolled.discard()
    }
    expect(await store.cameras.registryStats({kind: 'all'})).toEqual(before)
    expect(await store.owners.countOwners()).toBe(owners)
  })

  it('finds exactly the cameras a brute-force haversine scan finds, nearest first, in every scope', async () => {
    for (let i = 0; i < 200; i++) await store.cameras.insertOwnerCamera(ownerId, fields(near(), 2000 + i))
    const agency = await store.agencies.insertAgency('Half PD', HALF as never)
    for (const scope of [{kind: 'all'}, {kind: 'owner', ownerId}, {kind: 'agency', agency}] as CameraScope[]) {
      const cameras = await store.cameras.listCameras(scope, {limit: 1_000_000})
      for (let i = 0; i < 12; i++) {
        const at = near(0.035)
        const radius = [150, 600, 2500][i % 3]!
        const expected = bruteForce(cameras, at, radius)
        const found = await store.cameras.nearCameras(scope, {...at, radiusMetres: radius, limit: 100_000})
        expect(found.map((f) => f.camera.id)).toEqual(expected.map((e) => e.id))
        found.forEach((f, k) => expect(Math.abs(f.distanceMetres - expected[k]!.d)).toBeLessThan(1e-6))
        const five = await store.cameras.nearCameras(scope, {...at, radiusMetres: radius, limit: 5, type: ['business']})
        const businesses = new Set(cameras.filter((c) => c.locationType === 'business').map((c) => c.id))
        expect(five.map((f) => f.camera.id)).toEqual(expected.filter((e) => businesses.has(e.id)).slice(0, 5).map((e) => e.id))
      }
    }
  })

  it('an agency sees a camera just inside its edge and never one 50 m outside', async () => {
    const agency = (await store.agencies.getAgency('Half PD')) as Agency
    const scope: CameraScope = {kind: 'agency', agency}
    const edgeOwner = (await store.owners.insertOwner(profile('edge@example.org'), {verified: true})).id
    const inside = await store.cameras.insertOwnerCamera(edgeOwner, fields({latitude: 41.87, longitude: -87.63 - 50 * LON_PER_M}, 1))
    const outside = await store.cameras.insertOwnerCamera(edgeOwner, fields({latitude: 41.87, longitude: -87.63 + 50 * LON_PER_M}, 2))
    const northOut = await store.cameras.insertOwnerCamera(edgeOwner, fields({latitude: north(41.95, 50), longitude: -87.65}, 3))
    const listed = (await store.cameras.listCameras(scope, {ownerId: edgeOwner})).map((c) => c.id)
    expect(listed).toEqual([inside.id])
    expect(await store.cameras.getCamera(scope, inside.id)).toBeDefined()
    expect(await store.cameras.getCamera(scope, outside.id)).toBeUndefined()
    expect(await store.cameras.getCamera(scope, northOut.id)).toBeUndefined()
    const found = (await store.cameras.nearCameras(scope, {latitude: 41.87, longitude: -87.63, radiusMetres: 120})).map((f) => f.camera.id)
    expect(found).toContain(inside.id)
    expect(found).not.toContain(outside.id)
    const foundAll = (await store.cameras.nearCameras({kind: 'all'}, {latitude: 41.87, longitude: -87.63, radiusMetres: 120})).map((f) => f.camera.id)
    expect(foundAll).toContain(outside.id)
    expect((await store.cameras.camerasWithOwners(scope, {ids: [inside.id, outside.id, northOut.id]})).map((c) => c.id)).toEqual([inside.id])
    const all = await store.cameras.listCameras(scope, {limit: 1_000_000})
    expect((await store.cameras.registryStats(scope)).cameras).toBe(all.length)
  })
})

describe('import staging on postgres', () => {
  it('drops staging tables a dead process left behind days ago, and no others', async () => {
    const opened = (await openBackend('postgres')) as OpenedStore<PgStore>
    try {
      const pool = opened.store.pool
      const now = Math.floor(Date.now() / 1000)
      await pool.query('CREATE UNLOGGED TABLE import_staging_1000_0a (x int)')
      await pool.query('CREATE UNLOGGED TABLE import_owners_1000_0a (x int)')
      await pool.query(`CREATE UNLOGGED TABLE import_staging_${now}_0b (x int)`)
      const staging = await opened.store.stageImport()
      await staging.discard()
      const {rows} = await pool.query("SELECT relname FROM pg_class WHERE relname LIKE 'import\\_%' ORDER BY relname")
      expect(rows.map((r: {relname: string}) => r.relname)).toEqual([`import_staging_${now}_0b`])
    } finally {
      await opened.close()
    }
  })
})
