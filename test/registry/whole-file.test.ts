import {describe, expect, it} from 'vitest'

import {RtccError} from '../../src/lib/errors.js'
import type {ImportFormat} from '../../src/lib/registry/import.js'
import {importAll, OWNER} from './helpers.js'

const noRows: [string, ImportFormat, string][] = [
  ['an empty CSV', 'csv', ''],
  ['a header-only CSV', 'csv', 'external_id,source,name,latitude,longitude,owner_email\r\n'],
  ['a CSV of a header and blank lines', 'csv', 'external_id,source,name,latitude,longitude,owner_email\n\n\n'],
  ['an empty FeatureCollection', 'geojson', '{"type":"FeatureCollection","features":[]}\n'],
  ['an empty GeoJSON file', 'geojson', ''],
  ['an empty JSON array', 'json', '[]'],
  ['an empty JSON Lines file', 'jsonl', ''],
  ['a JSON Lines file of blank lines', 'jsonl', '\n\n'],
  ['a KML document without placemarks', 'kml', '<?xml version="1.0"?><kml><Document><name>none</name></Document></kml>'],
]

describe('a file without rows', () => {
  it.each(noRows)('%s is a whole-file problem (exit 2) naming the file', async (_what, format, text) => {
    const error = await importAll(text, {format, fileName: `cams.${format}`, defaults: {source: 'empty'}}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RtccError)
    expect(error).toMatchObject({code: 'empty_file', exitCode: 2, where: `cams.${format}`, message: expect.stringMatching(new RegExp(`^cams\\.${format} has no rows`))})
  })
})

describe('bytes that are not UTF-8', () => {
  const latin1 = (text: string) => Buffer.from(text, 'latin1')

  it.each([
    ['jsonl', latin1(`{"external_id":"j1","source":"s","name":"Café","latitude":41.9,"longitude":-87.6,"owner_email":"${OWNER}"}\n`)],
    ['geojson', latin1(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[-87.6,41.9]},"properties":{"external_id":"g1","source":"s","name":"Café","owner_email":"${OWNER}"}}]}`)],
    ['kml', latin1(`<kml><Document><Placemark><name>Café</name><ExtendedData><Data name="external_id"><value>k1</value></Data><Data name="source"><value>s</value></Data><Data name="owner_email"><value>${OWNER}</value></Data></ExtendedData><Point><coordinates>-87.6,41.9</coordinates></Point></Placemark></Document></kml>`)],
  ] as [ImportFormat, Buffer][])('are rejected in %s too, suggesting --encoding latin1; with it the row imports', async (format, bytes) => {
    const [row] = await importAll(bytes, {format})
    expect(row!.result).toMatchObject({ok: false, errors: [{field: 'row', column: 'name', message: 'contains bytes that are not valid UTF-8', expected: expect.stringContaining('--encoding latin1')}]})
    const [fixed] = await importAll(bytes, {format, encoding: 'latin1'})
    expect(fixed!.result).toMatchObject({ok: true, camera: {name: 'Café'}})
  })
})
