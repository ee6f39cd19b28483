import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {CameraFields, CameraInput} from '../../src/lib/domain/camera.js'
import {distanceMetres} from '../../src/lib/registry/geo.js'
import {insertAgency} from '../../src/lib/store/agencies.js'
import {nthSmallest} from '../../src/lib/store/camera-locations.js'
import {type CameraScope, deleteCamera, insertOwnerCamera, listCameras, nearCameras, updateCamera} from '../../src/lib/store/cameras.js'
import {openDatabase, type Db} from '../../src/lib/store/db.js'
import {insertOwner} from '../../src/lib/store/owners.js'
import {applyStaged, ImportStaging, newStagingFile, resolveStagedOwners, withStaging} from '../../src/lib/store/registry-import.js'
import {removeDir, tempDir} from '../helpers/server.js'
import {random} from '../../src/lib/registry/synthetic.js'

let dir: string
let db: Db
let ownerId: string

const next = random(2026)
const near = (spread = 0.03) => ({latitude: 41.88 + (next() * 2 - 1) * spread, longitude: -87.63 + (next() * 2 - 1) * spread})

const fields = (at: {latitude: number; longitude: number}, i: number): CameraFields => ({
  name: `Camera ${i}`, ...at, address: null, locationType: i % 2 ? 'business' : 'residence', make: null, model: null, viewDescription: null,
  viewDirection: null, fieldOfView: null, records: true, retentionDays: 7, liveCapable: false, tags: [],
})

function importRows(rows: CameraInput[]): {inserted: number; updated: number} {
  const staging = new ImportStaging(newStagingFile(dir))
  rows.forEach((row, i) => staging.stage(i + 2, row))
  staging.finish(0)
  try {
    return withStaging(db, staging.file, () => {
      resolveStagedOwners(db)
      return db.transaction(() => applyStaged(db, {onConflict: 'update', now: new Date().toISOString(), staged: staging.staged, sources: staging.stagedSources}))()
    })
  } finally {
    staging.discard()
  }
}

const imported = (i: number, at: {latitude: number; longitude: number}): CameraInput => ({
  ...fields(at, i), source: 'bulk', externalId: `b-${i}`, ownerEmail: `o${i % 7}@example.org`, ownerName: null, ownerOrganisation: null, ownerPhone: null,
})

/** Every camera in scope within the radius, from the table itself, nearest first, ties by id. */
function bruteForce(cameras: {id: string; latitude: number; longitude: number}[], at: {latitude: number; longitude: number}, radius: number): string[] {
  return cameras
    .map((c) => ({id: c.id, d: distanceMetres(at, c)}))
    .filter((c) => c.d <= radius)
    .sort((a, b) => a.d - b.d || (a.id < b.id ? -1 : 1))
    .map((c) => c.id)
}

function expectSameAsBruteForce(scope: CameraScope, points = 30): void {
  const cameras = listCameras(db, scope, {limit: 1_000_000})
  for (let i = 0; i < points; i++) {
    const at = near(0.035)
    const radius = [150, 600, 2500][i % 3]!
    const expected = bruteForce(cameras, at, radius)
    expect(nearCameras(db, scope, {...at, radiusMetres: radius, limit: 100_000}).map((f) => f.camera.id)).toEqual(expected)
    expect(nearCameras(db, scope, {...at, radiusMetres: radius, limit: 5}).map((f) => f.camera.id)).toEqual(expected.slice(0, 5))
  }
}

beforeAll(() => {
  dir = tempDir('rtcc-locations-')
  db = openDatabase(join(dir, 'rtcc.db'))
  ownerId = insertOwner(db, {displayName: 'Mo', organisation: null, email: 'mo@example.org', phone: null, postalAddress: null, preferredContact: 'email'}, {verified: true}).id
})

afterAll(() => {
  db.close()
  removeDir(dir)
})

describe('radius search over the in-memory index', () => {
  it('equals a brute-force haversine scan through owner edits, deletes, bulk imports with moves, and another connection’s writes', () => {
    const all: CameraScope = {kind: 'all'}
    const ids = Array.from({length: 300}, (_, i) => insertOwnerCamera(db, ownerId, fields(near(), i)).id)
    expectSameAsBruteForce(all)

    // Owners move and remove cameras (the index learns moves as they are written, deletes lazily).
    for (const id of ids.slice(0, 60)) updateCamera(db, id, near())
    for (const id of ids.slice(60, 120)) deleteCamera(db, id)
    for (let i = 0; i < 40; i++) insertOwnerCamera(db, ownerId, fields(near(), 1000 + i))
    expectSameAsBruteForce(all)

    // A bulk import, then a re-import that moves half of its cameras and renames the rest.
    const first = Array.from({length: 2000}, (_, i) => imported(i, near()))
    expect(importRows(first)).toEqual({inserted: 2000, updated: 0})
    expectSameAsBruteForce(all)
    const second = first.map((row, i) => (i % 2 ? {...row, ...near()} : {...row, name: `Renamed ${i}`}))
    expect(importRows(second)).toEqual({inserted: 0, updated: 2000})
    expectSameAsBruteForce(all)

    // A rolled-back move leaves a stale entry, which must not show up.
    const moving = ids[200]!
    expect(() =>
      db.transaction(() => {
        updateCamera(db, moving, {latitude: 41.9, longitude: -87.6})
        throw new Error('roll back')
      })(),
    ).toThrow('roll back')
    expect(nearCameras(db, all, {latitude: 41.9, longitude: -87.6, radiusMetres: 1}).map((f) => f.camera.id)).not.toContain(moving)
    expectSameAsBruteForce(all, 15)

    // Another connection (another process) writes: the next search notices and rebuilds.
    const other = openDatabase(join(dir, 'rtcc.db'))
    other.prepare('UPDATE cameras SET latitude = latitude + 0.001 WHERE rowid % 3 = 0').run()
    other.prepare('DELETE FROM cameras WHERE rowid % 7 = 0').run()
    other.close()
    expectSameAsBruteForce(all)
  })

  it('applies an agency’s jurisdiction and a type filter before the limit', () => {
    const agency = insertAgency(db, 'Half PD', {type: 'Polygon', coordinates: [[[-87.7, 41.8], [-87.63, 41.8], [-87.63, 41.95], [-87.7, 41.95], [-87.7, 41.8]]]})
    const scope: CameraScope = {kind: 'agency', agency}
    expectSameAsBruteForce(scope)
    const at = {latitude: 41.88, longitude: -87.63}
    const businesses = bruteForce(listCameras(db, scope, {limit: 1_000_000, type: ['business']}), at, 2000)
    expect(nearCameras(db, scope, {...at, radiusMetres: 2000, limit: 3, type: ['business']}).map((f) => f.camera.id)).toEqual(businesses.slice(0, 3))
  })
})

describe('nthSmallest (the ranking\'s selection)', () => {
  it('equals the n-th of a sort, with many ties, sorted and reversed runs, and a prefix of a longer array', () => {
    const cases: number[][] = [[5], [2, 1], [1, 1, 1, 1], Array.from({length: 500}, (_, i) => i), Array.from({length: 500}, (_, i) => 500 - i)]
    for (let i = 0; i < 40; i++) cases.push(Array.from({length: 1 + Math.floor(next() * 3000)}, () => Math.floor(next() * (i % 2 ? 5 : 1e6)) / 7))
    for (const values of cases) {
      const sorted = [...values].sort((a, b) => a - b)
      const array = Float64Array.from([...values, -1, -2, -3])
      for (const n of [0, values.length - 1, Math.floor(next() * values.length), Math.min(99, values.length - 1)]) {
        expect(nthSmallest(array, values.length, n)).toBe(sorted[n])
      }
      expect([...array.subarray(0, values.length)]).toEqual(values)
    }
  })
})
