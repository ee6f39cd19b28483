/**
 * Radius search where a lat/lon box is not one plain rectangle: across the antimeridian (two boxes)
 * and around a pole (one box of every longitude), and with a limit that the inner ring of the radius
 * already fills (PostgreSQL then never reads the rest). Both backends must find exactly what a
 * brute-force haversine scan finds, nearest first.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {CameraFields} from '../../src/lib/domain/camera.js'
import {distanceMetres, type LatLon} from '../../src/lib/registry/geo.js'
import {random} from '../../src/lib/registry/synthetic.js'
import type {PgStore} from '../../src/lib/store/postgres/pg-store.js'
import type {SqliteStore} from '../../src/lib/store/sqlite-store.js'
import {BACKENDS, openBackend, type OpenedStore} from './backends.js'

const fields = (at: LatLon, i: number): CameraFields => ({
  name: `Edge ${i}`, ...at, address: null, locationType: 'business', make: null, model: null, viewDescription: null,
  viewDirection: null, fieldOfView: null, records: true, retentionDays: 7, liveCapable: false, tags: [],
})

const profile = {displayName: 'Edge', organisation: null, email: 'edge@example.org', phone: null, postalAddress: null, preferredContact: 'email' as const}

describe.each(BACKENDS)('near search at the map’s edges on %s', (backend) => {
  let opened: OpenedStore<SqliteStore | PgStore>
  let store: SqliteStore | PgStore
  const next = random(5)
  const cameras: (LatLon & {id: string})[] = []

  beforeAll(async () => {
    opened = await openBackend(backend)
    store = opened.store
    const ownerId = (await store.owners.insertOwner(profile, {verified: true})).id
    // A dense cluster: 200 cameras within ~500 m of 45°N 7°E.
    for (let i = 0; i < 200; i++) {
      const camera = await store.cameras.insertOwnerCamera(ownerId, fields({latitude: 45 + (next() * 2 - 1) * 0.0045, longitude: 7 + (next() * 2 - 1) * 0.0064}, 200 + i))
      cameras.push({id: camera.id, latitude: camera.latitude, longitude: camera.longitude})
    }
    // 60 cameras within ~3 km either side of the antimeridian at 10°N, 60 within ~3 km of the north pole.
    for (let i = 0; i < 120; i++) {
      const at =
        i < 60
          ? {latitude: 10 + (next() * 2 - 1) * 0.03, longitude: i % 2 ? 180 - next() * 0.03 : -180 + next() * 0.03}
          : {latitude: 90 - next() * 0.03, longitude: (next() * 2 - 1) * 180}
      const camera = await store.cameras.insertOwnerCamera(ownerId, fields(at, i))
      cameras.push({id: camera.id, latitude: camera.latitude, longitude: camera.longitude})
    }
  })
  afterAll(() => opened?.close())

  const bruteForce = (at: LatLon, radius: number) =>
    cameras
      .map((c) => ({id: c.id, d: distanceMetres(at, c)}))
      .filter((c) => c.d <= radius)
      .sort((a, b) => a.d - b.d || (a.id < b.id ? -1 : 1))

  it.each([
    ['east of the antimeridian', {latitude: 10, longitude: 179.999}],
    ['west of the antimeridian', {latitude: 10.005, longitude: -179.998}],
    ['at the north pole', {latitude: 89.99, longitude: 45}],
  ])('finds exactly the brute-force cameras %s, nearest first', async (_, at) => {
    for (const radius of [1500, 4000]) {
      const expected = bruteForce(at, radius)
      expect(expected.length).toBeGreaterThan(0)
      const found = await store.cameras.nearCameras({kind: 'all'}, {...at, radiusMetres: radius, limit: 1000})
      expect(found.map((f) => f.camera.id)).toEqual(expected.map((e) => e.id))
      found.forEach((f, k) => expect(Math.abs(f.distanceMetres - expected[k]!.d)).toBeLessThan(1e-6))
    }
  })

  it('takes the nearest cameras from the inner ring when it holds the limit, and reads the whole radius when it does not', async () => {
    const at = {latitude: 45.0003, longitude: 7.0002}
    const expected = bruteForce(at, 2000)
    expect(expected.filter((e) => e.d <= 500).length).toBeGreaterThan(20)
    for (const limit of [1, 20, expected.length - 5, expected.length + 5]) {
      const found = await store.cameras.nearCameras({kind: 'all'}, {...at, radiusMetres: 2000, limit})
      expect(found.map((f) => f.camera.id)).toEqual(expected.slice(0, limit).map((e) => e.id))
    }
  })
})
