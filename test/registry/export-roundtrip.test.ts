import {describe, expect, it} from 'vitest'

import {EXPORT_FORMATS, encodeCameras, encodeCsv, type ExportCamera} from '../../src/lib/registry/export.js'
import {accepted, camera, importAll, rejected} from './helpers.js'

async function text(chunks: AsyncIterable<string>): Promise<string> {
  let out = ''
  for await (const chunk of chunks) out += chunk
  return out
}

/** Cameras that exercise every awkward value: nulls, quotes, newlines, commas, formula triggers, unicode. */
const cameras: ExportCamera[] = [
  {...camera(), id: 'cam_01jabcdefghjkmnpqrstvwxyz0'},
  camera({
    externalId: 'cam,2 "quoted"',
    name: '=HYPERLINK("http://evil.example","click")',
    address: 'Line one\nLine two, Chicago',
    viewDescription: "+1 looks <north> & 'up'",
    make: '-Axis',
    model: '@model',
    ownerName: "'=already quoted",
    ownerOrganisation: null,
    ownerPhone: null,
    locationType: 'residence',
    viewDirection: null,
    fieldOfView: null,
    records: false,
    retentionDays: null,
    liveCapable: true,
    tags: [],
    latitude: -33.8688197,
    longitude: 151.2092955,
  }),
  camera({externalId: 'cam-3', name: 'Café “Ñandú” 東京', source: 'other-source', viewDirection: 359.5, fieldOfView: 360, retentionDays: 0, tags: ['a b', 'ü']}),
]
const expected = cameras.map(({id: _id, ...rest}) => rest)

describe('export → import round trip', () => {
  it.each(EXPORT_FORMATS)('gives back identical cameras through %s', async (format) => {
    const file = await text(encodeCameras(format, cameras))
    const rows = await importAll(file, {format})
    expect(rejected(rows)).toEqual([])
    expect(accepted(rows)).toEqual(expected)
  })

  it('round-trips a semicolon-delimited CSV export', async () => {
    const file = await text(encodeCsv(cameras, {delimiter: ';'}))
    expect(file.split('\n')[0]).toContain('external_id;source;name')
    expect(accepted(await importAll(file, {format: 'csv'}))).toEqual(expected)
  })

  it('neutralises CSV cells that a spreadsheet would run as formulas, but not negative numbers', async () => {
    const file = await text(encodeCsv(cameras))
    expect(file).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`)
    expect(file).toContain(`,'-Axis,'@model,`)
    expect(file).toContain(`,'+1 looks <north> & 'up',`)
    expect(file).toContain(`''=already quoted`)
    expect(file).toContain(',-33.8688197,151.2092955,')
    expect(file).not.toMatch(/(^|,)[=+@]/m)
  })

  it('writes the canonical header once, with the rtcc id last', async () => {
    const file = await text(encodeCsv(cameras))
    expect(file.split('\n')[0]).toBe(
      'external_id,source,name,latitude,longitude,address,location_type,make,model,view_description,view_direction,field_of_view,records,retention_days,live_capable,tags,owner_email,owner_name,owner_organisation,owner_phone,rtcc_id',
    )
  })

  it('writes a GeoJSON FeatureCollection of Points that parses as one document', async () => {
    const doc = JSON.parse(await text(encodeCameras('geojson', cameras)))
    expect(doc.type).toBe('FeatureCollection')
    expect(doc.features[1].geometry).toEqual({type: 'Point', coordinates: [151.2092955, -33.8688197]})
    expect(doc.features[0].properties).toMatchObject({external_id: 'cam-1', rtcc_id: 'cam_01jabcdefghjkmnpqrstvwxyz0', records: true, tags: ['entrance', 'sidewalk']})
  })

  it('writes an empty but valid document for no cameras', async () => {
    expect(JSON.parse(await text(encodeCameras('geojson', [])))).toEqual({type: 'FeatureCollection', features: []})
    expect(await text(encodeCameras('jsonl', []))).toBe('')
    expect(await text(encodeCameras('kml', []))).toContain('</kml>')
  })

  it('streams from an async source in chunks, not one string', async () => {
    async function* source() {
      for (let i = 0; i < 1200; i++) yield camera({externalId: `c${i}`})
    }
    let chunks = 0
    for await (const _chunk of encodeCsv(source())) chunks++
    expect(chunks).toBeGreaterThanOrEqual(3)
  })
})
