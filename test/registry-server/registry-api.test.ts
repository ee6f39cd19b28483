import {createReadStream} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {ApiClient} from '../../src/lib/client/api.js'
import type {Camera} from '../../src/lib/domain/camera.js'
import {IMPORT_OPTIONS_HEADER, type ImportSummary} from '../../src/lib/domain/registry-import.js'
import {distanceMetres} from '../../src/lib/registry/geo.js'
import {removeDir, startTestServer, type TestServer} from '../helpers/server.js'
import {failure} from '../helpers/failure.js'

const SPEED = fileURLToPath(new URL('../../examples/data/chicago-speed-cameras.csv', import.meta.url))
const speedMap = {
  columns: {external_id: 'LOCATION ID', name: 'ADDRESS', address: 'ADDRESS'},
  defaults: {source: 'chicago-speed', location_type: 'public', owner_email: 'cdot@example.org', owner_name: 'City of Chicago'},
  view_direction_from_approaches: ['FIRST APPROACH', 'SECOND APPROACH'],
}

let t: TestServer

async function importFile(client: ApiClient, body: Buffer | NodeJS.ReadableStream, options: Record<string, unknown>): Promise<ImportSummary> {
  const response = await client.http.post('v1/registry/import', {
    body: body as Buffer,
    headers: {'content-type': 'application/octet-stream', [IMPORT_OPTIONS_HEADER]: JSON.stringify(options)},
    responseType: 'json',
  })
  if (response.statusCode >= 400) throw new Error(JSON.stringify(response.body))
  return response.body as ImportSummary
}

beforeAll(async () => {
  t = await startTestServer()
})

afterAll(async () => {
  await t.stop()
  removeDir(t.dataDir)
})

describe('registry import over the API', () => {
  it('imports the real Chicago speed camera file with a map, and re-importing changes nothing', async () => {
    const first = await importFile(t.admin, createReadStream(SPEED), {format: 'csv', fileName: 'chicago-speed-cameras.csv', map: speedMap})
    expect(first).toMatchObject({read: 160, inserted: 160, rejected: 0, applied: true, ownersCreated: 1})
    const again = await importFile(t.admin, createReadStream(SPEED), {format: 'csv', fileName: 'chicago-speed-cameras.csv', map: speedMap})
    expect(again).toMatchObject({read: 160, inserted: 0, updated: 0, unchanged: 160})
    const stats = await t.admin.get<{cameras: number; owners: number}>('/v1/registry/stats')
    expect(stats).toMatchObject({cameras: 160, owners: 1})
  })

  it('rejects bad rows with row and field, imports the rest, and --atomic applies nothing', async () => {
    const csv = 'external_id,name,latitude,longitude,owner_email\nA1,Good,41.9,-87.6,a@example.org\nA2,Bad lat,91,-87.6,a@example.org\nA3,Bad mail,41.8,-87.6,not-an-email\n'
    const atomic = await importFile(t.admin, Buffer.from(csv), {format: 'csv', fileName: 'mixed.csv', source: 'test-mixed', atomic: true})
    expect(atomic).toMatchObject({read: 3, rejected: 2, applied: false})
    expect((await t.admin.get<Camera[]>('/v1/registry/cameras', {limit: 10_000})).some((c) => c.source === 'test-mixed')).toBe(false)
    const partial = await importFile(t.admin, Buffer.from(csv), {format: 'csv', fileName: 'mixed.csv', source: 'test-mixed'})
    expect(partial).toMatchObject({read: 3, inserted: 1, rejected: 2, applied: true})
    expect(partial.rejects.map((r) => [r.row, r.errors[0]!.field])).toEqual([[3, 'latitude'], [4, 'owner_email']])
  })
})

describe('radius search', () => {
  it('equals a brute-force haversine scan, nearest first, with bearing and facing', async () => {
    const at = {latitude: 41.88, longitude: -87.68}
    const all = await t.admin.get<Camera[]>('/v1/registry/cameras', {limit: 10_000})
    const expected = all.filter((c) => distanceMetres(at, c) <= 3000).sort((a, b) => distanceMetres(at, a) - distanceMetres(at, b)).map((c) => c.id)
    const near = await t.admin.get<{cameras: {camera: Camera; distanceMetres: number; bearingFromPoint: number; facesPoint: boolean | null}[]}>('/v1/registry/near', {at: '41.88,-87.68', radius: '3km', limit: 1000})
    expect(expected.length).toBeGreaterThan(0)
    expect(near.cameras.map((c) => c.camera.id)).toEqual(expected)
    expect(near.cameras[0]!.bearingFromPoint).toBeGreaterThanOrEqual(0)
  })
})

describe('access control', () => {
  it('refuses the registry to anonymous callers and to installers', async () => {
    expect((await failure(t.anonymous().get('/v1/registry/cameras'))).exitCode).toBe(4)
    const installer = await t.userClient('ian', 'installer')
    expect((await failure(installer.get('/v1/registry/cameras'))).exitCode).toBe(4)
  })

  it('an agency user cannot see a camera just outside its jurisdiction', async () => {
    // A square around the Loop; one camera just inside, one 50 m outside the east edge.
    const square = {type: 'Polygon', coordinates: [[[-87.64, 41.87], [-87.62, 41.87], [-87.62, 41.89], [-87.64, 41.89], [-87.64, 41.87]]]}
    await t.admin.post('/v1/agencies', {name: 'Loop PD', jurisdiction: square})
    const csv = 'external_id,name,latitude,longitude,owner_email\nIN,Inside,41.88,-87.6205,b@example.org\nOUT,Outside,41.88,-87.6194,b@example.org\n'
    await importFile(t.admin, Buffer.from(csv), {format: 'csv', fileName: 'edge.csv', source: 'edge'})
    await t.admin.post('/v1/users', {username: 'lola', password: 'Loop-Analyst-Pass-1', role: 'analyst', agency: 'Loop PD'})
    const lola = await t.login('lola', 'Loop-Analyst-Pass-1')
    const near = await lola.get<{cameras: {camera: Camera}[]}>('/v1/registry/near', {at: '41.88,-87.62', radius: '500m'})
    expect(near.cameras.map((c) => c.camera.externalId)).toEqual(['IN'])
    const listed = await lola.get<Camera[]>('/v1/registry/cameras', {limit: 10_000})
    expect(listed.map((c) => c.externalId)).toContain('IN')
    expect(listed.map((c) => c.externalId)).not.toContain('OUT')
    const out = (await t.admin.get<Camera[]>('/v1/registry/cameras', {limit: 10_000})).find((c) => c.externalId === 'OUT')!
    expect((await failure(lola.get(`/v1/registry/cameras/${out.id}`))).code).toBe('not_found')
  })

  it('owners sign up, manage only their own cameras, and delete their profile for good', async () => {
    await t.anonymous().post('/v1/owners/signup', {username: 'corner-shop', password: 'Shop-Owner-Pass-9', profile: {displayName: 'Mo', organisation: 'Corner Shop', email: 'mo@example.org'}})
    const mo = await t.login('corner-shop', 'Shop-Owner-Pass-9')
    const camera = await mo.post<Camera>('/v1/cameras', {
      name: 'Front door', latitude: 41.9, longitude: -87.65, address: null, locationType: 'business', make: null, model: null, viewDescription: 'the sidewalk',
      viewDirection: 90, fieldOfView: 90, records: true, retentionDays: 14, liveCapable: false, tags: ['storefront'],
    })
    expect((await mo.get<Camera[]>('/v1/cameras')).map((c) => c.id)).toEqual([camera.id])
    const mine = await mo.get<Camera[]>('/v1/registry/cameras')
    expect(mine.map((c) => c.id)).toEqual([camera.id])
    const someoneElses = (await t.admin.get<Camera[]>('/v1/registry/cameras', {limit: 1})).find((c) => c.id !== camera.id)!
    expect((await failure(mo.patch(`/v1/cameras/${someoneElses.id}`, {name: 'mine now'}))).code).toBe('not_found')
    await mo.delete('/v1/owners/me')
    expect((await failure(t.admin.get(`/v1/registry/cameras/${camera.id}`))).code).toBe('not_found')
    expect(await t.databaseHolds('mo@example.org')).toBe(false)
  })
})
