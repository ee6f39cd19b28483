import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {parse} from 'csv-parse/sync'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Camera} from '../../src/lib/domain/camera.js'
import {syntheticCameraCsv} from '../../src/lib/registry/synthetic.js'
import {type ImportResult, type RegistryCli, startRegistryCli} from './helpers.js'

let r: RegistryCli
let ownerCameras: Camera[] = []

const OWNER_PASSWORD = 'Round-Trip-Owner-Pass-4'

/** An owner signs up and registers cameras through their own session, as `rtcc camera add` does. */
async function ownerWith(username: string, email: string, cameras: Partial<Camera>[]): Promise<Camera[]> {
  await r.t.anonymous().post('/v1/owners/signup', {username, password: OWNER_PASSWORD, profile: {displayName: `${username} owner`, organisation: null, email, phone: '+1 312 555 0199'}})
  const api = await r.t.login(username, OWNER_PASSWORD)
  const made: Camera[] = []
  for (const c of cameras) {
    made.push(
      await api.post<Camera>('/v1/cameras', {
        name: 'Door', latitude: 41.9, longitude: -87.65, address: null, locationType: 'business', make: null, model: null, viewDescription: null,
        viewDirection: null, fieldOfView: null, records: true, retentionDays: 30, liveCapable: false, tags: [], ...c,
      }),
    )
  }
  return made
}

/** Everything about every camera, including who owns it and when it last changed. */
const snapshot = async () => ({
  cameras: await r.t.admin.get<Camera[]>('/v1/registry/cameras', {limit: 10_000}),
  stats: await r.t.admin.get('/v1/registry/stats'),
})

const importJson = async (args: string[]) => {
  const result = await r.cli(['registry', 'import', ...args, '--json'])
  return {code: result.code, summary: result.json<ImportResult>(), stderr: result.stderr}
}

beforeAll(async () => {
  // Commands run in this process; the 5k exports go through bin/run.js (a real process's warnings and stdout pipe).
  r = await startRegistryCli({inProcess: true})
  const agency = [
    'external_id,source,name,latitude,longitude,location_type,tags,owner_email,owner_name',
    'A1,city-cctv,Main & 1st,41.88,-87.63,public,"traffic,cctv",cctv@city.example,City CCTV',
    'A2,city-cctv,Main & 2nd,41.881,-87.631,public,,cctv@city.example,City CCTV',
  ].join('\n')
  expect((await importJson([r.file('agency.csv', agency)])).code).toBe(0)
  ownerCameras = [
    ...(await ownerWith('deli', 'deli@example.org', [
      {name: '=Front "door", till', address: 'Line one\nLine two, Chicago', viewDescription: 'sidewalk & <street>', viewDirection: 90, fieldOfView: 100, tags: ['storefront', 'ü'], make: '-Axis', liveCapable: true},
      {name: 'Back yard', latitude: 41.90012345, longitude: -87.65098765, records: false, retentionDays: null, locationType: 'residence'},
    ])),
    ...(await ownerWith('cafe', 'cafe@example.org', [{name: 'Café “Ñandú”', retentionDays: 0, locationType: 'other'}])),
  ]
}, 60_000)

afterAll(async () => {
  await r.stop()
})

describe('an export of a registry holding owner-registered cameras', () => {
  it.each(['csv', 'geojson', 'kml', 'jsonl'])('re-imports as %s with every row unchanged and alters nothing', async (format) => {
    const before = await snapshot()
    expect(before.cameras.filter((c) => c.source === 'owner')).toHaveLength(3)
    const out = join(r.dir, `all.${format}`)
    expect((await r.cli(['registry', 'export', '--format', format, '-o', out])).code).toBe(0)
    const again = await importJson([out])
    expect(again.code).toBe(0)
    expect(again.summary).toMatchObject({read: 5, inserted: 0, updated: 0, unchanged: 5, rejected: 0, applied: true})
    expect(await snapshot()).toEqual(before)
  })

  it('rejects an edited owner-registered row: only its owner can change the camera, which keeps its values and owner', async () => {
    const out = join(r.dir, 'edited.jsonl')
    expect((await r.cli(['registry', 'export', '--format', 'jsonl', '-o', out])).code).toBe(0)
    const deliFront = ownerCameras[0]!
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
    const edited = lines.map((row) => (row.external_id === deliFront.id ? {...row, name: 'Taken over', owner_email: 'agency@city.example'} : row))
    edited.push({...lines.find((row) => row.source === 'owner'), external_id: 'cam_00000000000000000000000000', rtcc_id: undefined})
    writeFileSync(out, edited.map((row) => JSON.stringify(row)).join('\n'))
    const before = await snapshot()
    const result = await importJson([out])
    expect(result.code).toBe(3)
    expect(result.summary).toMatchObject({read: 6, inserted: 0, updated: 0, unchanged: 4, rejected: 2})
    expect(result.summary.rejects.map((x) => [x.row, x.errors[0]!.field, x.errors[0]!.message])).toEqual([
      [lines.findIndex((row) => row.external_id === deliFront.id) + 1, 'name', `differs from camera ${deliFront.id}, which its owner registered: only the owner can change it`],
      [6, 'external_id', expect.stringContaining('is not a camera an owner registered here')],
    ])
    expect(await snapshot()).toEqual(before)
  })
})

describe('a large export', () => {
  it('streams 5,000 rows to a file and to stdout without a MaxListenersExceededWarning', async () => {
    const csv = join(r.dir, '5k.csv')
    writeFileSync(csv, [...syntheticCameraCsv(5000, {source: 'bulk'})].join(''))
    expect((await importJson([csv])).summary).toMatchObject({inserted: 5000})
    const toFile = await r.cli(['registry', 'export', '--format', 'geojson', '-o', join(r.dir, '5k.geojson')], {spawn: true})
    expect(toFile.code).toBe(0)
    expect(toFile.stderr).not.toContain('MaxListenersExceededWarning')
    expect(toFile.stderr).toContain('5005 camera(s) written')
    const toStdout = await r.cli(['registry', 'export', '--format', 'csv'], {spawn: true})
    expect(toStdout.code).toBe(0)
    expect(toStdout.stderr).not.toContain('Warning')
    expect(parse(toStdout.stdout)).toHaveLength(5006)
  })
})
