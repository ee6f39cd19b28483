/**
 * The bytes of `GET /v1/registry/near` are a contract (clients, scripts and the lean `registry near`
 * parse them): key order, nulls, booleans, number formatting and string escaping must stay as they
 * are whatever serialises the response. The expected text is written out key by key here.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {IMPORT_OPTIONS_HEADER} from '../../src/lib/domain/registry-import.js'
import {removeDir, startTestServer, type TestServer} from '../helpers/server.js'

let t: TestServer

const FULL = {
  external_id: 'full-1', name: 'Café "Corner" \\ ☕ 東京', latitude: 41.8801, longitude: -87.6301, address: '1 W Example St,\tChicago',
  location_type: 'business', make: 'Axis', model: 'P3245-LVE', view_description: 'door\nand sidewalk', view_direction: 180, field_of_view: 90,
  records: 'yes', retention_days: 30, live_capable: 'yes', tags: 'front,street', owner_email: 'full@example.org', owner_name: 'Full Owner',
}
const BARE = {external_id: 'bare-1', name: 'Bare', latitude: 41.8805, longitude: -87.6295, location_type: 'public', owner_email: 'bare@example.org', owner_name: 'Bare Owner'}

interface NearCamera {
  camera: Record<string, unknown>
  distanceMetres: number
  bearingFromPoint: number
}

const text = (value: unknown) => JSON.stringify(value)

/** One camera's object, key by key, in the order the API has always sent them. */
function cameraJson(c: Record<string, unknown>, fields: typeof FULL | typeof BARE): string {
  const f = fields as Partial<typeof FULL>
  const optional = (value: unknown) => (value === undefined ? 'null' : text(value))
  return (
    `{"id":${text(c.id)},"ownerId":${text(c.ownerId)},"source":"near-json","externalId":${text(f.external_id)},"name":${text(f.name)},` +
    `"latitude":${f.latitude},"longitude":${f.longitude},"address":${optional(f.address)},"locationType":${text(f.location_type)},` +
    `"make":${optional(f.make)},"model":${optional(f.model)},"viewDescription":${optional(f.view_description)},"viewDirection":${optional(f.view_direction)},` +
    `"fieldOfView":${optional(f.field_of_view)},"records":${f.records === 'yes'},"retentionDays":${optional(f.retention_days)},"liveCapable":${f.live_capable === 'yes'},` +
    `"tags":${text(f.tags ? f.tags.split(',') : [])},"createdAt":${text(c.createdAt)},"updatedAt":${text(c.updatedAt)}}`
  )
}

beforeAll(async () => {
  t = await startTestServer()
  const rows = [FULL, BARE].map((row) => JSON.stringify(row)).join('\n')
  const response = await t.admin.http.post('v1/registry/import', {
    body: Buffer.from(rows),
    headers: {'content-type': 'application/octet-stream', [IMPORT_OPTIONS_HEADER]: JSON.stringify({format: 'jsonl', fileName: 'near.jsonl', source: 'near-json'})},
    responseType: 'json',
  })
  expect(response.body).toMatchObject({inserted: 2, rejected: 0})
})

afterAll(async () => {
  await t.stop()
  removeDir(t.dataDir)
})

describe('registry near response bytes', () => {
  it('sends a camera with every field set and one with nulls exactly as before, with and without `when`', async () => {
    for (const when of [undefined, '2026-01-01T00:00:00Z']) {
      const searchParams = {at: '41.88,-87.63', radius: '500m', ...(when ? {when} : {})}
      const body = (await t.admin.http.get('v1/registry/near', {searchParams, responseType: 'text'})).body
      const parsed = JSON.parse(body) as {cameras: NearCamera[]}
      expect(parsed.cameras.map((c) => c.camera.externalId)).toEqual(['full-1', 'bare-1'])
      const [full, bare] = parsed.cameras as [NearCamera, NearCamera]
      // The full camera faces south; the point is south-east of it: facing depends on geometry, so it is read back.
      const facts = (c: NearCamera, facing: string, retained: string) =>
        `"distanceMetres":${c.distanceMetres},"bearingFromPoint":${c.bearingFromPoint},"facesPoint":${facing}${when ? `,"footageRetained":${retained}` : ''}`
      const fullFacing = text((full as unknown as {facesPoint: boolean}).facesPoint)
      expect(body).toBe(
        `{"at":{"latitude":41.88,"longitude":-87.63},"radiusMetres":500,"when":${when ? text(when) : 'null'},"cameras":[` +
          `{"camera":${cameraJson(full.camera, FULL)},${facts(full, fullFacing, 'false')}},` +
          `{"camera":${cameraJson(bare.camera, BARE)},${facts(bare, 'null', 'false')}}]}`,
      )
    }
  })
})
