import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {parse} from 'csv-parse/sync'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {NearResult} from '../../src/lib/client/registry.js'
import type {Camera} from '../../src/lib/domain/camera.js'
import {bruteForceNear, DATA, type ImportResult, MAPS, type RegistryCli, startRegistryCli} from './helpers.js'

let r: RegistryCli

beforeAll(async () => {
  r = await startRegistryCli()
})

afterAll(async () => {
  await r.stop()
})

const importJson = async (args: string[]) => {
  const result = await r.cli(['registry', 'import', ...args, '--json'])
  return {code: result.code, summary: result.json<ImportResult>(), stderr: result.stderr}
}

/** The whole registry, read through the API (the CLI's own listing is tested in access.test.ts). */
const allCameras = () => r.t.admin.get<Camera[]>('/v1/registry/cameras', {limit: 10_000})
const cameraCount = async () => (await r.t.admin.get<{cameras: number}>('/v1/registry/stats')).cameras

describe('rtcc registry import with the real Chicago files', () => {
  it('imports both files with the example column maps, and importing them again changes nothing', async () => {
    const speed = await importJson([join(DATA, 'chicago-speed-cameras.csv'), '--map', join(MAPS, 'chicago-speed.map.json')])
    expect(speed.code).toBe(0)
    expect(speed.summary).toMatchObject({read: 160, inserted: 160, updated: 0, rejected: 0, applied: true})
    const redLight = await importJson([join(DATA, 'chicago-red-light-cameras.csv'), '--map', join(MAPS, 'chicago-red-light.map.json')])
    expect(redLight.summary).toMatchObject({read: 149, inserted: 149, rejected: 0})

    // The shipped map by name is the same map as by path.
    const again = await r.cli(['registry', 'import', join(DATA, 'chicago-speed-cameras.csv'), '--map', 'chicago-speed'])
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('read 160, inserted 0, updated 0, unchanged 160, rejected 0')
    const redAgain = await importJson([join(DATA, 'chicago-red-light-cameras.csv'), '--map', join(MAPS, 'chicago-red-light.map.json')])
    expect(redAgain.summary).toMatchObject({inserted: 0, updated: 0, unchanged: 149})

    const stats = await r.cli(['registry', 'stats', '--json'])
    expect(stats.json()).toMatchObject({cameras: 309, owners: 1, byType: {public: 309}, records: 309, liveCapable: 0})
    // A camera watching eastbound traffic (first approach EB) faces west.
    const fullerton = (await allCameras()).find((c) => c.externalId === 'CHI039')!
    expect(fullerton).toMatchObject({name: '6247 W Fullerton Ave', latitude: 41.9236, longitude: -87.7825, viewDirection: 270, source: 'chicago-speed'})
  })

  it('lists the shipped column maps by name, and names them when --map matches neither a file nor a shipped map (exit 2)', async () => {
    const maps = (await r.cli(['registry', 'maps', '--json'])).json<{name: string; source: string; description: string; file: string}[]>()
    expect(maps.map((m) => [m.name, m.source])).toEqual([['chicago-red-light', 'chicago-red-light'], ['chicago-speed', 'chicago-speed']])
    expect(maps[0]!.description).toContain('Red Light Camera Locations')
    expect(maps.map((m) => m.file)).toEqual([join(MAPS, 'chicago-red-light.map.json'), join(MAPS, 'chicago-speed.map.json')])
    const human = await r.cli(['registry', 'maps'])
    expect(human.stdout.split('\n')[1]).toMatch(/^chicago-speed\tchicago-speed\tCity of Chicago/)
    const unknown = await r.cli(['registry', 'import', join(DATA, 'chicago-speed-cameras.csv'), '--map', 'chicago-sped'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('--map: no file chicago-sped and no shipped map of that name')
    expect(unknown.stderr).toContain('chicago-red-light, chicago-speed (see rtcc registry maps)')
  })

  it('finds the same cameras as a brute-force haversine scan, nearest first, with --type and --limit', async () => {
    const cameras = await allCameras()
    for (const at of [{latitude: 41.8781, longitude: -87.6298}, {latitude: 41.75, longitude: -87.65}]) {
      const result = await r.cli(['registry', 'near', '--at', `${at.latitude},${at.longitude}`, '--radius', '2.5km', '--limit', '10000', '--json'])
      const near = result.json<NearResult>()
      expect(near.cameras.map((c) => c.camera.id)).toEqual(bruteForceNear(cameras, at, 2500))
      expect(near.cameras.every((c) => c.distanceMetres <= 2500 && c.bearingFromPoint >= 0 && c.bearingFromPoint < 360)).toBe(true)
    }
    const limited = (await r.cli(['registry', 'near', '--at', '41.8781,-87.6298', '--radius', '3mi', '--limit', '3', '--json'])).json<NearResult>()
    expect(limited.cameras.map((c) => c.camera.id)).toEqual(bruteForceNear(cameras, {latitude: 41.8781, longitude: -87.6298}, 3 * 1609.344).slice(0, 3))
    const none = (await r.cli(['registry', 'near', '--at', '41.8781,-87.6298', '--radius', '3mi', '--type', 'school', '--json'])).json<NearResult>()
    expect(none.cameras).toEqual([])
  })

  it('prints distance, bearing, facing and retention for humans, and refuses a radius without a unit', async () => {
    const human = await r.cli(['registry', 'near', '--at', '41.8781,-87.6298', '--radius', '800m', '--when', '2h'])
    expect(human.code).toBe(0)
    // tab-separated when piped: distance m, bearing, faces, footage, type, name, id
    expect(human.stdout.split('\n')[0]).toMatch(/^\d+\t\d+° [NESW]{1,2}\t(yes|no|\?)\t(yes|no|\?)\tpublic\t[^\t]+\tcam_[0-9a-z]{26}$/)
    const bare = await r.cli(['registry', 'near', '--at', '41.8781,-87.6298', '--radius', '300'])
    expect(bare.code).toBe(2)
    expect(bare.stderr).toContain('--radius: "300" is not a distance')
  })
})

const BAD_ROWS = [
  'external_id,source,name,latitude,longitude,location_type,view_direction,records,owner_email,owner_phone',
  'G1,bad-rows,Good one,41.90,-87.65,business,90,yes,a@example.org,+1 312 555 0100', // 2
  'B3,bad-rows,Lat too big,91,-87.65,business,,yes,a@example.org,', // 3
  'B4,bad-rows,Lon too small,41.9,-181,business,,yes,a@example.org,', // 4
  'B5,bad-rows,Lat not a number,north,-87.65,business,,yes,a@example.org,', // 5
  ',bad-rows,No id,41.9,-87.65,business,,yes,a@example.org,', // 6
  'B7,bad-rows,Bad mail,41.9,-87.65,business,,yes,not-an-email,', // 7
  'B8,bad-rows,Bad phone,41.9,-87.65,business,,yes,a@example.org,12', // 8
  'B9,bad-rows,Null island,0,0,business,,yes,a@example.org,', // 9
  'G1,bad-rows,Duplicate,41.91,-87.66,business,,yes,a@example.org,', // 10
  'B11,bad-rows,Extra cell,41.9,-87.65,business,,yes,a@example.org,,surplus', // 11
  'B12,bad-rows,Castle,41.9,-87.65,castle,,yes,a@example.org,', // 12
  'B13,bad-rows,Direction,41.9,-87.65,business,400,yes,a@example.org,', // 13
  'B14,bad-rows,Records,41.9,-87.65,business,,maybe,a@example.org,', // 14
  'G2,bad-rows,"Good two, quoted",41.92,-87.64,school,NE,no,b@example.org,', // 15
].join('\r\n')

describe('bad rows', () => {
  it('rejects each kind of bad row with its row and field, imports the rest, exits 3, and writes a reject report', async () => {
    const file = r.file('bad-rows.csv', BAD_ROWS)
    const report = join(r.dir, 'rejects.csv')
    const result = await r.cli(['registry', 'import', file, '--reject-report', report, '--json'])
    expect(result.code).toBe(3)
    const summary = result.json<ImportResult>()
    expect(summary).toMatchObject({read: 14, inserted: 2, rejected: 12, applied: true, error: {code: 'partial'}})
    expect(summary.rejects.map((x) => [x.row, x.errors.map((e) => e.field).join('+')])).toEqual([
      [3, 'latitude'], [4, 'longitude'], [5, 'latitude'], [6, 'external_id'], [7, 'owner_email'], [8, 'owner_phone'],
      [9, 'latitude'], [10, 'external_id'], [11, 'row'], [12, 'location_type'], [13, 'view_direction'], [14, 'records'],
    ])
    expect(summary.rejects.find((x) => x.row === 10)!.errors[0]!.message).toContain('duplicates row 2')
    expect(result.stderr).toContain('12 of 14 row(s) rejected')

    const lines = parse(readFileSync(report)) as string[][]
    expect(lines[0]).toEqual(['row', 'fields', 'errors', ...BAD_ROWS.split('\r\n')[0]!.split(',')])
    expect(lines.slice(1).map((l) => l[0])).toEqual(['3', '4', '5', '6', '7', '8', '9', '10', '11', '12', '13', '14'])
    const lat = lines.find((l) => l[0] === '3')!
    expect(lat[1]).toBe('latitude')
    expect(lat[2]).toContain('expected a latitude in decimal degrees, -90..90')
    expect(lat.slice(3, 6)).toEqual(['B3', 'bad-rows', 'Lat too big'])
  })

  it('imports the reject report once its rows are fixed (the leading report columns are ignored)', async () => {
    const lines = parse(readFileSync(join(r.dir, 'rejects.csv'))) as string[][]
    const header = lines[0]!
    const col = (name: string) => header.indexOf(name)
    const fixed = lines.slice(1).map((l) => {
      const row = [...l]
      row[col('external_id')] = `F${l[0]}`
      row[col('latitude')] = '41.93'
      row[col('longitude')] = '-87.67'
      row[col('location_type')] = 'residence'
      row[col('view_direction')] = ''
      row[col('records')] = 'yes'
      row[col('owner_email')] = 'fixed@example.org'
      row[col('owner_phone')] = ''
      return row
    })
    const {stringify} = await import('csv-stringify/sync')
    const file = r.file('rejects-fixed.csv', stringify([header, ...fixed]))
    const result = await importJson([file])
    expect(result.code).toBe(0)
    expect(result.summary).toMatchObject({read: 12, inserted: 12, rejected: 0})
  })

  it('refuses a file with no column for a required field (exit 2), naming the columns it has and what to do', async () => {
    const result = await r.cli(['registry', 'import', r.file('no-owner.csv', 'id,name,lat,lng\nN1,No owner,41.9,-87.6\n'), '--source', 'no-owner'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('no-owner.csv has no column for owner_email')
    expect(result.stderr).toContain('Columns found: "id", "name", "lat", "lng"')
  })

  it('refuses a file without rows in any format as a whole-file problem (exit 2), naming the file', async () => {
    const files = [
      r.file('header-only.csv', 'external_id,source,name,latitude,longitude,owner_email\n'),
      r.file('empty.csv', ''),
      r.file('empty.geojson', '{"type": "FeatureCollection", "features": []}'),
      r.file('empty.jsonl', ''),
      r.file('empty.kml', '<kml><Document></Document></kml>'),
    ]
    for (const file of files) {
      const result = await r.cli(['registry', 'import', file, '--json'])
      expect(result.code, file).toBe(2)
      expect(result.json<ImportResult>().error).toMatchObject({code: 'empty_file', message: expect.stringMatching(/^[\w.-]+ has no rows: expected /)})
      expect(result.stderr).toContain(`${file.split('/').pop()} has no rows`)
    }
  })

  it('--atomic imports nothing when a row is rejected (exit 1); --dry-run writes nothing', async () => {
    const file = r.file('atomic.csv', 'external_id,source,name,latitude,longitude,owner_email\nA1,atomic,Fine,41.9,-87.6,a@example.org\nA2,atomic,Broken,95,-87.6,a@example.org\n')
    const atomic = await importJson([file, '--atomic'])
    expect(atomic.code).toBe(1)
    expect(atomic.summary).toMatchObject({read: 2, inserted: 1, rejected: 1, applied: false, error: {code: 'not_applied'}})
    const dry = await importJson([file, '--dry-run'])
    expect(dry.code).toBe(3)
    expect(dry.summary).toMatchObject({inserted: 1, rejected: 1, applied: false})
    expect((await allCameras()).some((c) => c.source === 'atomic')).toBe(false)
  })

  it('--on-conflict fail refuses a file that would change a camera (exit 1); skip leaves it as it was', async () => {
    const first = r.file('conflict-1.csv', 'external_id,source,name,latitude,longitude,owner_email\nC1,conflict,Old name,41.9,-87.6,a@example.org\n')
    expect((await importJson([first])).code).toBe(0)
    const second = r.file('conflict-2.csv', 'external_id,source,name,latitude,longitude,owner_email\nC1,conflict,New name,41.9,-87.6,a@example.org\nC2,conflict,Another,41.91,-87.6,a@example.org\n')
    const fail = await importJson([second, '--on-conflict', 'fail'])
    expect(fail.code).toBe(1)
    expect(fail.summary).toMatchObject({applied: false, error: {code: 'not_applied'}})
    const skip = await importJson([second, '--on-conflict', 'skip'])
    expect(skip.code).toBe(0)
    expect(skip.summary).toMatchObject({inserted: 1, skipped: 1, updated: 0})
    const update = await importJson([second])
    expect(update.summary).toMatchObject({inserted: 0, updated: 1, unchanged: 1})
    expect((await allCameras()).find((c) => c.externalId === 'C1')!.name).toBe('New name')
  })
})

describe('other formats and encodings', () => {
  it('imports a GeoJSON FeatureCollection, properties mapping to fields, and rejects a feature outside -180..180', async () => {
    const geojson = {
      type: 'FeatureCollection',
      features: [
        {type: 'Feature', geometry: {type: 'Point', coordinates: [-87.6233, 41.8827]}, properties: {external_id: 'geo-1', name: 'Cloud Gate', owner_email: 'parks@example.org', location_type: 'public', view_direction: 45, field_of_view: 90, tags: ['park', 'art'], records: true, retention_days: 30}},
        {type: 'Feature', geometry: {type: 'Point', coordinates: [-187.6, 41.88]}, properties: {external_id: 'geo-2', name: 'Nowhere', owner_email: 'parks@example.org'}},
        {type: 'Feature', geometry: {type: 'Point', coordinates: [-87.6244, 41.8796]}, properties: {id: 'geo-3', title: 'Art Institute', email: 'museum@example.org', type: 'business'}},
      ],
    }
    const file = r.file('parks.geojson', JSON.stringify(geojson))
    const result = await importJson([file, '--source', 'parks'])
    expect(result.code).toBe(3)
    expect(result.summary).toMatchObject({read: 3, inserted: 2, rejected: 1})
    expect(result.summary.rejects[0]).toMatchObject({row: 2, errors: [{field: 'longitude'}]})
    const byId = new Map((await allCameras()).map((c) => [c.externalId, c]))
    expect(byId.get('geo-1')).toMatchObject({name: 'Cloud Gate', latitude: 41.8827, longitude: -87.6233, viewDirection: 45, fieldOfView: 90, tags: ['park', 'art'], retentionDays: 30, source: 'parks'})
    expect(byId.get('geo-3')).toMatchObject({name: 'Art Institute', locationType: 'business'})
  })

  it('reads a Latin-1 (Windows-1252) file with --encoding latin1, and says why without it', async () => {
    const header = Buffer.from('external_id;source;name;latitude;longitude;owner_email;owner_name\n')
    const row = Buffer.concat([Buffer.from('L1;latin;Caf\xe9 M\xfcller \xd1and\xfa ', 'latin1'), Buffer.from([0x80]), Buffer.from(';41,88;-87,63;cafe@example.org;Jos\xe9\n', 'latin1')])
    const file = r.file('latin1.csv', Buffer.concat([header, row]))
    const wrong = await importJson([file])
    expect(wrong.code).toBe(3)
    expect(wrong.summary.rejects[0]!.errors[0]!.message).toContain('not valid UTF-8')
    // The way out is a flag, not editing rows: the error says so.
    expect(wrong.stderr).toContain('the file looks like Latin-1 or Windows-1252 (as Excel saves CSV on Windows). Import it again with --encoding latin1.')
    const right = await importJson([file, '--encoding', 'latin1'])
    expect(right.code).toBe(0)
    expect(right.summary).toMatchObject({inserted: 1, rejected: 0})
    const camera = (await allCameras()).find((c) => c.externalId === 'L1')!
    expect(camera).toMatchObject({name: 'Café Müller Ñandú €', latitude: 41.88, longitude: -87.63})
    const shown = await r.cli(['registry', 'show', camera.id])
    expect(shown.stdout).toContain('Café Müller Ñandú €')
  })
})

describe('export', () => {
  it('neutralises spreadsheet formulas in CSV and gives back the exact values on import (no change)', async () => {
    const csv = [
      'external_id,source,name,address,view_description,make,model,tags,latitude,longitude,owner_email,owner_name',
      'X1,formula,"=HYPERLINK(""http://evil.example"",""click"")",+1 Main St,@SUM(A1:A9),-Axis,@model,=cmd,41.8,-87.6,x@example.org,"\'\'=quoted once"',
    ].join('\n')
    expect((await importJson([r.file('formula.csv', csv)])).code).toBe(0)
    const out = join(r.dir, 'formula-export.csv')
    const exported = await r.cli(['registry', 'export', '--format', 'csv', '-o', out, '--json'])
    expect(exported.code).toBe(0)
    const text = readFileSync(out, 'utf8')
    const [header, ...rows] = parse(text) as string[][]
    const x1 = Object.fromEntries(header!.map((h, i) => [h, rows.find((row) => row[0] === 'X1')![i]]))
    expect(x1).toMatchObject({
      name: `'=HYPERLINK("http://evil.example","click")`, address: "'+1 Main St", view_description: "'@SUM(A1:A9)", make: "'-Axis", model: "'@model",
      tags: "'=cmd", owner_name: "''=quoted once", latitude: '41.8', longitude: '-87.6',
    })
    // No cell anywhere starts a formula.
    expect(rows.flat().filter((cell) => /^[=+@\t\r]|^-(?!\d)/.test(cell))).toEqual([])
    const again = await importJson([out])
    expect(again.code).toBe(0)
    expect(again.summary).toMatchObject({inserted: 0, updated: 0, rejected: 0})
    const camera = (await allCameras()).find((c) => c.externalId === 'X1')!
    expect(camera).toMatchObject({name: '=HYPERLINK("http://evil.example","click")', address: '+1 Main St', viewDescription: '@SUM(A1:A9)', make: '-Axis', model: '@model', tags: ['=cmd']})
  })

  it.each(['csv', 'geojson'])('export as %s → import changes nothing (all unchanged)', async (format) => {
    const total = await cameraCount()
    const out = join(r.dir, `registry.${format}`)
    const exported = await r.cli(['registry', 'export', '--format', format, '-o', out, '--json'])
    expect(exported.json()).toMatchObject({format, rows: total, file: out})
    const again = await importJson([out])
    expect(again.code).toBe(0)
    expect(again.summary).toMatchObject({read: total, inserted: 0, updated: 0, unchanged: total, rejected: 0})
  })

  it('exports only the cameras near a point, streamed to stdout', async () => {
    const cameras = await allCameras()
    const at = {latitude: 41.8781, longitude: -87.6298}
    const result = await r.cli(['registry', 'export', '--format', 'jsonl', '--near', '41.8781,-87.6298', '--radius', '1.5km'])
    expect(result.code).toBe(0)
    const ids = result.stdout.trim().split('\n').map((line) => (JSON.parse(line) as {rtcc_id: string}).rtcc_id)
    expect(ids.sort()).toEqual(bruteForceNear(cameras, at, 1500).sort())
    expect(ids.length).toBeGreaterThan(0)
  })
})
