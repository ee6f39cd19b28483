import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {NearResult} from '../../src/lib/client/registry.js'
import type {Camera, Owner} from '../../src/lib/domain/camera.js'
import {IMPORT_OPTIONS_HEADER} from '../../src/lib/domain/registry-import.js'
import {type RegistryCli, startRegistryCli} from './helpers.js'

let r: RegistryCli
let cameras: Camera[]

// A square around the Loop. IN sits 17 m inside its east edge, OUT 5 m outside it.
const SQUARE = {type: 'Feature', properties: {name: 'Loop'}, geometry: {type: 'Polygon', coordinates: [[[-87.64, 41.87], [-87.62, 41.87], [-87.62, 41.89], [-87.64, 41.89], [-87.64, 41.87]]]}}
const EDGE_CSV = 'external_id,name,latitude,longitude,location_type,owner_email\nIN,Inside,41.88,-87.6202,business,edge@example.org\nOUT,Outside,41.88,-87.61994,business,edge@example.org\nFAR,Far away,41.95,-87.70,school,edge@example.org\n'

beforeAll(async () => {
  // Commands run in this process; `spawn: true` sends at least one per command family through bin/run.js.
  r = await startRegistryCli({inProcess: true})
  // Setup through the API: the CLI is what the tests below exercise.
  await r.t.admin.http.post('v1/registry/import', {
    body: EDGE_CSV,
    headers: {'content-type': 'application/octet-stream', [IMPORT_OPTIONS_HEADER]: JSON.stringify({format: 'csv', fileName: 'edge.csv', source: 'edge'})},
  })
  cameras = await r.t.admin.get<Camera[]>('/v1/registry/cameras')
  for (const [name, role] of [['sam', 'supervisor'], ['ivy', 'investigator'], ['ana', 'analyst'], ['ian', 'installer']] as const) await r.user(name, role)
})

afterAll(async () => {
  await r.stop()
})

const id = (externalId: string) => cameras.find((c) => c.externalId === externalId)!.id

describe('who may read and import the registry', () => {
  it.each([['default'], ['sam'], ['ivy'], ['ana']])('%s (admin, supervisor, investigator, analyst) lists the registry', async (profile) => {
    const result = await r.cli(['registry', 'list', '--json'], {profile})
    expect(result.code).toBe(0)
    expect(result.json<Camera[]>().map((c) => c.externalId).sort()).toEqual(['FAR', 'IN', 'OUT'])
  })

  it('an installer gets exit 4 for list and export', async () => {
    for (const args of [['registry', 'list'], ['registry', 'export', '--format', 'csv']]) {
      const result = await r.cli(args, {profile: 'ian', spawn: true})
      expect(result.code).toBe(4)
      expect(result.stderr).toMatch(/role "installer" may not registry\.(list|export)/)
      expect(result.stdout).toBe('')
    }
  })

  it('an unauthenticated caller gets 401 (exit 4) from the server', async () => {
    const result = await r.cli(['registry', 'near', '--at', '41.88,-87.63', '--radius', '1km', '--server', r.t.url], {
      profile: 'nobody',
      env: {RTCC_TOKEN: 'rtcc_s_not-a-real-token', RTCC_FINGERPRINT: r.t.fingerprint},
    })
    expect(result.code).toBe(4)
    expect(result.stderr).toContain('GET /v1/registry/near')
  })

  it('an analyst may not import (exit 4); the file is not read into the registry', async () => {
    const result = await r.cli(['registry', 'import', r.file('analyst.csv', 'external_id,name,latitude,longitude,owner_email\nZ1,Z,41.9,-87.6,z@example.org\n'), '--source', 'analyst'], {profile: 'ana'})
    expect(result.code).toBe(4)
    expect((await r.t.admin.get<Camera[]>('/v1/registry/cameras')).some((c) => c.source === 'analyst')).toBe(false)
  })
})

describe('agencies and jurisdictions', () => {
  it('adds an agency from a GeoJSON file and lists it', async () => {
    const add = await r.cli(['agency', 'add', 'Loop PD', '--jurisdiction', r.file('loop.geojson', JSON.stringify(SQUARE)), '--json'], {spawn: true})
    expect(add.code).toBe(0)
    expect(add.json()).toMatchObject({name: 'Loop PD', polygons: 1, bbox: {minLatitude: 41.87, maxLatitude: 41.89, minLongitude: -87.64, maxLongitude: -87.62}})
    const bad = await r.cli(['agency', 'add', 'Broken PD', '--jurisdiction', r.file('line.geojson', JSON.stringify({type: 'LineString', coordinates: [[0, 0], [1, 1]]}))])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('line.geojson')
    const list = await r.cli(['agency', 'list'])
    expect(list.stdout).toMatch(/^Loop PD\t0\t1\t-87\.64,41\.87,-87\.62,41\.89\tagy_/m)
  })

  it('an agency user sees a camera just inside the boundary and not one 5 m outside, in every read', async () => {
    const add = await r.cli(['user', 'add', 'lola', '--role', 'investigator', '--agency', 'Loop PD', '--password-stdin', '--json'], {input: 'Loop-Investigator-Pass-3'})
    expect(add.code).toBe(0)
    expect((await r.cli(['login', r.t.url, '--user', 'lola', '--password-stdin', '--fingerprint', r.t.fingerprint], {profile: 'lola', input: 'Loop-Investigator-Pass-3'})).code).toBe(0)
    const as = (args: string[]) => r.cli(args, {profile: 'lola'})

    const near = (await as(['registry', 'near', '--at', '41.88,-87.62', '--radius', '500m', '--json'])).json<NearResult>()
    expect(near.cameras.map((c) => c.camera.externalId)).toEqual(['IN'])
    expect((await as(['registry', 'list', '--json'])).json<Camera[]>().map((c) => c.externalId)).toEqual(['IN'])
    expect((await as(['registry', 'stats', '--json'])).json()).toMatchObject({cameras: 1, byType: {business: 1}})
    const exported = await as(['registry', 'export', '--format', 'jsonl'])
    expect(exported.stdout.trim().split('\n').map((line) => (JSON.parse(line) as {external_id: string}).external_id)).toEqual(['IN'])
    const hidden = await as(['registry', 'show', id('OUT')])
    expect(hidden.code).toBe(1)
    expect(hidden.stderr).toContain(`camera ${id('OUT')} not found`)

    const moved = await r.cli(['user', 'set-agency', 'lola', '--none', '--json'])
    expect(moved.json()).toMatchObject({username: 'lola', agencyId: null})
    expect((await as(['registry', 'near', '--at', '41.88,-87.62', '--radius', '500m', '--json'])).json<NearResult>().cameras.map((c) => c.camera.externalId)).toEqual(['OUT', 'IN'])
  })
})

describe('camera owners', () => {
  const OWNER_PASSWORD = 'Front-Door-Pass-5'
  const mo = (args: string[], input?: string, spawn?: boolean) => r.cli(args, {profile: 'mo', input, spawn})

  it('signs up with flags and --password-stdin, is logged in, and manages only its own cameras', async () => {
    const signup = await mo(
      ['owner', 'signup', r.t.url, '--user', 'corner-shop', '--name', 'Mo Patel', '--organisation', 'Corner Shop', '--email', 'Mo@Example.org', '--phone', '+1 312 555 0100', '--password-stdin', '--fingerprint', r.t.fingerprint, '--json'],
      OWNER_PASSWORD,
      true,
    )
    expect(signup.code).toBe(0)
    expect(signup.json()).toMatchObject({user: {username: 'corner-shop', role: 'owner'}, owner: {displayName: 'Mo Patel', email: 'mo@example.org', verified: false}, login: {profile: 'mo'}})

    const front = (await mo(['camera', 'add', '--name', 'Front door', '--at', '41.8801,-87.6301', '--direction', '180', '--fov', '90', '--records', '--retention-days', '14', '--tag', 'storefront,door', '--json'])).json<Camera>()
    expect(front).toMatchObject({name: 'Front door', locationType: 'business', viewDirection: 180, fieldOfView: 90, records: true, retentionDays: 14, tags: ['storefront', 'door'], source: 'owner'})
    const lot = await mo(['camera', 'add', '--name', 'Lot', '--at', '41.8799,-87.6302', '--type', 'business', '--no-records'], undefined, true)
    expect(lot.code).toBe(0)
    expect(lot.stdout).toMatch(/^name\s+Lot$/m)

    const mine = (await mo(['camera', 'list', '--json'])).json<Camera[]>()
    expect(mine.map((c) => c.name).sort()).toEqual(['Front door', 'Lot'])
    // The registry read as an owner: only their own rows.
    expect((await mo(['registry', 'list', '--json'])).json<Camera[]>().map((c) => c.id).sort()).toEqual(mine.map((c) => c.id).sort())
    const notMine = await mo(['camera', 'edit', id('IN'), '--name', 'mine now'])
    expect(notMine.code).toBe(1)
    expect(notMine.stderr).toContain('not found')

    const edited = (await mo(['camera', 'edit', front.id, '--at', '41.8802,-87.6300', '--retention-days', '30', '--json'])).json<Camera>()
    expect(edited).toMatchObject({latitude: 41.8802, longitude: -87.63, retentionDays: 30, viewDirection: 180, name: 'Front door'})
    // The investigator's radius search finds the camera at its new position, facing the point south of it.
    const near = (await r.cli(['registry', 'near', '--at', '41.8795,-87.6300', '--radius', '100m', '--when', '1d', '--json'], {profile: 'ivy'})).json<NearResult>()
    expect(near.cameras.find((c) => c.camera.id === front.id)).toMatchObject({facesPoint: true, footageRetained: true})

    const bad = await mo(['camera', 'add', '--name', 'Nowhere', '--at', '95,10'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--at')
  })

  it('edits the profile without touching what was not named, and deletes everything for good after --yes', async () => {
    const edited = (await mo(['owner', 'edit', '--phone', '+1 312 555 0199', '--json'])).json<Owner>()
    expect(edited).toMatchObject({phone: '+1 312 555 0199', organisation: 'Corner Shop', displayName: 'Mo Patel'})
    const unconfirmed = await mo(['owner', 'delete'])
    expect(unconfirmed.code).toBe(2)
    expect(unconfirmed.stderr).toContain('--yes')

    const mine = (await mo(['camera', 'list', '--json'])).json<Camera[]>()
    const removed = await mo(['camera', 'remove', mine[0]!.id, '--json'])
    expect(removed.json()).toEqual({deleted: true, id: mine[0]!.id})
    const deleted = await mo(['owner', 'delete', '--yes', '--json'])
    expect(deleted.json()).toMatchObject({deleted: true, camerasDeleted: 1})
    expect((await mo(['owner', 'show'])).code).toBe(4)
    const left = await r.t.admin.get<Camera[]>('/v1/registry/cameras')
    expect(left.some((c) => c.source === 'owner')).toBe(false)
    expect(await r.t.databaseHolds('mo@example.org')).toBe(false)
  })
})
