import {createReadStream} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {describe, expect, it} from 'vitest'

import {loadColumnMap} from '../../src/lib/registry/column-map.js'
import {accepted, importAll, rejected} from './helpers.js'

// The repo's unedited copy of the shared public data (examples/data), so CI needs nothing outside the clone.
const DATA = fileURLToPath(new URL('../../examples/data/', import.meta.url))
const MAPS = fileURLToPath(new URL('../../examples/maps/', import.meta.url))

async function importChicago(file: string, map: string) {
  return importAll(createReadStream(DATA + file), {format: 'csv', fileName: file, map: await loadColumnMap(MAPS + map)})
}

describe('the real Chicago open-data files', () => {
  it('imports all 149 red-light cameras keyed by intersection, owned by the city', async () => {
    const rows = await importChicago('chicago-red-light-cameras.csv', 'chicago-red-light.map.json')
    expect(rejected(rows)).toEqual([])
    const cameras = accepted(rows)
    expect(cameras).toHaveLength(149)
    expect(new Set(cameras.map((c) => c.externalId)).size).toBe(149)
    expect(cameras[0]).toMatchObject({
      source: 'chicago-red-light',
      externalId: 'Damen-Fullerton',
      name: 'Damen-Fullerton',
      latitude: 41.92499,
      longitude: -87.6779,
      locationType: 'public',
      ownerEmail: 'traffic-cameras@chicago.example',
      ownerName: 'City of Chicago',
      viewDirection: 270, // only approach EB: watches eastbound traffic, so faces west
    })
    expect(rows[0]!.row).toBe(2)
    expect(cameras.every((c) => c.latitude > 41.6 && c.latitude < 42.1 && c.longitude > -87.95 && c.longitude < -87.5)).toBe(true)
  })

  it('leaves the view direction unset where a red-light camera watches several approaches', async () => {
    const cameras = accepted(await importChicago('chicago-red-light-cameras.csv', 'chicago-red-light.map.json'))
    const byName = new Map(cameras.map((c) => [c.externalId, c]))
    expect(byName.get('Narragansett-Irving Park')!.viewDirection).toBeNull() // EB + WB
    expect(byName.get('Western-Madison')!.viewDirection).toBeNull() // NB + WB
    expect(cameras.filter((c) => c.viewDirection !== null)).toHaveLength(3)
  })

  it('imports all 160 speed cameras despite the byte-order mark, keyed by LOCATION ID', async () => {
    const rows = await importChicago('chicago-speed-cameras.csv', 'chicago-speed.map.json')
    expect(rejected(rows)).toEqual([])
    const cameras = accepted(rows)
    expect(cameras).toHaveLength(160)
    expect(cameras[0]).toMatchObject({
      source: 'chicago-speed',
      externalId: 'CHI015',
      name: '3450 W 71st St',
      address: '3450 W 71st St',
      latitude: 41.7644,
      longitude: -87.7097,
      viewDirection: null, // WB + EB
    })
    const byId = new Map(cameras.map((c) => [c.externalId, c]))
    expect(byId.get('CHI039')!.viewDirection).toBe(270) // EB only → faces west
    expect(byId.get('CHI040')!.viewDirection).toBe(90) // WB only → faces east
    expect(byId.get('CHI184')!.viewDirection).toBe(315) // SEB: traffic heading south-east → faces north-west
    expect(byId.get('CHI180')!.viewDirection).toBe(135) // NWB → faces south-east
    expect(byId.get('CHI096')!.viewDirection).toBeNull() // NB + "NA": ambiguous
    expect(cameras.filter((c) => c.viewDirection !== null)).toHaveLength(89)
  })
})
