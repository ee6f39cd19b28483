import {describe, expect, it} from 'vitest'

import {RtccError} from '../../src/lib/errors.js'
import {detectFormat} from '../../src/lib/registry/import.js'
import {accepted, importAll, OWNER, rejected} from './helpers.js'

const point = (lon: number, lat: number) => ({type: 'Point', coordinates: [lon, lat]})

describe('GeoJSON import', () => {
  const collection = {
    type: 'FeatureCollection',
    name: 'cams',
    features: [
      {type: 'Feature', id: 'g1', geometry: point(-87.63, 41.88), properties: {name: 'Lobby', owner_email: OWNER, fov: 80, direction: 'SW', live: true, tags: ['lobby', 'door']}},
      {type: 'Feature', geometry: point(-87.64, 41.89), properties: {external_id: 'g2', latitude: 1, longitude: 1, owner: OWNER}},
      {type: 'Feature', geometry: {type: 'LineString', coordinates: [[0, 0], [1, 1]]}, properties: {external_id: 'g3', owner_email: OWNER}},
      {type: 'Feature', geometry: point(-87.65, 95), properties: {external_id: 'g4', owner_email: OWNER}},
    ],
  }

  it('maps properties to fields and takes the position from the Point, rejecting other geometries', async () => {
    const rows = await importAll(JSON.stringify(collection, null, 2) + '\n\n', {format: 'geojson', fileName: 'cams.geojson', defaults: {source: 'gj'}})
    expect(accepted(rows)).toEqual([
      expect.objectContaining({externalId: 'g1', name: 'Lobby', latitude: 41.88, longitude: -87.63, fieldOfView: 80, viewDirection: 225, liveCapable: true, tags: ['lobby', 'door']}),
      expect.objectContaining({externalId: 'g2', latitude: 41.89, longitude: -87.64, ownerEmail: OWNER}),
    ])
    expect(rejected(rows)).toEqual([
      {row: 3, fields: ['row'], messages: ['geometry is a LineString']},
      {row: 4, fields: ['latitude'], messages: ['out of range']},
    ])
  })

  it('fails clearly on a document that is not a FeatureCollection', async () => {
    const error = await importAll(JSON.stringify({type: 'Feature', geometry: point(1, 1), properties: {}}), {format: 'geojson', fileName: 'one.geojson'}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RtccError)
    expect((error as RtccError).message).toContain('is not a GeoJSON FeatureCollection')
  })

  it('fails on broken JSON after yielding the features before the break', async () => {
    const text = JSON.stringify(collection).slice(0, 400) + '}}}garbage'
    const {readCameras} = await import('../../src/lib/registry/import.js')
    const seen: number[] = []
    const error = await (async () => {
      for await (const row of readCameras([Buffer.from(text)], {format: 'geojson', fileName: 'bad.geojson', defaults: {source: 'gj'}})) seen.push(row.row)
    })().catch((e: unknown) => e)
    expect(seen.length).toBeGreaterThan(0)
    expect(error).toBeInstanceOf(RtccError)
    expect((error as RtccError).message).toMatch(/^bad\.geojson is not valid JSON/)
  })
})

describe('JSON array and JSON Lines import', () => {
  it('reads a JSON array of flat objects', async () => {
    const rows = await importAll(JSON.stringify([{external_id: 'a', lat: '41.1', lon: -87.1, owner_email: OWNER, records: 'no'}]), {format: 'json', defaults: {source: 's'}})
    expect(accepted(rows)).toEqual([expect.objectContaining({externalId: 'a', latitude: 41.1, longitude: -87.1, records: false})])
  })

  it('reads JSON Lines, numbering rows by line and rejecting a bad line without losing the others', async () => {
    const text = [
      JSON.stringify({external_id: 'a', latitude: 41.1, longitude: -87.1, owner_email: OWNER}),
      '',
      '{"external_id": "b", "latitude": 41.2,',
      JSON.stringify({type: 'Feature', geometry: point(-87.3, 41.3), properties: {external_id: 'c', owner_email: OWNER}}),
      '[1, 2]',
    ].join('\r\n')
    const rows = await importAll(text, {format: 'jsonl', fileName: 'cams.jsonl', defaults: {source: 's'}})
    expect(accepted(rows).map((c) => [c.externalId, c.latitude])).toEqual([
      ['a', 41.1],
      ['c', 41.3],
    ])
    expect(rejected(rows).map((r) => [r.row, r.messages[0]!.slice(0, 17)])).toEqual([
      [3, 'is not valid JSON'],
      [5, 'is an array'],
    ])
  })
})

describe('format detection', () => {
  it.each([
    ['cams.csv', undefined, 'csv'],
    ['cams.tsv', undefined, 'csv'],
    ['cams.geojson', undefined, 'geojson'],
    ['cams.ndjson', undefined, 'jsonl'],
    ['cams.kml', undefined, 'kml'],
    ['cams.json', '[{"a":1}]', 'json'],
    ['cams.json', '{"type":"FeatureCollection","features":[]}', 'geojson'],
    ['cams.json', '{"a":1}\n{"a":2}\n', 'jsonl'],
    [undefined, '\uFEFF<?xml version="1.0"?><kml>', 'kml'],
    [undefined, 'external_id,latitude', 'csv'],
  ])('detects %s / %j as %s', (name, head, format) => {
    expect(detectFormat(name, head)).toBe(format)
  })

  it('asks for --format when it cannot tell', () => {
    expect(() => detectFormat('cams.dat')).toThrow(expect.objectContaining({message: 'cannot tell the format of cams.dat', hint: expect.stringContaining('--format')}))
  })
})
