/**
 * The server's store reads radius-search rows through a second, mapped read-only connection while the
 * index stays on the main one: each write through the store is seen by the very next search, the main
 * connection's own writes do not rebuild the index, and a search inside a transaction sees its rows.
 */
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {CameraFields} from '../../src/lib/domain/camera.js'
import {cameraLocations} from '../../src/lib/store/camera-locations.js'
import {openDatabase} from '../../src/lib/store/db.js'
import {searchRowSource} from '../../src/lib/store/search-reader.js'
import {SqliteStore} from '../../src/lib/store/sqlite-store.js'
import {removeDir, tempDir} from '../helpers/server.js'

const AT = {latitude: 41.88, longitude: -87.63}
const ALL = {kind: 'all'} as const

const fields = (latitude: number, longitude: number, name = 'Front door'): CameraFields => ({
  name, latitude, longitude, address: null, locationType: 'business', make: null, model: null, viewDescription: null,
  viewDirection: null, fieldOfView: null, records: true, retentionDays: 7, liveCapable: false, tags: ['front'],
})

describe('radius search rows through the store’s search reader', () => {
  let dir: string
  let store: SqliteStore
  let ownerId: string

  beforeEach(async () => {
    dir = tempDir('rtcc-near-reader-')
    store = new SqliteStore(openDatabase(join(dir, 'rtcc.db')), {searchReader: true})
    const owner = {displayName: 'Mo', organisation: null, email: 'mo@example.org', phone: null, postalAddress: null, preferredContact: 'email' as const}
    ownerId = (await store.owners.insertOwner(owner, {verified: true})).id
  })
  afterEach(async () => {
    await store.close()
    removeDir(dir)
  })

  const near = async (radiusMetres = 500, at = AT) => (await store.cameras.nearCameras(ALL, {...at, radiusMetres})).map((f) => [f.camera.id, f.camera.name, Math.round(f.distanceMetres)])

  it('reads through the reader, and sees each insert, move, edit and delete at the very next search without rebuilding the index', async () => {
    expect(searchRowSource(store.db)).not.toBe(store.db)
    const far = {latitude: 41.95, longitude: -87.7}
    await store.cameras.warmNearIndex()
    const index = cameraLocations(store.db)
    const version = index.dataVersion

    const a = await store.cameras.insertOwnerCamera(ownerId, fields(AT.latitude, AT.longitude))
    expect(await near()).toEqual([[a.id, 'Front door', 0]])
    const b = await store.cameras.insertOwnerCamera(ownerId, fields(AT.latitude + 0.001, AT.longitude, 'Side gate'))
    expect(await near()).toEqual([[a.id, 'Front door', 0], [b.id, 'Side gate', 111]])

    await store.cameras.updateCamera(a.id, far)
    expect(await near()).toEqual([[b.id, 'Side gate', 111]])
    expect(await near(10, far)).toEqual([[a.id, 'Front door', 0]])

    await store.cameras.updateCamera(b.id, {name: 'Back gate'})
    expect(await near()).toEqual([[b.id, 'Back gate', 111]])

    await store.cameras.deleteCamera(b.id)
    expect(await near()).toEqual([])
    expect(await near(10, far)).toEqual([[a.id, 'Front door', 0]])

    // The same index throughout: the main connection's own writes did not make it rebuild.
    expect(cameraLocations(store.db)).toBe(index)
    expect(index.dataVersion).toBe(version)
  })

  it('still rebuilds after another connection’s write, and reads it', async () => {
    const a = await store.cameras.insertOwnerCamera(ownerId, fields(AT.latitude, AT.longitude))
    expect(await near()).toEqual([[a.id, 'Front door', 0]])
    const index = cameraLocations(store.db)
    const other = openDatabase(join(dir, 'rtcc.db'))
    other.prepare('UPDATE cameras SET latitude = latitude + 0.002 WHERE id = ?').run(a.id)
    other.close()
    expect(await near()).toEqual([[a.id, 'Front door', 222]])
    expect(cameraLocations(store.db)).not.toBe(index)
  })

  it('inside a transaction, reads through the main connection and sees the transaction’s own rows', async () => {
    const found = await store.transaction(async () => {
      expect(searchRowSource(store.db)).toBe(store.db)
      const a = await store.cameras.insertOwnerCamera(ownerId, fields(AT.latitude, AT.longitude))
      return [a.id, await near()]
    })
    expect(found[1]).toEqual([[found[0], 'Front door', 0]])
  })

  it('closes the reader with the store', async () => {
    const reader = searchRowSource(store.db)
    await store.close()
    expect(reader.open).toBe(false)
    store = new SqliteStore(openDatabase(join(dir, 'rtcc.db')))
  })
})
